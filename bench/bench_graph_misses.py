"""Requests that miss the planning arrays together (every learner's first request after a curriculum edit):
one build for all of them against one build each, same run.

One generated curriculum of --concepts concepts is imported (untimed); then, --repeats times, alternating,
each on a cold cache (new stamps, as after an edit):
  1. baseline: one request's miss, `ConceptGraphs.get` alone (the curriculum's read and its arrays' build);
  2. shared:   --callers threads asking `ConceptGraphs.get` at once on one cache (the API's thread pool):
     one build, the others wait for it;
  3. each:     the same threads, each with a cache of its own: each builds, as every request did before
     7 December 2026.
Prints median seconds until the last caller has its graph, the builds made and each case's ratio to the
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
from datetime import UTC, datetime
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import PlanStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_curriculum import add_generated_curriculum_args, clean, import_generated  # noqa: E402
from timing import seconds  # noqa: E402

CURRICULUM = "bench-graph-misses"


class CountingStore(PlanStore):
    """The plan store, counting its curriculum builds."""

    builds = 0

    def concept_graph(self, curriculum_id: str):  # type: ignore[no-untyped-def]
        CountingStore.builds += 1
        return super().concept_graph(curriculum_id)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_generated_curriculum_args(parser)
    parser.add_argument("--callers", type=int, default=8, help="requests missing at once")
    return parser.parse_args()


def ask_at_once(caches: list[ConceptGraphs], stamps: InputStamps) -> None:
    """Each cache asked for the curriculum from its own thread, all released together."""
    start = threading.Barrier(len(caches))
    threads = [
        threading.Thread(target=lambda c=cache: (start.wait(), c.get(CURRICULUM, stamps))) for cache in caches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    migrate(graph)
    store = CountingStore(graph)
    try:
        clean(graph, CURRICULUM)
        import_generated(graph, CURRICULUM, args.concepts, args.seed, args.tasks_per_concept)
        cases = {
            "baseline": lambda stamps: ConceptGraphs(store).get(CURRICULUM, stamps),
            "shared": lambda stamps: ask_at_once([ConceptGraphs(store)] * args.callers, stamps),
            "each": lambda stamps: ask_at_once([ConceptGraphs(store) for _ in range(args.callers)], stamps),
        }
        times: dict[str, list[float]] = {name: [] for name in cases}
        builds: dict[str, int] = {}
        for round_ in range(args.repeats + 1):  # the first round warms the query plans and the page cache
            for name, case in cases.items():
                stamps = InputStamps(None, datetime.now(UTC), None)  # new: as after an edit
                before = CountingStore.builds
                took = seconds(lambda case=case, stamps=stamps: case(stamps))  # type: ignore[misc]
                builds[name] = CountingStore.builds - before
                if round_:
                    times[name].append(took)
                print(f"round {round_}: {name} {took:.2f} s ({builds[name]} builds)", file=sys.stderr)
        base = statistics.median(times["baseline"])
        print(f"{args.concepts} concepts, {args.callers} callers, median of {args.repeats} rounds")
        print(f"{'case':<10} {'seconds':>8} {'builds':>7} {'ratio':>6}")
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"{name:<10} {median:>8.2f} {builds[name]:>7} {median / base:>6.2f}")
    finally:
        clean(graph, CURRICULUM)
        graph.close()


if __name__ == "__main__":
    main()
