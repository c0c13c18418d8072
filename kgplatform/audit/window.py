"""The time window of an audit trail's read, `since` and `until` (ISO 8601 with a zone, both inclusive): how
it is checked and what the trail queries take for it. One place for every trail (the curriculum's, a
concept's, a task's, the keys', a class's) and for both the API's query parameters and the CLI's options,
so that a bound means the same thing wherever it is given (since 4 December 2026 the keys' and rosters'
trails take it too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import AwareDatetime, BeforeValidator, TypeAdapter, ValidationError

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.models import iso_time_text
from kgplatform.validation_messages import plain_message

# The bounds of a read without `since` or `until`: before and after any entry.
EARLIEST = datetime(1, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
# A bound as the API's query parameters read it (text with a zone; a number is refused, not read as seconds).
_BOUND = TypeAdapter(Annotated[AwareDatetime, BeforeValidator(iso_time_text)])


@dataclass(frozen=True)
class Window:
    """Entries at or after `since` and at or before `until` (None: unbounded), both in UTC."""

    since: datetime | None = None
    until: datetime | None = None

    @property
    def whole(self) -> bool:
        return self.since is None and self.until is None

    def query_params(self) -> dict[str, Any]:
        """The trail queries' `$since` and `$before` (since <= at < before), always both: so that each read
        is a range seek of its trail's index, bounded or not."""
        return {
            "since": self.since or EARLIEST,
            # `until` is inclusive to its microsecond: entries are stamped to the nanosecond and listed to
            # the microsecond, so `at <= until` left out the very entry whose listed time was given
            # (min: the last microsecond of 9999 plus one is past the calendar).
            "before": min(self.until or LATEST, LATEST) + timedelta(microseconds=1),
        }


WHOLE = Window()


def checked(
    since: datetime | None, until: datetime | None, names: tuple[str, str] = ("since", "until")
) -> Window:
    """The window of two aware bounds, moved to UTC; `since` after `until` is refused (422) naming `until`
    (`names` are how the caller calls them: the API's parameters, the CLI's options)."""
    since, until = in_utc(since, names[0]), in_utc(until, names[1])
    if since is not None and until is not None and since > until:
        raise ValidationFailed(f"`{names[0]}` is after `{names[1]}`: no entry could match", field=names[1])
    return Window(since, until)


def parse_bound(text: str | None, name: str) -> datetime | None:
    """A bound given as text (a CLI option), read as the API reads its query parameter: a time without a
    zone, a number or anything else but ISO 8601 with a zone is refused (422) naming `name`."""
    if text is None:
        return None
    try:
        return _BOUND.validate_python(text)
    except ValidationError as error:
        why = plain_message(error.errors()[0])
        raise ValidationFailed(f"`{name}` {text!r}: {why}", field=name) from None


def in_utc(moment: datetime | None, field: str) -> datetime | None:
    """`moment` in UTC (the trails' bounds and `GET /learners?active_since=`). Python takes offsets up to
    +-23:59 and Neo4j only +-18:00: `+18:01` passed the query check and failed in Neo4j as a 500 (the fuzz
    test, 3 December); and a day at the end of the calendar can leave it in another zone."""
    if moment is None:
        return None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed(f"`{field}` is outside the calendar once moved to UTC", field=field) from None
