"""A teacher finding a learner (`GET /learners`): pages of mastery/list_learners against a plain page of ids.

In one run, on one Neo4j holding --learners learners (ids `bench-learner-000000`...) with --answers answers
each, reads a page of 50 --reads times per case after --warmup untimed reads, through the store the route
calls:
  plain first / deep page   bench/list_learner_ids_plain (ids only, no prefix, no counts): the baseline
  counts first / deep page  bench/list_learners_counts_only: the listing before last answer times (ids and
                            answer counts, 3 December 2026)
  list first / deep page    mastery/list_learners with no prefix (ids, answer counts, last answer times)
  prefix of 100 ids         the prefix `bench-learner-0500`
  prefix deep page          the prefix every id shares, after the middle id
  prefix matching none      a prefix no id starts with
  active 1 in N             `active_since` (since 4 December 2026) an hour ago: one learner in --active-every
                            answered now, the others 30 days ago, so the page reads up to its bound of
                            learners (mastery.service.ACTIVE_SCAN_PER_PAGE) for 50
  active, none              `active_since` a day ahead: no learner listed, the bound read whole
  active, all               `active_since` 60 days ago: every learner listed, 50 read
(a deep page starts after the middle id). Prints p50/p99 in milliseconds and each case's p50 ratio to the
plain first page and to the counts-only page at the same depth (the active cases: to the list's first
page).

It creates its own learners and deletes only them (and their answers) at the end; point it at your own
Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_learner_list.py --learners 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.mastery.roster import id_range
from kgplatform.mastery.service import ACTIVE_SCAN_PER_PAGE
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed  # noqa: E402

PREFIX = "bench-learner-"
PAGE = 50


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=5, help="answers per learner")
    parser.add_argument("--reads", type=int, default=50, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed reads per case first")
    parser.add_argument(
        "--active-every",
        type=int,
        default=100,
        help="one learner in this many answered now, the others 30 days before (the active cases)",
    )
    return parser.parse_args()


def seed(graph: Graph, learners: int, answers: int, prefix: str = PREFIX, active_every: int = 1) -> list[str]:
    """`learners` learners with ids `prefix` + a 6-digit number, each with `answers` answers; their ids.
    One in `active_every` answered now, the others 30 days before."""
    now = datetime.now(UTC)
    at_s = int(now.timestamp())
    old_s = at_s - 30 * 86_400
    ids = [f"{prefix}{i:06d}" for i in range(learners)]
    for start in range(0, learners, 10_000):
        graph.write("bench/create_bench_learners", ids=ids[start : start + 10_000], now=now)
    rows = [(lid, k) for lid in ids for k in range(answers)]
    for start in range(0, len(rows), 20_000):
        part = rows[start : start + 20_000]
        graph.write(
            "bench/create_answers_plain",
            event_ids=[f"{lid}-{k}" for lid, k in part],
            learner_ids=[lid for lid, _ in part],
            task_ids=[f"t{k}" for _, k in part],
            scores=[1.0] * len(part),
            at_s=[(at_s if int(lid[-6:]) % active_every == 0 else old_s) - k for lid, k in part],
            at_ns=[0] * len(part),
            durations=[None] * len(part),
            received_at=now,
        )
    return ids


def store_page(store: MasteryStore, prefix: str, after: str, class_ids: tuple[str, ...] = ()) -> list[Any]:
    """A page of learners as `MasteryService.list_learners` asks the store for it (no `active_since`),
    without its models: the route's read, for this benchmark and bench_class_list.py."""
    bounds = id_range(prefix, after)
    return store.list_learners(*bounds, PAGE, class_ids) if bounds is not None else []


def clean(graph: Graph) -> None:
    while graph.write("bench/delete_learners_by_prefix", prefix=PREFIX, limit=5_000)[0]["deleted"]:
        pass


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    store = MasteryStore(graph)
    middle = f"{PREFIX}{args.learners // 2:06d}"
    now = datetime.now(UTC)

    def active(since: datetime) -> list[Any]:
        # As the service asks the store with `active_since` and no prefix, its first page.
        return store.list_active_learners("", None, PAGE, since, ACTIVE_SCAN_PER_PAGE)[0]

    def page(prefix: str, after: str) -> list[Any]:
        return store_page(store, prefix, after)

    cases: dict[str, Callable[[], list[Any]]] = {
        "plain first page": lambda: graph.read_plain("bench/list_learner_ids_plain", after="", limit=PAGE),
        "plain deep page": lambda: graph.read_plain("bench/list_learner_ids_plain", after=middle, limit=PAGE),
        "counts first page": lambda: graph.read_plain(
            "bench/list_learners_counts_only", start="", limit=PAGE
        ),
        "counts deep page": lambda: graph.read_plain(
            "bench/list_learners_counts_only", start=middle + "\0", limit=PAGE
        ),
        "list first page": lambda: page("", ""),
        "list deep page": lambda: page("", middle),
        "prefix of 100 ids": lambda: page(f"{PREFIX}0500", ""),
        "prefix deep page": lambda: page(PREFIX, middle),
        "prefix matching none": lambda: page("zz-no-such-learner", ""),
        f"active 1 in {args.active_every}": lambda: active(now - timedelta(hours=1)),
        "active, none": lambda: active(now + timedelta(days=1)),
        "active, all": lambda: active(now - timedelta(days=60)),
    }
    results: dict[str, tuple[list[float], int]] = {}
    clean(graph)
    try:
        start = time.perf_counter()
        seed(graph, args.learners, args.answers, active_every=args.active_every)
        seeded_s = time.perf_counter() - start
        for name, read in cases.items():
            results[name] = timed(read, args.warmup, args.reads)
    finally:
        clean(graph)
        graph.close()

    base = statistics.median(results["plain first page"][0])
    print(
        f"learner list, pages of {PAGE}: {args.learners} learners with {args.answers} answers each (seeded "
        f"in {seeded_s:.0f} s), {args.reads} timed reads per case after {args.warmup} warm-up, "
        f"Neo4j {settings.neo4j.uri}"
    )
    counts = {depth: statistics.median(results[f"counts {depth} page"][0]) for depth in ("first", "deep")}
    print(f"{'case':<22} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50 x plain first':>18} {'x counts':>9}")
    for name, (samples, rows) in results.items():
        p50 = statistics.median(samples)
        # The listing against the counts-only page at its own depth: what the last answer times cost.
        vs = f"{p50 / counts['deep' if 'deep' in name else 'first']:>9.2f}" if name.startswith("list") else ""
        if name.startswith("active"):  # against the list's first page, which it is with a filter
            vs = f"{p50 / statistics.median(results['list first page'][0]):>9.2f} x list"
        print(f"{name:<22} {rows:>5} {p50:>8.2f} {percentile(samples, 0.99):>8.2f} {p50 / base:>18.2f} {vs}")


if __name__ == "__main__":
    main()
