"""A class's roster read as `GET /classes/{class_id}/learners` answers it since 5 December 2026 (the roster,
then each member's answer count and last answer time: `members`), against the roster alone (the answer
before), measured in one run.

Reads the classes named by --class on the Neo4j the settings name, changing nothing: point it at a graph
that holds them (`kgplatform classes set-roster` makes one from a file of learner ids; the demo's learners
have 40 answers each). The two cases take turns, one read each, so drift in the machine's load falls on both.
Prints p50/p99 in milliseconds per class and the p50 ratio to the roster alone. Example:
    python bench/bench_roster_read.py --class 7B --class Y7 --reads 30
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kgplatform.classes import service as classes
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed_in_turns  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--class", dest="classes", action="append", required=True, help="a class id (repeatable)"
    )
    parser.add_argument("--reads", type=int, default=30, help="timed reads per case and class")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reads per case first")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    mastery = MasteryService(MasteryStore(graph))

    def roster_alone(class_id: str) -> None:
        classes.roster(graph, class_id)

    def with_members(class_id: str) -> None:
        # The route's two calls (api/routes/classes.py, get_roster).
        roster = classes.roster(graph, class_id)
        if roster.learner_ids:
            mastery.list_learners("", "", len(roster.learner_ids), (class_id,))

    cases = {"roster alone": roster_alone, "with members": with_members}
    print(f"{'class':<12} {'members':>8} {'case':<14} {'p50 ms':>8} {'p99 ms':>8} {'p50 x alone':>12}")
    try:
        for class_id in args.classes:
            size = len(classes.roster(graph, class_id).learner_ids)
            turns = {
                name: lambda _, read=read, class_id=class_id: read(class_id) for name, read in cases.items()
            }
            samples = timed_in_turns(turns, args.warmup, args.reads)
            base = percentile(samples["roster alone"], 0.5)
            for name, times in samples.items():
                p50 = percentile(times, 0.5)
                print(
                    f"{class_id:<12} {size:>8,} {name:<14} {p50:>8.2f} {percentile(times, 0.99):>8.2f} "
                    f"{p50 / base:>12.2f}"
                )
    finally:
        graph.close()


if __name__ == "__main__":
    main()
