"""What spreadsheets write around a CSV's rows: a blank line above the header, a cleared column, a Windows
code page, header names in another letter case. Each is read, or refused naming the cause."""

import pytest

from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_csv_tables


def test_a_header_after_blank_lines_is_read_and_a_note_names_its_line() -> None:
    """It gave "missing column 'id'" and "missing column 'name'", saying nothing of line 1."""
    raw = parse_csv_tables({Entity.CONCEPT: "\n,,\nid,name\na,A\n"})
    assert raw.file_errors == [] and raw.concepts == [{"id": "a", "name": "A"}]
    assert raw.lines[Entity.CONCEPT] == [4]
    assert any("the header is on line 3" in note for note in raw.notes)


def test_a_refused_header_after_blank_lines_names_its_line() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "\nid,title\na,A\n"})
    assert [e.message for e in raw.file_errors][-1] == "missing column 'name' (the header is on line 2)"


def test_a_cleared_column_empty_in_the_header_and_every_row_is_no_column() -> None:
    """`id,name,,` refused the whole file with "unknown column ''"."""
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,,\na,A,,\nb,B\n"})
    assert raw.file_errors == []
    assert raw.concepts == [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]
    assert raw.columns[Entity.CONCEPT] == frozenset({"id", "name"})
    report = validate_import(raw, "c", ExistingGraph(), dry_run=True, skip_invalid=False).report
    assert report.errors == []


def test_a_column_without_a_name_that_holds_a_cell_is_refused_naming_the_line() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,\na,A,\nb,B,keep me\n"})
    [error] = raw.file_errors
    assert "column 3 has no name" in error.message and "line 3 holds 'keep me'" in error.message
    assert raw.concepts == []


def test_bytes_that_are_not_utf8_name_their_line_and_how_to_save_the_file() -> None:
    """It said "byte 0xe9 in position 13", an offset, with no hint."""
    raw = parse_csv_tables(
        {Entity.CONCEPT: b"\xef\xbb\xbfid,name\r\nb,Bee\r\nc,caf\xe9\r\n"}
    )  # BOM, CRLF, cp1252
    [error] = raw.file_errors
    assert error.message.startswith("not UTF-8: line 3 holds byte 0xe9") and '"CSV UTF-8"' in error.message


@pytest.mark.parametrize("header", ["ID,Name,TAGS", " Id , NAME ,Tags"])
def test_header_names_match_ignoring_letter_case_as_file_names_do(header: str) -> None:
    raw = parse_csv_tables({Entity.CONCEPT: f"{header}\na,A,x;y\n"})
    assert raw.file_errors == [] and raw.concepts == [{"id": "a", "name": "A", "tags": ["x", "y"]}]


def test_a_column_given_in_two_letter_cases_is_a_repeated_column() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,Name\na,A,B\n"})
    assert [e.message for e in raw.file_errors] == [
        "column 'name' appears 2 times in the header; give it once"
    ]


def test_an_unknown_column_keeps_its_own_spelling_in_the_error() -> None:
    raw = parse_csv_tables({Entity.CONCEPT: "id,name,Colour\na,A,red\n"})
    assert raw.file_errors[0].message.startswith("unknown column 'Colour'")


def test_a_tag_holding_a_comma_is_kept_and_a_note_names_its_line() -> None:
    """`"algebra, geometry"` silently became one tag."""
    raw = parse_csv_tables({Entity.CONCEPT: 'id,name,tags\na,A,x;y\nb,B,"algebra, geometry"\n'})
    assert raw.concepts[1]["tags"] == ["algebra, geometry"]
    assert any("1 row holds a tag with a comma (line 3)" in note for note in raw.notes)
