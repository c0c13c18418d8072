"""Times that bulk reads return as numbers come back as the datetimes the driver would have built."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
import pytz
from neo4j.time import DateTime

from kgplatform.graph.values import native, utc_datetime


@pytest.mark.parametrize("nanosecond", [0, 999, 1_000, 1_500, 123_456_789, 999_999_999])
@pytest.mark.parametrize("zone", [pytz.UTC, pytz.FixedOffset(120), pytz.FixedOffset(-330)])
def test_epoch_seconds_and_microsecond_give_the_drivers_datetime_in_utc(nanosecond: int, zone) -> None:
    stored = DateTime(2026, 3, 2, 23, 59, 59, nanosecond, tzinfo=zone)
    expected = native(stored)  # what a datetime column hydrates to
    # What Cypher's `t.epochSeconds, t.microsecond` return for it (offsets are whole minutes, so the
    # microsecond of the second is the same in every zone).
    epoch_seconds = int(expected.replace(microsecond=0).timestamp())
    converted = utc_datetime(epoch_seconds, nanosecond // 1000)
    assert converted == expected
    assert converted.isoformat() == expected.astimezone(UTC).isoformat()
    assert converted.utcoffset() == timedelta(0)


def test_a_null_time_stays_none() -> None:
    assert utc_datetime(None, None) is None
