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


def test_the_existence_query_is_asked_only_of_suspect_rows_and_only_when_there_are_some() -> None:
    asked: list[list[str]] = []

    def find_gone(ids: list[str]) -> list[str]:
        asked.append(ids)
        return ["u"]

    suspect = {**WHOLE, "id": "u", "title": None}
    assert torn_rows.without_torn([WHOLE], REQUIRED, find_gone) == [WHOLE] and asked == []
    assert torn_rows.without_torn([WHOLE, suspect], REQUIRED, find_gone) == [WHOLE] and asked == [["u"]]


def test_a_suspect_found_stored_is_asked_about_once_more_and_kept_if_still_stored() -> None:
    """A delete being applied while the first check ran: the second finds it gone. A node stored without
    the field (data written by hand) is found twice and kept."""
    answers = iter([[], ["u"]])
    suspect = {**WHOLE, "id": "u", "title": None}
    assert torn_rows.without_torn([WHOLE, suspect], REQUIRED, lambda ids: next(answers)) == [WHOLE]
    asked: list[list[str]] = []
    kept = torn_rows.without_torn([WHOLE, suspect], REQUIRED, lambda ids: asked.append(ids) or [])
    assert kept == [WHOLE, suspect] and asked == [["u"], ["u"]]
    # An empty list where the stored node always has some (a task's concepts) is suspect too.
    no_concepts = {**WHOLE, "id": "u", "concepts": []}
    assert torn_rows.suspect_ids([no_concepts], REQUIRED, ("concepts",)) == ["u"]
