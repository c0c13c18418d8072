"""The audit trails' cursors: what a page gives decodes to the same position, anything else is a 422 naming
`cursor`, and a page's items lose the cursor's key fields."""

from __future__ import annotations

import base64
import json

import pytest

from kgplatform.audit import cursor
from kgplatform.audit.cursor import After
from kgplatform.errors import ValidationFailed

# 2026-12-04 19:00:00.123456789 UTC, an id with characters base64 and JSON treat specially.
POSITION = After(1_796_410_800, 123_456_789, 'e/1+2="ü"')


def _raw(value: object) -> str:
    return (
        base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
        .decode()
        .rstrip("=")
    )


def test_a_cursor_decodes_to_the_position_it_was_made_of() -> None:
    text = cursor.encode(POSITION)
    assert set(text) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert cursor.decode(text) == POSITION
    assert POSITION.params() == {
        "after_s": 1_796_410_800,
        "after_ns": 123_456_789,
        "after_id": POSITION.entry_id,
    }
    # The extremes of the calendar and of a second.
    for after in (After(-62_135_596_800, 0, "a"), After(253_402_300_799, 999_999_998, "z" * 200)):
        assert cursor.decode(cursor.encode(after)) == after
    for widest in ("\U0001f600" * 200, "\x01" * 200):
        after = After(-62_135_596_800, 999_999_999, widest)
        assert len(cursor.encode(after)) <= cursor.MAX_CURSOR and cursor.decode(cursor.encode(after)) == after


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not a cursor",
        "%%%%",
        "é" * 8,
        "A" * (cursor.MAX_CURSOR + 1),
        base64.urlsafe_b64encode(b"\xff\xfe").decode(),  # not UTF-8
        _raw({"at": 1, "id": "x"}),  # JSON, not the shape
        _raw([2, 1_796_410_800, 0, "x"]),  # another version
        _raw([True, 1_796_410_800, 0, "x"]),  # a bool is no version
        _raw([1, 1_796_410_800, 0]),
        _raw([1, 1_796_410_800.0, 0, "x"]),
        _raw([1, "1796410800", 0, "x"]),
        _raw([1, 253_402_300_800, 0, "x"]),  # after 9999
        _raw([1, 1_796_410_800, -1, "x"]),
        _raw([1, 1_796_410_800, 1_000_000_000, "x"]),
        _raw([1, 253_402_300_799, 999_999_999, "x"]),  # the calendar's last nanosecond: its bound is past it
        _raw([1, 1_796_410_800, 0, ""]),
        _raw([1, 1_796_410_800, 0, 7]),
        _raw([1, 1_796_410_800, 0, "x" * 201]),
        _raw([1, 1_796_410_800, 0, "x"]) + "==",  # padded: not the form a page gives
        base64.urlsafe_b64encode(b'[1, 1796410800, 0, "x"]').decode(),  # spaced: not the form a page gives
        cursor.encode(After(1_796_410_800, 0, "x"))[:-3],  # cut short
    ],
)
def test_anything_a_page_did_not_give_is_a_422_naming_cursor(text: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        cursor.decode(text)
    assert refused.value.field == "cursor"


def test_a_hand_made_cursor_in_the_form_a_page_gives_is_taken_as_the_position_it_says() -> None:
    """Not signed: such a cursor positions the page where it says, and the route's filters and its caller's
    rights still decide what is listed (README, "Paging the audit trails")."""
    assert cursor.decode(_raw([1, 1_796_410_800, 5, "x"])) == After(1_796_410_800, 5, "x")


def _items(n: int) -> list[dict[str, object]]:
    return [{"id": f"e{i}", "at": "t", "at_s": 100 - i, "at_ns": i} for i in range(n)]


def test_split_page_lists_limit_items_and_names_the_last_one_when_more_follow() -> None:
    page, following = cursor.split_page(_items(4), 3)
    assert page == [{"id": "e0", "at": "t"}, {"id": "e1", "at": "t"}, {"id": "e2", "at": "t"}]
    assert following is not None and cursor.decode(following) == After(98, 2, "e2")
    # The last page: exactly limit or fewer items read, no cursor.
    assert cursor.split_page(_items(3), 3) == ([{"id": f"e{i}", "at": "t"} for i in range(3)], None)
    assert cursor.split_page([], 3) == ([], None)


def test_the_start_is_after_every_entry() -> None:
    # The calendar's last nanosecond but one: the queries bound their seek a nanosecond past it.
    assert cursor.query_params(None) == {"after_s": 253_402_300_799, "after_ns": 999_999_998, "after_id": ""}
    assert cursor.query_params(POSITION) == POSITION.params()
