"""A reference that differs from a concept's id only in its Unicode form is named as such, not as an
unknown concept that the file visibly holds."""

import unicodedata

from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_csv_tables

CAFE = unicodedata.normalize("NFC", "café")
CAFE_NFD = unicodedata.normalize("NFD", CAFE)


def test_nfd_references_to_an_nfc_concept_in_the_file_say_so_on_both_rows() -> None:
    raw = parse_csv_tables(
        {
            Entity.CONCEPT: f"id,name\nbase,Base\n{CAFE},Café\n",
            Entity.PREREQUISITE: f"prerequisite,concept\nbase,{CAFE_NFD}\n",
            Entity.TASK: f"id,title,kind,concepts\nt,Taste,exercise,{CAFE_NFD}\n",
        }
    )
    report = validate_import(raw, "c", ExistingGraph(), dry_run=True, skip_invalid=False).report
    assert [(e.entity, e.row, e.line) for e in report.errors] == [
        (Entity.PREREQUISITE, 1, 2),
        (Entity.TASK, 1, 2),
    ]
    for error in report.errors:
        assert "another Unicode form" in error.message and "NFC" in error.message
        assert f"concept {CAFE!r} (row 2)" in error.message and "unknown concept" not in error.message


def test_an_nfd_reference_to_a_stored_nfc_concept_says_so() -> None:
    raw = parse_csv_tables({Entity.PREREQUISITE: f"prerequisite,concept\nbase,{CAFE_NFD}\n"})
    existing = ExistingGraph(concepts={"base", CAFE}, concept_owners={"base": "c", CAFE: "c"})
    report = validate_import(raw, "c", existing, dry_run=True, skip_invalid=False).report
    assert len(report.errors) == 1 and "of curriculum 'c'; write it in NFC" in report.errors[0].message
