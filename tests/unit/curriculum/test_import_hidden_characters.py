"""An import row's name, title, description or tags holding control or invisible formatting characters
(a right-to-left override that shows "\u202etxt.exe" as "exe.txt", a NUL) is a row error naming the
row and the field, as the API's 422 names it (a review, s36): also a row updating a stored entity, since
its text is written anew. A curriculum's stored name that a CSV import only keeps is not refused."""

from __future__ import annotations

import json

from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_csv_tables, parse_json

RLO = "\u202e"


def document(**curriculum: str) -> str:
    return json.dumps(
        {
            "curriculum": {"id": "maths", "name": "Maths", **curriculum},
            "concepts": [
                {"id": "a", "name": f"A{RLO}", "description": "line\nbreak\ttab"},
                {"id": "b", "name": "B", "tags": ["ok", "z\u200b"], "description": "nul\x00"},
            ],
            "tasks": [{"id": "t", "title": f"T{RLO}", "kind": "exercise", "concepts": ["a"]}],
        }
    )


def errors(text: str, existing: ExistingGraph) -> list[tuple[str, int | None, str | None, str | None]]:
    plan = validate_import(parse_json(text), "maths", existing, dry_run=True, skip_invalid=False)
    assert plan.document is None
    return sorted((e.entity.value, e.row, e.id, e.field) for e in plan.report.errors)


def test_new_rows_with_hidden_characters_are_refused_naming_row_and_field() -> None:
    assert errors(document(), ExistingGraph()) == [
        ("concept", 1, "a", "name"),
        ("concept", 2, "b", "description"),
        ("concept", 2, "b", "tags.1"),
        ("task", 1, "t", "title"),
    ]


def test_rows_updating_stored_entities_are_held_to_the_rule_too() -> None:
    stored = ExistingGraph(
        concepts={"a", "b"},
        concept_owners={"a": "maths", "b": "maths"},
        task_owners={"t": "maths"},
        curriculum_name="Maths",
    )
    assert errors(document(), stored) == errors(document(), ExistingGraph())
    assert ("curriculum", None, "maths", "name") in errors(document(name=f"M{RLO}"), stored)


def test_a_curriculums_stored_name_kept_by_a_csv_import_is_not_refused() -> None:
    stored = ExistingGraph(curriculum_name=f"Maths{RLO}", curriculum_description="old\x00")
    raw = parse_csv_tables({Entity.CONCEPT: "id,name\nc,C\n"}, curriculum={"id": "maths"})
    plan = validate_import(raw, "maths", stored, dry_run=True, skip_invalid=False)
    assert plan.report.errors == [] and plan.document is not None
    assert plan.document.curriculum.name == f"Maths{RLO}"
