"""A benchmark's own curriculum, generated (`kgplatform.curriculum.generator`) and imported as
`kgplatform import-curriculum FILE.json` imports it, untimed: for the benchmarks that time something on a
curriculum (bench_compression.py, bench_curriculum_export.py, bench_plans.py, bench_report_concepts.py,
ondemand_world.py). Also the generated curriculum's command-line options and its deletion, shared with
bench_curriculum_import.py, which times the import itself and so generates and imports on its own."""

from __future__ import annotations

import argparse

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_report import ImportReport
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph


def import_generated(
    graph: Graph, curriculum_id: str, concepts: int, seed: int, tasks_per_concept: int = 3
) -> tuple[CurriculumDocument, ImportReport]:
    """Generates the curriculum `curriculum_id` of `concepts` concepts and imports it from its JSON text
    (actor `bench`); the document and the import's report. A refused import ends the benchmark, naming the
    curriculum and why: timing reads of a curriculum that is not there measures nothing."""
    document = generate_curriculum(concepts, seed, tasks_per_concept, curriculum_id=curriculum_id)
    report = run_import(graph, parse_json(document.to_json()), curriculum_id, actor="bench")
    if not report.imported:
        raise SystemExit(f"import of {curriculum_id} refused: {report.summary}")
    return document, report


def add_generated_curriculum_args(parser: argparse.ArgumentParser) -> None:
    """The generated curriculum's options and the rounds (bench_curriculum_import, bench_curriculum_export,
    bench_compression)."""
    parser.add_argument("--concepts", type=int, default=3000, help="concepts in the generated curriculum")
    parser.add_argument("--tasks-per-concept", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds per path (median reported)")


def clean(graph: Graph, curriculum_id: str) -> None:
    """Deletes the benchmark's curriculum `curriculum_id`, its concepts, tasks and audit records, in
    transactions of at most 20,000 nodes."""
    while graph.write("bench/delete_import_bench_batch", curriculum_id=curriculum_id, limit=20_000)[0][
        "deleted"
    ]:
        pass
