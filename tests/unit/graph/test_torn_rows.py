"""Which rows may be of a node deleted while a statement read it, and which are left out (`torn_rows`)."""

from __future__ import annotations

from kgplatform.graph import torn_rows

REQUIRED = {"id", "title", "version"}
WHOLE = {"id": "t", "title": "T", "version": 1, "difficulty": None}


def test_a_whole_row_is_not_asked_about_even_with_a_null_in_a_field_not_required() -> None:
    assert torn_rows.suspect_ids([WHOLE], REQUIRED) == []


def test_a_row_with_a_required_field_null_or_absent_is_asked_about() -> None:
    absent = {k: v for k, v in WHOLE.items() if k != "version"}
    assert torn_rows.suspect_ids([{**WHOLE, "title": None}, absent], REQUIRED) == ["t", "t"]


def test_rows_with_no_id_are_dropped_without_asking_and_those_found_gone_are_dropped() -> None:
    rows = [{**WHOLE, "id": None, "title": None}, {**WHOLE, "id": "u", "title": None}, WHOLE]
    assert torn_rows.suspect_ids(rows, REQUIRED) == ["u"]
    assert torn_rows.keep_whole(rows, ["u"]) == [WHOLE]
    assert torn_rows.keep_whole(rows, []) == rows[1:]
