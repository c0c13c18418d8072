"""A service's backfill through POST /answers against an in-process ingest of the same log, same run.

Generates a seeded log (default 40,000 answers of 400 learners over 300 days on 300 tasks) and, on the
same Neo4j, each scenario starting from an emptied graph with the same curriculum:
  - ingest: `MasteryService.ingest` in this process, the log in time order, batches of --batch (what the
    demo and `bench_ingest.py` run: no HTTP, no JSON);
  - api-ordered: the same batches posted in time order by one sender to `kgplatform api` (started here
    as a subprocess on KGP_API_PORT, one uvicorn process);
  - api-ordered xN: --senders senders at once, each the answers of its own learners in time order;
  - api-shuffled xN: the log shuffled (within and across learners), --senders senders at once: every
    batch holds answers older than its learners' stored mastery, so each is a full replay of those
    learners' histories (docs/tracing.md, "Order"): the cost grows with the square of the history over
    the batch size.
Prints each scenario's answers/s and its ratio to `ingest` of the same round (--rounds, 2: the first
also pays for cold caches; even rounds run the scenarios in reverse order), and checks after each that
the graph holds every answer once and the same mastery as the first scenario (within 1e-9).

It empties the graph it points at: run it against your own Neo4j and Redis (CONTRIBUTING.md) and pass
--wipe. Example: python bench/bench_backfill.py --wipe --answers 40000 --learners 400 --senders 2
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import batches, load_curriculum, shares, wipe  # noqa: E402

from kgplatform.auth import service as auth  # noqa: E402
from kgplatform.auth.models import Role  # noqa: E402
from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.mastery.service import MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402

Rows = list[dict[str, Any]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=40_000)
    parser.add_argument("--learners", type=int, default=400)
    parser.add_argument("--days", type=float, default=300.0)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--batch", type=int, default=5_000, help="answers per request (API limit 10,000)")
    parser.add_argument("--senders", type=int, default=2)
    parser.add_argument("--skip-shuffled", action="store_true", help="leave out api-shuffled (the slow one)")
    parser.add_argument("--rounds", type=int, default=2, help="every scenario again, in the same order")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    return parser.parse_args()


def round_robin(rows: Rows, senders: int) -> list[Rows]:
    return [rows[k::senders] for k in range(senders)]


class Server:
    """`kgplatform api` in a subprocess, on the settings' port."""

    def __init__(self) -> None:
        settings = get_settings()
        self.url = f"http://{settings.api_host}:{settings.api_port}"
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / "bench_backfill_api.log", "wb")  # noqa: SIM115
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kgplatform.cli", "api"], stdout=self.log, stderr=subprocess.STDOUT
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                sys.exit(f"the API exited with {self.process.returncode}: see {self.log.name}")
            time.sleep(0.5)
        sys.exit(f"the API did not answer within 120 s: see {self.log.name}")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(30)
        self.log.close()


def post_all(url: str, secret: str, batch: int) -> Callable[[Rows], int]:
    def send(rows: Rows) -> int:
        accepted = 0
        with httpx.Client(base_url=url, headers={"X-API-Key": secret}, timeout=600) as client:
            for chunk in batches(rows, batch):
                response = client.post("/answers", json={"answers": chunk})
                if response.status_code != 200 or response.json()["rejected"]:
                    sys.exit(f"unexpected answer {response.status_code}: {response.text[:300]}")
                accepted += len(response.json()["accepted"])
        return accepted

    return send


def same_mastery(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> bool:
    if [(m["learner_id"], m["concept_id"], m["attempts"]) for m in got] != [
        (m["learner_id"], m["concept_id"], m["attempts"]) for m in expected
    ]:
        return False
    return all(
        math.isclose(g["p_mastery"], e["p_mastery"], rel_tol=1e-9, abs_tol=1e-12)
        for g, e in zip(got, expected, strict=True)
    )


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    server: Server | None = None
    try:
        migrate(graph)
        if not args.wipe:
            held = graph.read("testing/count_mastery_data")[0]
            sys.exit(f"this empties the graph at {settings.neo4j.uri} (holds {held}); pass --wipe")
        curriculum = make_curriculum(args.concepts, args.tasks, seed=args.seed)
        rows = make_answers(curriculum, args.learners, args.answers, days=args.days, seed=args.seed)
        shuffled = random.Random(args.seed).sample(rows, len(rows))
        # The log stays in this process: without this every full collection during the in-process ingest
        # walks its rows, which the API process (the other side) never holds.
        gc.freeze()
        print(
            f"{len(rows):,} answers of {args.learners:,} learners over {args.days:g} days, batches of "
            f"{args.batch:,}, {args.senders} senders",
            flush=True,
        )
        service = MasteryService(MasteryStore(graph))

        def ingest(share: Rows) -> int:
            return sum(len(service.ingest(chunk).accepted) for chunk in batches(share, args.batch))

        scenarios: list[tuple[str, list[Rows], bool]] = [
            ("ingest", [rows], False),
            ("api-ordered x1", [rows], True),
            (f"api-ordered x{args.senders}", shares(rows, args.senders), True),
        ]
        if not args.skip_shuffled:
            scenarios.append((f"api-shuffled x{args.senders}", round_robin(shuffled, args.senders), True))
        reference: list[dict[str, Any]] | None = None
        for round_no in range(1, args.rounds + 1):
            # The first round also pays for cold caches (Neo4j's query plans, the API's start), and the
            # machine's load drifts: even rounds run the scenarios in reverse order.
            rates: dict[str, float] = {}
            for name, parts, through_api in scenarios if round_no % 2 else scenarios[::-1]:
                wipe(graph)
                load_curriculum(graph, curriculum)
                if through_api:
                    secret = auth.issue_key(
                        graph, role=Role.SERVICE, name="bench-backfill", actor="bench"
                    ).secret
                    server = server or Server()
                    work = post_all(server.url, secret, args.batch)
                else:
                    work = ingest
                started = time.perf_counter()
                with ThreadPoolExecutor(len(parts)) as pool:
                    accepted = sum(pool.map(work, parts))
                elapsed = time.perf_counter() - started
                stored = graph.read("testing/count_mastery_data")[0]
                mastery = graph.read("testing/list_all_mastery")
                reference = reference if reference is not None else mastery
                checks = accepted == stored["answers"] == len(rows) and same_mastery(mastery, reference)
                rates[name] = len(rows) / elapsed
                print(
                    f"round {round_no} {name:18s}: {rates[name]:8,.0f} answers/s ({elapsed:6.1f} s); every "
                    f"answer once and the same mastery as the first scenario: {'yes' if checks else 'NO'}",
                    flush=True,
                )
            ratios = ", ".join(f"{name} {rate / rates['ingest']:.2f}" for name, rate in rates.items())
            print(f"round {round_no} ratios to ingest: {ratios}", flush=True)
        wipe(graph)
    finally:
        if server is not None:
            server.close()
        graph.close()


if __name__ == "__main__":
    main()
