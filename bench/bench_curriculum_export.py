"""Curriculum export time (rows/s) against reading the same rows plainly, same run.

One generated curriculum of --concepts concepts is imported (untimed), then, --repeats times, alternating:
  1. baseline: the export's three statements (concepts, edges, tasks) read with `Graph.read_plain`, rows
     zipped from keys and values, nothing else: what the export cannot do without;
  2. json:     `import_service.export_with_record` and the document's JSON text, as
     `GET /curricula/{id}/export?format=json` and `kgplatform export-curriculum --out x.json` make it;
  3. zip:      the same document as the zip of CSV files (`format=csv`, `--out x.zip`).
Prints median seconds, rows/s and each path's ratio to the baseline's time (lower is better).

It writes only its own curriculum (id `bench-export`) and deletes it at the end; point it at your own
Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_curriculum_export.py --concepts 16000 --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Callable
from pathlib import Path

from kgplatform.curriculum.import_service import export_with_record
from kgplatform.curriculum.io import document_to_zip
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_curriculum import add_generated_curriculum_args, clean, import_generated  # noqa: E402
from timing import seconds  # noqa: E402

CURRICULUM = "bench-export"
READS = (
    "curriculum/read_curriculum_concepts",
    "curriculum/read_curriculum_prerequisites",
    "curriculum/read_curriculum_tasks",
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_generated_curriculum_args(parser)
    return parser.parse_args()


def plain_read(graph: Graph) -> int:
    return sum(len(graph.read_plain(name, curriculum_id=CURRICULUM)) for name in READS)


def export_json(graph: Graph) -> int:
    document, based_on = export_with_record(graph, CURRICULUM)
    return len(document.to_json(based_on=based_on))


def export_zip(graph: Graph) -> int:
    document, based_on = export_with_record(graph, CURRICULUM)
    return len(document_to_zip(document, based_on))


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    migrate(graph)
    try:
        clean(graph, CURRICULUM)
        document, _ = import_generated(graph, CURRICULUM, args.concepts, args.seed, args.tasks_per_concept)
        rows = document.row_count
        paths: dict[str, Callable[[Graph], int]] = {
            "baseline": plain_read,
            "json": export_json,
            "zip": export_zip,
        }
        times: dict[str, list[float]] = {name: [] for name in paths}
        for round_ in range(args.repeats + 1):  # the first round warms the query plans and the page cache
            for name, path in paths.items():
                took = seconds(lambda path=path: path(graph))  # type: ignore[misc]
                if round_ > 0:
                    times[name].append(took)
        base = statistics.median(times["baseline"])
        print(f"{rows} rows ({args.concepts} concepts), median of {args.repeats}")
        print(f"{'path':<10} {'median s':>9} {'rows/s':>9} {'x baseline':>11}")
        for name, samples in times.items():
            median = statistics.median(samples)
            print(f"{name:<10} {median:>9.3f} {rows / median:>9.0f} {median / base:>10.2f}x")
    finally:
        clean(graph, CURRICULUM)
        graph.close()


if __name__ == "__main__":
    main()
