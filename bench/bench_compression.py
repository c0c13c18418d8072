"""The API's large answers with and without gzip: bytes and time, the same reads in the same run.

One generated curriculum of --concepts concepts is imported (untimed), the real app (`create_app`) is served
by uvicorn as `kgplatform api` serves it, and then, --repeats times, alternating, each read below is made
with `Accept-Encoding: identity` and with `Accept-Encoding: gzip` (a designer's key, over loopback):
  - GET /curricula/{id}?tasks=false   the web page's Learner view, its first opening
  - GET /curricula/{id}               the whole curriculum
  - GET /curricula/{id}/export        the designers' export (JSON)
  - GET /concepts/{id}                a small answer, under the threshold: must not be slower
                                      (--small-repeats rounds)
Prints, per read: the bytes each way and their ratio, the median seconds each way and their ratio (gzip /
identity: lower is better), and the transfer time of each at --kbit-s (a classroom network), which loopback
does not show. Then the compressor alone on the whole curriculum's JSON at zlib levels 1, 6 and 9.

It writes only its own curriculum (id `bench-gzip`, deleted at the end) and one API key (revoked at the end);
point it at your own Neo4j and Redis (CONTRIBUTING.md). Example:
    python bench/bench_compression.py --concepts 3000 --repeats 5
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import zlib
from pathlib import Path

import httpx

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import UNLIMITED_RATE, uvicorn_server  # noqa: E402
from generated_curriculum import add_generated_curriculum_args, clean, import_generated  # noqa: E402

CURRICULUM = "bench-gzip"
ENCODINGS = {"identity": "identity", "gzip": "gzip"}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_generated_curriculum_args(parser)
    parser.add_argument(
        "--small-repeats", type=int, default=200, help="rounds of the small read (milliseconds each: noisy)"
    )
    parser.add_argument("--kbit-s", type=float, default=400.0, help="network speed for the transfer column")
    return parser.parse_args()


def timed_read(client: httpx.Client, path: str, encoding: str) -> tuple[float, int]:
    """Seconds to the last byte, and the bytes as sent (before httpx decodes them)."""
    start = time.perf_counter()
    with client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        response.raise_for_status()
        size = sum(len(piece) for piece in response.iter_raw())
    return time.perf_counter() - start, size


def compare(client: httpx.Client, paths: dict[str, tuple[str, int]], args: argparse.Namespace) -> None:
    """`paths`: each read's name -> (path, rounds)."""
    print(
        f"{'read':<34} {'identity B':>11} {'gzip B':>9} {'B ratio':>8} {'identity s':>11} {'gzip s':>8} "
        f"{'s ratio':>8} {'@' + str(int(args.kbit_s)) + ' kbit/s':>16}"
    )
    for name, (path, rounds) in paths.items():
        times: dict[str, list[float]] = {encoding: [] for encoding in ENCODINGS}
        sizes: dict[str, int] = {}
        timed_read(client, path, "gzip")  # warm-up
        for _ in range(rounds):
            for encoding in ENCODINGS:
                seconds, sizes[encoding] = timed_read(client, path, encoding)
                times[encoding].append(seconds)
        plain, packed = (statistics.median(times[e]) for e in ENCODINGS)
        wire = {e: sizes[e] * 8 / (args.kbit_s * 1000) for e in ENCODINGS}
        print(
            f"{name:<34} {sizes['identity']:>11,} {sizes['gzip']:>9,} "
            f"{sizes['gzip'] / sizes['identity']:>8.3f} "
            f"{plain:>11.4f} {packed:>8.4f} {packed / plain:>8.2f} "
            f"{wire['identity']:>7.1f}s->{wire['gzip']:.1f}s"
        )


def compressor_levels(body: bytes) -> None:
    print(f"\nthe compressor alone on {len(body):,} bytes (median of 5):")
    for level in (1, 6, 9):
        runs = []
        for _ in range(5):
            start = time.perf_counter()
            packed = zlib.compress(body, level)
            runs.append(time.perf_counter() - start)
        print(
            f"  level {level}: {len(packed):>9,} B ({len(packed) / len(body):.3f}), "
            f"{statistics.median(runs) * 1000:.1f} ms"
        )


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    key = auth.issue_key(graph, role=Role.DESIGNER, name="bench-compression", actor="bench")
    try:
        clean(graph, CURRICULUM)
        document, _ = import_generated(graph, CURRICULUM, args.concepts, args.seed, args.tasks_per_concept)
        env = {**os.environ, **UNLIMITED_RATE}
        with (
            uvicorn_server("kgplatform.api.app:create_app", factory=True, env=env) as base_url,
            httpx.Client(base_url=base_url, headers={"X-API-Key": key.secret}, timeout=120) as client,
        ):
            concept = document.concepts[0].id
            print(
                f"{args.concepts} concepts, {len(document.prerequisites)} edges, "
                f"{len(document.tasks)} tasks; "
                f"{args.repeats} rounds, medians\n"
            )
            compare(
                client,
                {
                    "GET /curricula/{id}?tasks=false": (f"/curricula/{CURRICULUM}?tasks=false", args.repeats),
                    "GET /curricula/{id}": (f"/curricula/{CURRICULUM}", args.repeats),
                    "GET /curricula/{id}/export": (
                        f"/curricula/{CURRICULUM}/export?format=json",
                        args.repeats,
                    ),
                    "GET /concepts/{id} (small)": (f"/concepts/{concept}", args.small_repeats),
                },
                args,
            )
            whole = client.get(f"/curricula/{CURRICULUM}", headers={"Accept-Encoding": "identity"}).content
        compressor_levels(whole)
    finally:
        clean(graph, CURRICULUM)
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()


if __name__ == "__main__":
    main()
