"""Pages of long key and roster audit trails against the same page of a short trail, measured in one run.

On one Neo4j, writes (one UNWIND per batch of 10,000, not through the routes) a short trail of --short
entries and, for each of --entries, a long one, for one key (`KeyChange`, auth/create_key_change) and for
one class (`RosterChange`, classes/create_roster_change), with times a second apart. Then reads, through
the stores' calls the routes make (`auth.store.key_changes`, `classes.store.roster_changes`: a page of 50
with the trail's `total`), --reads times per case after --warmup untimed reads:
  first page      offset 0
  middle page     offset entries / 2
  last page       the last 50
  every key       the keys' trail of every key (key_id null; it holds all the bench's key entries, and any
                  the graph held before), first page
Prints p50/p99 in milliseconds and each case's p50 ratio to the first page of the short trail of the same
kind (the baseline, read in the same run).

It deletes only its own entries (key ids and class ids starting with `bench-trail-`), before and after;
point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_trail_pages.py --entries 10000,100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from kgplatform.auth import store as keys
from kgplatform.classes import store as classes
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed  # noqa: E402

PREFIX = "bench-trail-"
PAGE = 50
BATCH = 10_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--entries", default="10000,100000", help="long trails' lengths, comma-separated")
    parser.add_argument("--short", type=int, default=100, help="the baseline trail's length")
    parser.add_argument("--reads", type=int, default=20, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reads per case first")
    return parser.parse_args()


def seed(graph: Graph, query: str, param: str, owner: str, entries: int, now: datetime) -> None:
    for start in range(0, entries, BATCH):
        rows = [
            {"id": uuid.uuid4().hex, "at": now - timedelta(seconds=entries - i)}
            for i in range(start, min(entries, start + BATCH))
        ]
        graph.write(query, rows=rows, **{param: owner})


def clean(graph: Graph) -> None:
    while graph.write("bench/delete_trail_bench_entries", prefix=PREFIX, limit=20_000)[0]["deleted"]:
        pass


def main() -> None:
    args = parse_args()
    lengths = [int(n) for n in args.entries.split(",")]
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    now = datetime.now(UTC)
    # kind -> (read(owner, offset) -> {total, items}, seeding query, its owner parameter)
    kinds: dict[str, tuple[Callable[[str | None, int], dict[str, Any]], str, str]] = {
        "key": (
            lambda owner, offset: keys.key_changes(graph, owner, offset, PAGE),
            "bench/create_key_change_bench_entries",
            "key_id",
        ),
        "roster": (
            lambda owner, offset: classes.roster_changes(graph, owner or "", offset, PAGE),
            "bench/create_roster_change_bench_entries",
            "class_id",
        ),
    }
    results: list[tuple[str, str, int, list[float], int]] = []  # kind, case, total, samples, items
    clean(graph)
    try:
        for kind, (read, query, param) in kinds.items():
            for length in [args.short, *lengths]:
                seed(graph, query, param, f"{PREFIX}{kind}-{length}", length, now)
            short = f"{PREFIX}{kind}-{args.short}"
            cases: list[tuple[str, str | None, int]] = [(f"short ({args.short}), first page", short, 0)]
            for length in lengths:
                owner = f"{PREFIX}{kind}-{length}"
                cases += [
                    (f"{length}, first page", owner, 0),
                    (f"{length}, middle page", owner, length // 2),
                    (f"{length}, last page", owner, length - PAGE),
                ]
            if kind == "key":
                cases.append(("every key, first page", None, 0))
            for name, case_owner, offset in cases:
                page = partial(read, case_owner, offset)
                samples, items = timed(page, args.warmup, args.reads, lambda p: len(p["items"]))
                results.append((kind, name, page()["total"], samples, items))
    finally:
        clean(graph)
        graph.close()

    print(
        f"key and roster audit trails, pages of {PAGE} with their total: {args.reads} timed reads per case "
        f"after {args.warmup} warm-up, Neo4j {settings.neo4j.uri}"
    )
    print(f"{'trail':<7} {'case':<26} {'total':>8} {'items':>6} {'p50 ms':>8} {'p99 ms':>8} {'x short':>8}")
    base: dict[str, float] = {}
    for kind, name, total, samples, items in results:
        p50 = statistics.median(samples)
        base.setdefault(kind, p50)
        print(
            f"{kind:<7} {name:<26} {total:>8} {items:>6} {p50:>8.2f} {percentile(samples, 0.99):>8.2f} "
            f"{p50 / base[kind]:>8.2f}"
        )


if __name__ == "__main__":
    main()
