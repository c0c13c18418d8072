"""An import's summary and report lines count as every count the CLI prints: thousands separators, and the
singular for one ("would import 9000 row(s)", "1 concepts", "1 more error(s)" before 5 December 2026)."""

from __future__ import annotations

import json

from kgplatform.curriculum.import_report import Entity, ImportReport, Outcome
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json


def test_the_report_lines_count_with_separators_and_the_singular_for_one() -> None:
    report = ImportReport(
        curriculum_id="big",
        dry_run=True,
        skip_invalid=True,
        rows={Entity.CONCEPT: 2000, Entity.PREREQUISITE: 1, Entity.TASK: 6000},
        skipped_rows={Entity.PREREQUISITE: 1, Entity.TASK: 1500},
        outcome={Entity.CONCEPT: Outcome(created=2000), Entity.TASK: Outcome(created=4499, unchanged=1)},
        changes_total=1251,
    )
    lines = report.lines()
    assert lines[1:5] == [
        "rows read: 2,000 concepts, 1 prerequisite, 6,000 tasks",
        "rows skipped: 1 prerequisite, 1,500 tasks",
        "concepts: 2,000 created, 0 updated, 0 unchanged",
        "tasks: 4,499 created, 0 updated, 1 unchanged",
    ]
    assert "... and 1,251 more changed values" in lines


def test_a_refusal_counts_its_errors_and_its_more_errors_alike() -> None:
    ids = [f"c{i:04d}" for i in range(1051)]
    document = {
        "curriculum": {"id": "ring", "name": "Ring"},
        "concepts": [{"id": c, "name": c} for c in ids],
        "prerequisites": [
            {"prerequisite": a, "concept": b} for a, b in zip(ids, ids[1:] + ids[:1], strict=True)
        ],
    }
    report = validate_import(
        parse_json(json.dumps(document)), "ring", ExistingGraph(), dry_run=True, skip_invalid=False
    ).report
    assert report.summary.startswith("would import nothing: 1,051 errors; a cycle c0000 -> "), report.summary
    assert report.lines()[-1] == "... and 1,001 more errors"
    one_more = ImportReport(curriculum_id="x", dry_run=False, skip_invalid=False, errors=report.errors[:51])
    assert one_more.lines()[-1] == "... and 1 more error"


def test_a_json_rows_member_of_the_wrong_type_is_reported_saying_what_to_send() -> None:
    """As the API's 422s say it (`json_type_message`): the report read "Input should be a valid number" for
    a difficulty "0.5" (a review, 6 December 2026)."""
    document = {
        "curriculum": {"id": "m", "name": "M"},
        "concepts": [{"id": "a", "name": "A", "difficulty": "0.5"}, {"id": "b", "name": "B"}],
        "prerequisites": [{"prerequisite": "a", "concept": "b", "weight": True}],
        "tasks": [{"id": "t", "title": "T", "kind": "exercise", "concepts": ["b"], "estimated_minutes": 3.0}],
    }
    plan = validate_import(
        parse_json(json.dumps(document)), "m", ExistingGraph(), dry_run=True, skip_invalid=False
    )
    said = {(e.entity, e.field): e.message for e in plan.report.errors}
    assert said[(Entity.CONCEPT, "difficulty")] == 'a JSON number is needed, not the text "0.5" (send 0.5)'
    assert said[(Entity.PREREQUISITE, "weight")] == "a JSON number is needed, not the boolean true"
    assert said[(Entity.TASK, "estimated_minutes")] == "a JSON integer is needed, not the number 3.0 (send 3)"
