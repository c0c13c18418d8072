"""A key given twice in a JSON document: json.loads keeps only the last value, so the import refuses it."""

from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json


def test_a_repeated_section_is_a_file_error_and_its_rows_are_not_silently_lost() -> None:
    raw = parse_json(
        b'{"curriculum":{"id":"c","name":"C"},"concepts":[{"id":"a","name":"A"},{"id":"b","name":"B"}],'
        b'"prerequisites":[],"concepts":[{"id":"x","name":"X"}]}'
    )
    assert [(e.entity, e.field) for e in raw.file_errors] == [(Entity.FILE, "concepts")]
    assert "repeated section 'concepts'" in raw.file_errors[0].message


def test_a_key_repeated_inside_a_row_is_that_rows_error_on_the_field() -> None:
    raw = parse_json(
        b'{"curriculum":{"id":"c","name":"C"},'
        b'"concepts":[{"id":"a","name":"A"},{"id":"x","name":"X","name":"Y"}]}'
    )
    assert raw.file_errors == []
    plan = validate_import(raw, "c", ExistingGraph(), dry_run=True, skip_invalid=True)
    assert [(e.entity, e.row, e.id, e.field) for e in plan.report.errors] == [
        (Entity.CONCEPT, 2, "x", "name")
    ]
    assert "more than once" in plan.report.errors[0].message
    assert plan.document is not None and [c.id for c in plan.document.concepts] == ["a"]


def test_a_key_repeated_in_the_curriculum_is_a_file_error() -> None:
    raw = parse_json(b'{"curriculum":{"id":"c","name":"C","name":"D"},"concepts":[]}')
    assert [e.field for e in raw.file_errors] == ["curriculum.name"]
