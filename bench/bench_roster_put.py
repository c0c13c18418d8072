"""A roster PUT that changes a class, with the audit entry it now writes (`classes/create_roster_change`),
against the same PUT without the entry, measured in one run.

On one Neo4j, --class-size learners (ids `bench-roster-learner-000000`...) in a class, whose roster is sent
--puts times per case (after --warmup untimed), alternating between two rosters that differ by --moves
learners each way (each PUT adds --moves members and removes as many):
  without the entry   classes/lock_class_learners then classes/replace_class_learners in one transaction:
                      the roster PUT as before the trail and the class lock (the baseline; its query
                      returns the ids too)
  with the entry      `classes.service.replace_roster`, the route's call: the same, then the entry
  unchanged roster    the same roster again through `replace_roster`: no change, no entry
Each case has its own class; the cases take turns, one PUT each, so drift in the machine's load falls on
all of them. Prints p50/p99 in milliseconds and each case's p50 ratio to the baseline.

It creates its own learners and classes and deletes only them (and the classes' entries) at the end; point
it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_roster_put.py --class-size 30 --moves 3 --puts 200
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.classes import service as classes
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.graph.queries import query_text
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed_in_turns  # noqa: E402

PREFIX = "bench-roster-learner-"
CLASS_PREFIX = "bench-roster-class-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--class-size", type=int, default=30)
    parser.add_argument("--moves", type=int, default=3, help="learners added and removed by each PUT")
    parser.add_argument("--puts", type=int, default=200, help="timed PUTs per case")
    parser.add_argument("--warmup", type=int, default=20, help="untimed PUTs per case first")
    return parser.parse_args()


def clean(graph: Graph) -> None:
    graph.write("bench/delete_classes_by_prefix", prefix=CLASS_PREFIX)
    while graph.write("bench/delete_learners_by_prefix", prefix=PREFIX, limit=5_000)[0]["deleted"]:
        pass


def without_entry(graph: Graph, class_id: str, learner_ids: list[str]) -> dict[str, Any]:
    """The store's roster PUT less its audit entry (kgplatform/classes/store.py, replace_roster), and less
    its class lock (classes/lock_class, 4 December 2026), which the cases through `replace_roster` pay."""
    now = datetime.now(UTC)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        tx.run(query_text("classes/lock_class_learners"), learner_ids=learner_ids, now=now).consume()
        replace = query_text("classes/replace_class_learners")
        return tx.run(replace, class_id=class_id, learner_ids=learner_ids, now=now).single(strict=True).data()

    return graph.execute_write(work)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    size, moves = args.class_size, args.moves
    ids = [f"{PREFIX}{i:06d}" for i in range(size + moves)]
    # Two rosters of `size` sharing all but `moves` learners each way, sorted as the service sends them.
    rosters = [sorted(ids[:size]), sorted(ids[: size - moves] + ids[size:])]
    cases: dict[str, Callable[[int], Any]] = {
        "without the entry": lambda i: without_entry(graph, f"{CLASS_PREFIX}base", rosters[i % 2]),
        "with the entry": lambda i: classes.replace_roster(
            graph, f"{CLASS_PREFIX}audit", rosters[i % 2], actor="bench"
        ),
        "unchanged roster": lambda i: classes.replace_roster(
            graph, f"{CLASS_PREFIX}same", rosters[0], actor="bench"
        ),
    }
    clean(graph)
    try:
        graph.write("bench/create_bench_learners", ids=ids, now=datetime.now(UTC))
        samples = timed_in_turns(cases, args.warmup, args.puts)
        entries = classes.roster_audit(graph, f"{CLASS_PREFIX}audit", 0, 1).total
    finally:
        clean(graph)
        graph.close()

    base = statistics.median(samples["without the entry"])
    print(
        f"roster PUT: a class of {size}, {moves} learners added and {moves} removed by each, "
        f"{args.puts} timed PUTs per case after {args.warmup} warm-up ({entries} entries written), "
        f"Neo4j {settings.neo4j.uri}"
    )
    print(f"{'case':<20} {'p50 ms':>8} {'p99 ms':>8} {'p50 x without':>14}")
    for name, times in samples.items():
        p50 = statistics.median(times)
        print(f"{name:<20} {p50:>8.2f} {percentile(times, 0.99):>8.2f} {p50 / base:>14.2f}")


if __name__ == "__main__":
    main()
