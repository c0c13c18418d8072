"""A teacher key scoped to a class listing its learners (`GET /learners`) against the unscoped list.

In one run, on one Neo4j holding --learners learners (ids `bench-class-learner-000000`...) with --answers
answers each and a class of --class-size of them spread across the ids (plus a second class of as many,
which the scoped key does not name), reads a page of 50 --reads times per case after --warmup untimed reads,
through the store the route calls (`MasteryStore.list_learners`):
  unscoped first page     mastery/list_learners_from: the baseline, every learner's list
  scoped first page       the one class's member ids (mastery/list_class_member_ids), a page of them
                          picked in Python, their answers (mastery/get_learner_answer_times)
  scoped with prefix      the same with a prefix its members share (the id range bounds the sort)
  scoped deep page        the same after the class's middle member
Prints p50/p99 in milliseconds, each case's p50 ratio to the unscoped page, and the database hits of each
query's PROFILE: the scoped page must read the class's members, not the platform's learners.

It creates its own learners and classes and deletes only them (and their answers) at the end; point it at
your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_class_list.py --learners 100000 --class-size 30
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kgplatform.classes import service as classes
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.graph.queries import query_text
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from bench_learner_list import PAGE, store_page  # noqa: E402
from bench_learner_list import seed as seed_learners  # noqa: E402
from timing import timed  # noqa: E402

PREFIX = "bench-class-learner-"
CLASS_PREFIX = "bench-class-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=5, help="answers per learner")
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--reads", type=int, default=50, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=10, help="untimed reads per case first")
    return parser.parse_args()


def clean(graph: Graph) -> None:
    graph.write("bench/delete_classes_by_prefix", prefix=CLASS_PREFIX)
    while graph.write("bench/delete_learners_by_prefix", prefix=PREFIX, limit=5_000)[0]["deleted"]:
        pass


def db_hits(plan: Any) -> int:
    return int(plan.get("dbHits", 0)) + sum(db_hits(child) for child in plan.get("children", []))


def profiled(graph: Graph, name: str, **params: Any) -> int:
    with graph.session() as session:
        summary = session.run("PROFILE " + query_text(name), **params).consume()
    assert summary.profile is not None
    return db_hits(summary.profile)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    store = MasteryStore(graph)
    mine, other = f"{CLASS_PREFIX}7B", f"{CLASS_PREFIX}7C"

    def page(prefix: str, after: str, class_ids: tuple[str, ...] = ()) -> list[Any]:
        return store_page(store, prefix, after, class_ids)

    results: dict[str, tuple[list[float], int]] = {}
    hits: dict[str, int] = {}
    clean(graph)
    try:
        start = time.perf_counter()
        ids = seed_learners(graph, args.learners, args.answers, PREFIX)
        step = max(1, args.learners // args.class_size)
        members = ids[::step][: args.class_size]
        classes.replace_roster(graph, mine, members, actor="bench")
        classes.replace_roster(graph, other, ids[step // 2 :: step][: args.class_size], actor="bench")
        seeded_s = time.perf_counter() - start
        middle = members[len(members) // 2]
        cases: dict[str, Callable[[], list[Any]]] = {
            "unscoped first page": lambda: page("", ""),
            "scoped first page": lambda: page("", "", (mine,)),
            "scoped with prefix": lambda: page(PREFIX + "0", "", (mine,)),
            "scoped deep page": lambda: page("", middle, (mine,)),
        }
        for name, read in cases.items():
            results[name] = timed(read, args.warmup, args.reads)
        hits["unscoped first page"] = profiled(graph, "mastery/list_learners_from", start="", limit=PAGE)
        # The scoped page's two reads: the class's member ids (paged in Python), then the page's answers.
        first = page("", "", (mine,))
        hits["scoped first page"] = profiled(
            graph, "mastery/list_class_member_ids", class_ids=[mine]
        ) + profiled(graph, "mastery/get_learner_answer_times", learner_ids=[r["learner_id"] for r in first])
    finally:
        clean(graph)
        graph.close()

    base = statistics.median(results["unscoped first page"][0])
    print(
        f"learner list, pages of {PAGE}: {args.learners} learners with {args.answers} answers each, a class "
        f"of {args.class_size} (seeded in {seeded_s:.0f} s), {args.reads} timed reads per case after "
        f"{args.warmup} warm-up, Neo4j {settings.neo4j.uri}"
    )
    print(f"{'case':<22} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50 x unscoped':>15} {'db hits':>8}")
    for name, (samples, rows) in results.items():
        p50 = statistics.median(samples)
        profile = f"{hits[name]:>8}" if name in hits else ""
        p99 = percentile(samples, 0.99)
        print(f"{name:<22} {rows:>5} {p50:>8.2f} {p99:>8.2f} {p50 / base:>15.2f} {profile}")


if __name__ == "__main__":
    main()
