"""A benchmark's own curriculum, generated (`kgplatform.curriculum.generator`) and imported as
`kgplatform import-curriculum FILE.json` imports it, untimed: for the benchmarks that time something on a
curriculum (bench_compression.py, bench_curriculum_export.py, bench_plans.py, bench_report_concepts.py,
ondemand_world.py).
bench_curriculum_import.py, which times the import itself, generates and imports on its own."""

from __future__ import annotations

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
