"""Keyset cursors of the audit trails (curriculum, concept, task, key and roster trails).

Every trail is listed newest first, entries sharing a time by id; a cursor names the last entry of a page by
that key, (at, id), and the next page is the entries strictly after it in that order. Unlike an offset it
does not move when entries are written between two reads, and the trails whose page walks an index seek it
there instead of skipping the entries before it.

`at` is kept to the nanosecond (entries are stamped to it and listed to the microsecond: a cursor of the
listed time would repeat or skip entries stamped within one microsecond), as epoch seconds and nanoseconds.
The cursor is opaque to clients (base64url of a small JSON list) but not signed: it says only where a page
starts, the route's filters and its caller's rights still decide what is listed, so a hand-made one reads
nothing the route would not list. One that does not decode to that shape is refused before anything is
read."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kgplatform.errors import ValidationFailed

# The shape's version, first in the list: a later shape can refuse this one's cursors by name, not by luck.
VERSION = 1
# Said of `next` in each trail's answer.
NEXT_DOC = (
    "The cursor of the next page: send it as `cursor` for the entries after this page's last, in the same "
    "order, unmoved by entries written since; null on the last page."
)
# Entry ids are uuids (32 or 36 characters) or, in tests and benches, short made-up ones; 200 bounds every id.
MAX_ENTRY_ID = 200
# A cursor's length: the JSON of the largest position (an id of 200 characters, each up to 6 bytes escaped),
# base64'd (4/3), with room to spare.
MAX_CURSOR = 2048
# The calendar Neo4j and Python share: 0001-01-01 to 9999-12-31, as epoch seconds.
_FIRST = int(datetime(1, 1, 1, tzinfo=UTC).timestamp())
_LAST = int(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp())
# The queries' position when no cursor is given: the calendar's last nanosecond but one, before every id,
# so every entry is after it (but one stamped at the very last nanosecond of 9999). Not the last: the
# queries bound their seek a nanosecond past the cursor's time (every zone form of that instant), and
# Neo4j refuses a time past the calendar; `decode` refuses a cursor there.
START = {"after_s": _LAST, "after_ns": 999_999_998, "after_id": ""}
# The keys each query adds to its items for the cursor (removed before an item is answered).
_AT_S, _AT_NS = "at_s", "at_ns"


@dataclass(frozen=True)
class After:
    """The entry a page follows: its `at` as epoch seconds and nanoseconds, and its id."""

    seconds: int
    nanos: int
    entry_id: str

    def params(self) -> dict[str, Any]:
        return {"after_s": self.seconds, "after_ns": self.nanos, "after_id": self.entry_id}


@dataclass(frozen=True)
class Position:
    """Where a trail's page starts: after `after` (a cursor) or after `offset` entries, never both."""

    offset: int = 0
    after: After | None = None


# The first page: no entry skipped.
FIRST = Position()


def query_params(after: After | None) -> dict[str, Any]:
    """The trail queries' $after_s, $after_ns, $after_id: the cursor's, or before every entry."""
    return after.params() if after is not None else dict(START)


def encode(after: After) -> str:
    position = [VERSION, after.seconds, after.nanos, after.entry_id]
    text = json.dumps(position, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def decode(cursor: str) -> After:
    """The position a cursor names; a 422 naming `cursor` for anything this module did not make."""

    def refuse(why: str) -> ValidationFailed:
        return ValidationFailed(f"`cursor` is not one a page of this trail gave ({why})", field="cursor")

    if len(cursor) > MAX_CURSOR or not cursor.isascii():
        raise refuse("too long or not base64url")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode())
    except (binascii.Error, ValueError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise refuse("not base64url of a position") from None
    # The strict comparisons, not isinstance: a bool is an int, and 1.0 == 1.
    if not (isinstance(value, list) and len(value) == 4 and type(value[0]) is int and value[0] == VERSION):
        raise refuse("not a position of this version")
    _, seconds, nanos, entry_id = value
    if type(seconds) is not int or not _FIRST <= seconds <= _LAST:
        raise refuse("its time is not a time")
    if type(nanos) is not int or not 0 <= nanos <= 999_999_999:
        raise refuse("its time is not a time")
    if seconds == _LAST and nanos == 999_999_999:  # the queries' bound, a nanosecond on, is past the calendar
        raise refuse("its time is the calendar's last")
    if not isinstance(entry_id, str) or not 0 < len(entry_id) <= MAX_ENTRY_ID:
        raise refuse("its entry id is not an id")
    # Canonical form only, so one position has one cursor (and padding or a changed character is refused).
    if encode(After(seconds, nanos, entry_id)) != cursor:
        raise refuse("not in the form a page gives")
    return After(seconds, nanos, entry_id)


def split_page(items: list[dict[str, Any]], limit: int) -> tuple[list[dict[str, Any]], str | None]:
    """A query's items (up to limit + 1, each with its `at_s` and `at_ns`) as the page's `limit` items,
    without those keys, and the cursor after the last of them; None when no entry follows (the extra one
    read is what says so, and it is not listed)."""
    page = items[:limit]
    following = len(items) > limit
    keys = [(item.pop(_AT_S), item.pop(_AT_NS)) for item in page]
    for item in items[limit:]:
        item.pop(_AT_S, None), item.pop(_AT_NS, None)
    if not following or not page:
        return page, None
    seconds, nanos = keys[-1]
    return page, encode(After(int(seconds), int(nanos), str(page[-1]["id"])))
