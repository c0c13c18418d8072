"""The answers' cursor and window: what a client sends back, and what it may not."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.learner_data.paging import (
    EARLIEST,
    LATEST,
    Position,
    check_window,
    decode_cursor,
    encode_cursor,
    is_comparable,
)


@pytest.mark.parametrize(
    "position",
    [
        Position(datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=UTC), "svc-1"),
        Position(datetime(1970, 1, 1, tzinfo=UTC), "ä/ß \U0001f600"),
        Position(datetime(2026, 1, 1, 23, 59, 59, 999999, tzinfo=UTC), "x" * 200),
    ],
)
def test_a_cursor_gives_back_its_position_to_the_microsecond(position: Position) -> None:
    cursor = encode_cursor(position)
    assert cursor.isascii() and "=" not in cursor  # a query parameter as it is
    assert decode_cursor(cursor) == position


@pytest.mark.parametrize(
    "cursor",
    [
        "not base64 !",
        base64.urlsafe_b64encode(b"[1, 2]").decode(),  # an event id that is not text
        base64.urlsafe_b64encode(b'["1", "e"]').decode(),  # a time that is not an integer
        base64.urlsafe_b64encode(b'[1, ""]').decode(),  # no event id is empty
        base64.urlsafe_b64encode(b"{}").decode(),
        base64.urlsafe_b64encode(b'[99999999999999999999, "e"]').decode(),  # past year 9999
        "A" * 3000,
    ],
)
def test_anything_but_a_cursor_is_refused_naming_after(cursor: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        decode_cursor(cursor)
    assert refused.value.field == "after"


def test_the_window_defaults_to_every_time_and_refuses_an_empty_one_naming_until() -> None:
    assert check_window(None, None) == (EARLIEST, LATEST)
    since = datetime(2026, 12, 4, 12, tzinfo=timezone(timedelta(hours=2)))
    start, end = check_window(since, None)
    assert start == datetime(2026, 12, 4, 10, tzinfo=UTC) and start.tzinfo is UTC and end == LATEST
    for until in (since, since - timedelta(microseconds=1)):
        with pytest.raises(ValidationFailed) as refused:
            check_window(since, until)
        assert refused.value.field == "until"


def test_only_ids_below_u_d800_compare_alike_in_utf16_and_code_point_order() -> None:
    assert is_comparable("svc-1/ä\ud7ff") and is_comparable("")
    assert not is_comparable("t\ue000") and not is_comparable("t\U00010000")
    # What the rule rests on: a string past U+D800 that the two orders put on different sides of another.
    low, high = "t\uffff", "t\U00010000"
    assert (low < high) != (low.encode("utf-16-be") < high.encode("utf-16-be"))
