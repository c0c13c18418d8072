"""Curriculum import rate (rows/s) against a plain `UNWIND $rows CREATE` of the same rows, same run.

For each curriculum (a generated one of --concepts concepts, and the Junyi graph when ../shared/data
has it), --repeats times, alternating, on an empty curriculum each time:
  1. baseline: the same rows written by plain `UNWIND ... CREATE` statements (curriculum, concepts with
     CONTAINS, prerequisite edges, tasks with EXERCISES), the same batches, one transaction;
  2. import:   `import_service.run_import` from the JSON text, exactly as `kgplatform import-curriculum`
     runs it: parse, read what the graph holds, validate every row and the cycles, batched MERGE
     with value comparison, audit entry, one transaction;
  3. re-import: the same import again (every row unchanged: the idempotence path).
Prints median seconds, rows/s and each path's ratio to the baseline's rate (aim: import >= 0.5),
then the Junyi import's wall time (skip_invalid, from reading its CSV files to commit).

It writes only its own curricula (ids `bench-import` and `bench-junyi`) and deletes them at the end;
point it at your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_curriculum_import.py --concepts 3000 --repeats 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_report import ImportReport
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.importers.junyi import read_junyi
from kgplatform.curriculum.io import RawDocument, parse_json
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generated_curriculum import add_generated_curriculum_args, clean  # noqa: E402
from timing import seconds  # noqa: E402

ACTOR = "bench"
BATCH = 5000


@dataclass
class Case:
    name: str
    curriculum_id: str
    json_text: str  # what the import path starts from
    document: CurriculumDocument  # the valid rows, for the baseline
    skip_invalid: bool = False


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_generated_curriculum_args(parser)
    parser.add_argument("--no-junyi", action="store_true", help="skip the Junyi graph even when present")
    return parser.parse_args()


def plain_create(graph: Graph, data: dict[str, Any]) -> None:
    """The baseline: the same rows (`CurriculumDocument.model_dump(mode="json")`, made before the clock
    starts), plain CREATE, the same batches, one transaction."""
    cid = data["curriculum"]["id"]
    statements: list[tuple[str, dict[str, object]]] = [
        ("bench/import_plain_create_curriculum", data["curriculum"])
    ]
    for name, key in (
        ("bench/import_plain_create_concepts", "concepts"),
        ("bench/import_plain_create_prerequisites", "prerequisites"),
        ("bench/import_plain_create_tasks", "tasks"),
    ):
        rows = data[key]
        statements += [
            (name, {"curriculum_id": cid, "rows": rows[i : i + BATCH]}) for i in range(0, len(rows), BATCH)
        ]
    graph.write_many(statements)


def import_once(graph: Graph, case: Case) -> ImportReport:
    report = run_import(
        graph, parse_json(case.json_text), case.curriculum_id, actor=ACTOR, skip_invalid=case.skip_invalid
    )
    if not report.imported:
        raise SystemExit(f"{case.name}: import refused: {report.summary}")
    return report


def measure(graph: Graph, case: Case, repeats: int) -> dict[str, list[float]]:
    """Seconds per round for each path; one untimed round first warms the query plans."""
    times: dict[str, list[float]] = {"baseline": [], "import": [], "re-import": []}
    rows = case.document.model_dump(mode="json")
    for round_ in range(repeats + 1):
        clean(graph, case.curriculum_id)
        baseline = seconds(lambda: plain_create(graph, rows))
        clean(graph, case.curriculum_id)
        first = seconds(lambda: import_once(graph, case))
        again = seconds(lambda: import_once(graph, case))
        if round_ > 0:
            times["baseline"].append(baseline)
            times["import"].append(first)
            times["re-import"].append(again)
    clean(graph, case.curriculum_id)
    return times


def generated_case(args: argparse.Namespace) -> Case:
    document = generate_curriculum(
        args.concepts, args.seed, args.tasks_per_concept, curriculum_id="bench-import"
    )
    return Case(f"generated ({args.concepts} concepts)", "bench-import", document.to_json(), document)


def junyi_case() -> Case | None:
    root = get_settings().paths.shared_data_dir
    if not (root / "junyi_exercise_graph").is_dir():
        return None
    raw, _ = read_junyi(root, prefix="bench-junyi:")
    raw.curriculum = {**(raw.curriculum or {}), "id": "bench-junyi"}
    plan = validate_import(raw, "bench-junyi", ExistingGraph(), dry_run=True, skip_invalid=True)
    assert plan.document is not None
    return Case("Junyi (skip_invalid)", "bench-junyi", _raw_to_json(raw), plan.document, skip_invalid=True)


def _raw_to_json(raw: RawDocument) -> str:
    return json.dumps(
        {
            "curriculum": raw.curriculum,
            "concepts": raw.concepts,
            "prerequisites": raw.prerequisites,
            "tasks": raw.tasks,
        }
    )


def junyi_wall_time(graph: Graph) -> tuple[float, ImportReport]:
    """Reading the CSV files to commit, into an empty curriculum (`import-dataset junyi --skip-invalid`)."""
    clean(graph, "bench-junyi")
    start = time.perf_counter()
    raw, _ = read_junyi(get_settings().paths.shared_data_dir, prefix="bench-junyi:")
    raw.curriculum = {**(raw.curriculum or {}), "id": "bench-junyi"}
    report = run_import(graph, raw, "bench-junyi", actor=ACTOR, skip_invalid=True)
    elapsed = time.perf_counter() - start
    clean(graph, "bench-junyi")
    return elapsed, report


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    migrate(graph)
    cases = [generated_case(args)]
    junyi = None if args.no_junyi else junyi_case()
    if junyi is not None:
        cases.append(junyi)
    try:
        print(
            f"{'curriculum':<28} {'path':<10} {'rows':>7} {'median s':>9} {'rows/s':>9} {'vs baseline':>12}"
        )
        for case in cases:
            rows = case.document.row_count
            times = measure(graph, case, args.repeats)
            base_rate = rows / statistics.median(times["baseline"])
            for path, samples in times.items():
                seconds = statistics.median(samples)
                rate = rows / seconds
                ratio = rate / base_rate
                print(f"{case.name:<28} {path:<10} {rows:>7} {seconds:>9.3f} {rate:>9.0f} {ratio:>11.2f}x")
        if junyi is not None:
            elapsed, report = junyi_wall_time(graph)
            print(
                f"\nJunyi import (the import-dataset junyi --skip-invalid path): {elapsed:.2f} s wall, "
                f"{report.summary}; self-loops {len(report.self_loops)}, cycles {report.cycles}"
            )
    finally:
        for case in cases:
            clean(graph, case.curriculum_id)
        graph.close()


if __name__ == "__main__":
    main()
