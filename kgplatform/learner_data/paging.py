"""The keyset of a learner's answers: (answered_at, event_id), carried between pages as an opaque cursor.

A position, not an offset: answers stored after a page was read (a late batch, answered earlier than the
page's last answer) shift none of the pages after it, and none is repeated or skipped. The event id is
part of the key because answers of one learner may share an answered_at to the microsecond (a batch
stamped by a client's clock), and a page may end inside such a group."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from kgplatform.errors import ValidationFailed
from kgplatform.graph.values import utc_datetime

# The whole range of answer times when `since`/`until` are not given (stored answers lie within 1970 and
# a day ahead of the server's clock: `mastery.models.AnswerIn`).
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A cursor longer than this is not one this module made (a time and an id of at most a few hundred bytes).
MAX_CURSOR_LENGTH = 2048


@dataclass(frozen=True)
class Position:
    answered_at: datetime
    event_id: str


def encode_cursor(position: Position) -> str:
    us = (position.answered_at - EPOCH) // timedelta(microseconds=1)
    raw = orjson.dumps([us, position.event_id])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str) -> Position:
    """The position a `next_after` stands for; a 422 naming `after` for anything else."""
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        us, event_id = orjson.loads(raw)
        if type(us) is not int or not isinstance(event_id, str) or not event_id:
            raise ValueError("not a cursor")
        answered_at = utc_datetime(us // 1_000_000, us % 1_000_000)
        assert answered_at is not None
        if not EARLIEST <= answered_at <= LATEST:
            raise ValueError("out of range")
    except (ValueError, TypeError, binascii.Error, OverflowError, orjson.JSONDecodeError):
        raise ValidationFailed(
            "`after` is not a cursor this API gave: send a page's `next_after` as it came", field="after"
        ) from None
    return Position(answered_at, event_id)


def check_window(since: datetime | None, until: datetime | None) -> tuple[datetime, datetime]:
    """The [since, until) window with its defaults; a 422 naming `until` when it is not after `since`."""
    start = _in_utc(since, "since") if since is not None else EARLIEST
    end = _in_utc(until, "until") if until is not None else LATEST
    if since is not None and until is not None and end <= start:
        raise ValidationFailed(
            f"`until` ({until.isoformat()}) must be after `since` ({since.isoformat()}): the window is "
            "since <= answered_at < until",
            field="until",
        )
    return start, end


def _in_utc(moment: datetime, field: str) -> datetime:
    """A time at the calendar's end with a negative offset is past year 9999 in UTC: Python's OverflowError
    was a 500."""
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed(f"`{field}` is outside the calendar once moved to UTC", field=field) from None


# From here up, UTF-16 order (Neo4j's, comparing a parameter with a stored string) and code point order
# (Python's, and Neo4j's ORDER BY of stored strings) can disagree: surrogates sort below U+E000..U+FFFF in
# one and above them in the other.
FIRST_SURROGATE = 0xD800


def is_comparable(event_id: str) -> bool:
    """Whether every string compares with `event_id` alike in UTF-16 and code point order: true when it
    holds only characters below U+D800 (the first difference with another string is then a character below
    U+D800 on its side, and both orders agree on it whatever the other side holds)."""
    return all(ord(c) < FIRST_SURROGATE for c in event_id)
