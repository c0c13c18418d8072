"""Requests that miss a per-process cache together (every learner's first request after a curriculum edit):
one read for all of them against one read each, same run, for both caches an edit empties: the planner's
arrays (`ConceptGraphs`: the curriculum's read and the arrays' build, for `next-tasks`) and the report's
structure (`ReportStructures.curricula`: the curriculum's read, for a learner's report).

One generated curriculum of --concepts concepts is imported (untimed); then, --repeats times, alternating,
for each cache, each case on a cold one (new stamps, as after an edit):
  1. baseline: one request's miss alone;
  2. shared:   --callers threads missing at once on one cache (the API's thread pool): one run, the others
     wait for it (`single_flight`);
  3. each:     the same threads, each with a cache of its own: each reads, as every request did before
     7 December 2026.
Prints median seconds until the last caller has its answer, the reads made and each case's ratio to the
baseline's time (lower is better).

It writes only its own curriculum (id `bench-graph-misses`) and deletes it at the end; point it at your own
Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_graph_misses.py --concepts 3000 --callers 8 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.mastery.report_structure import ReportStructures
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_curriculum import add_generated_curriculum_args, clean, import_generated  # noqa: E402
from timing import seconds  # noqa: E402

CURRICULUM = "bench-graph-misses"


class CountingStore(PlanStore):
    """The plan store, counting its curriculum builds, and the report's structure reads."""

    builds = 0

    def concept_graph(self, curriculum_id: str):  # type: ignore[no-untyped-def]
        CountingStore.builds += 1
        return super().concept_graph(curriculum_id)

    def report_curricula(self, curriculum_ids: list[str]):  # type: ignore[no-untyped-def]
        CountingStore.builds += 1
        return self.mastery.report_curricula(curriculum_ids)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_generated_curriculum_args(parser)
    parser.add_argument("--callers", type=int, default=8, help="requests missing at once")
    return parser.parse_args()


def ask_at_once(asks: list[Callable[[], object]]) -> None:
    """Each ask from its own thread, all released together."""
    start = threading.Barrier(len(asks))
    threads = [threading.Thread(target=lambda ask=ask: (start.wait(), ask())) for ask in asks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def run_cases(title: str, cases: dict[str, Callable[[InputStamps], None]], args: argparse.Namespace) -> None:
    times: dict[str, list[float]] = {name: [] for name in cases}
    reads: dict[str, int] = {}
    for round_ in range(args.repeats + 1):  # the first round warms the query plans and the page cache
        for name, case in cases.items():
            stamps = InputStamps(None, datetime.now(UTC), None)  # new: as after an edit
            before = CountingStore.builds
            took = seconds(lambda case=case, stamps=stamps: case(stamps))  # type: ignore[misc]
            reads[name] = CountingStore.builds - before
            if round_:
                times[name].append(took)
            print(f"{title}, round {round_}: {name} {took:.2f} s ({reads[name]} reads)", file=sys.stderr)
    base = statistics.median(times["baseline"])
    print(f"{title}: {args.concepts} concepts, {args.callers} callers, median of {args.repeats} rounds")
    print(f"{'case':<10} {'seconds':>8} {'reads':>6} {'ratio':>6}")
    for name, samples in times.items():
        median = statistics.median(samples)
        print(f"{name:<10} {median:>8.2f} {reads[name]:>6} {median / base:>6.2f}")


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    migrate(graph)
    store = CountingStore(graph)
    try:
        clean(graph, CURRICULUM)
        import_generated(graph, CURRICULUM, args.concepts, args.seed, args.tasks_per_concept)

        def ask_graph(cache: ConceptGraphs, stamps: InputStamps) -> Callable[[], object]:
            return lambda: cache.get(CURRICULUM, stamps)

        def ask_structure(cache: ReportStructures, stamps: InputStamps) -> Callable[[], object]:
            return lambda: cache.curricula(stamps, [CURRICULUM], store.report_curricula)

        caches: dict[str, tuple[Callable[[], Any], Callable[[Any, InputStamps], Callable[[], object]]]] = {
            "planner's arrays": (lambda: ConceptGraphs(store), ask_graph),
            "report's structure": (ReportStructures, ask_structure),
        }
        for title, (new_cache, ask) in caches.items():
            cases: dict[str, Callable[[InputStamps], None]] = {
                "baseline": lambda stamps, new_cache=new_cache, ask=ask: ask(new_cache(), stamps)(),
                "shared": lambda stamps, new_cache=new_cache, ask=ask: ask_at_once(
                    [ask(new_cache(), stamps)] * args.callers
                ),
                "each": lambda stamps, new_cache=new_cache, ask=ask: ask_at_once(
                    [ask(new_cache(), stamps) for _ in range(args.callers)]
                ),
            }
            run_cases(title, cases, args)
    finally:
        clean(graph, CURRICULUM)
        graph.close()


if __name__ == "__main__":
    main()
