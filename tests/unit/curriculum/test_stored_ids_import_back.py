"""An export imports back into its own curriculum even when it holds ids stored before today's id rules:
the rules are for new ids (README), so a row updating an entity this curriculum holds is not held to them."""

from __future__ import annotations

import json
import unicodedata

from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json

# An id ending in a route action, and one in NFD: both refused as new ids since rules added later.
ENDS_IN_ACTION = "a/audit"
NFD = unicodedata.normalize("NFD", "café")


def exported(curriculum_id: str = "maths") -> str:
    return json.dumps(
        {
            "curriculum": {"id": curriculum_id, "name": "Maths"},
            "concepts": [
                {"id": ENDS_IN_ACTION, "name": "A"},
                {"id": NFD, "name": "Cafe"},
                {"id": "b", "name": "B"},
            ],
            "prerequisites": [{"prerequisite": ENDS_IN_ACTION, "concept": "b"}],
            "tasks": [{"id": "t", "title": "T", "kind": "exercise", "concepts": [ENDS_IN_ACTION, NFD]}],
        }
    )


def test_a_file_updating_this_curriculums_stored_ids_is_accepted() -> None:
    stored = ExistingGraph(
        concepts={ENDS_IN_ACTION, NFD, "b"},
        concept_owners={ENDS_IN_ACTION: "maths", NFD: "maths", "b": "maths"},
        task_owners={"t": "maths"},
        curriculum_name="Maths",
    )
    plan = validate_import(parse_json(exported()), "maths", stored, dry_run=True, skip_invalid=False)
    assert plan.report.errors == [] and plan.document is not None
    assert [c.id for c in plan.document.concepts] == [ENDS_IN_ACTION, NFD, "b"]


def test_the_same_ids_are_still_refused_as_new_ones_or_in_another_curriculum() -> None:
    new = validate_import(parse_json(exported()), "maths", ExistingGraph(), dry_run=True, skip_invalid=False)
    fields = sorted((e.id, e.field) for e in new.report.errors if e.entity.value == "concept")
    assert fields == [(ENDS_IN_ACTION, "id"), (NFD, "id")], new.report.errors
    elsewhere = ExistingGraph(concept_owners={ENDS_IN_ACTION: "physics", NFD: "physics"})
    taken = validate_import(parse_json(exported()), "maths", elsewhere, dry_run=True, skip_invalid=False)
    assert any(e.id == ENDS_IN_ACTION and e.field == "id" for e in taken.report.errors)


def test_an_existing_curriculum_whose_own_id_predates_a_rule_can_be_imported_into() -> None:
    stored = ExistingGraph(curriculum_name="Old")
    plan = validate_import(
        parse_json(exported("old/export")), "old/export", stored, dry_run=True, skip_invalid=True
    )
    assert not [e for e in plan.report.errors if e.entity.value == "curriculum"], plan.report.errors
    fresh = validate_import(
        parse_json(exported("old/export")), "old/export", ExistingGraph(), dry_run=True, skip_invalid=True
    )
    assert [e.field for e in fresh.report.errors if e.entity.value == "curriculum"] == ["id"]
