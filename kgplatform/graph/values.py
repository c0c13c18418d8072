"""Values read from Neo4j as plain Python ones.

The driver returns its own temporal types (`neo4j.time.DateTime`, `Date`, `Duration`); pydantic, orjson and
the tracer know only the standard library's. Kept free of the driver import, like `planning.stamps`, so
that worker processes which never talk to Neo4j can use it without loading the driver.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def native(value: Any) -> Any:
    """Neo4j temporal values as Python ones (datetime, date, timedelta), recursively through maps and
    lists; anything else unchanged."""
    if hasattr(value, "to_native"):
        return value.to_native()
    if isinstance(value, Mapping):
        return {k: native(v) for k, v in value.items()}
    if isinstance(value, list):
        return [native(v) for v in value]
    return value


def with_datetimes(row: Mapping[str, Any], *names: str) -> dict[str, Any]:
    """`row` with each time returned as `name_s, name_us` (`t.epochSeconds, t.microsecond`) as one UTC
    datetime (or None) under `name`."""
    out = dict(row)
    for name in names:
        out[name] = utc_datetime(out.pop(f"{name}_s"), out.pop(f"{name}_us"))
    return out


def utc_datetime(epoch_seconds: int | None, microsecond: int | None) -> datetime | None:
    """A Neo4j datetime `t` returned as `t.epochSeconds, t.microsecond` (None: null), as the UTC datetime
    the driver's `to_native` gives of it (which also drops the nanoseconds past the microsecond).

    Bulk reads return times this way because the driver spends about 60 us of CPU hydrating one
    datetime (neo4j 6.4, pytz time zones), as much as the rest of a learner's mastery row."""
    if epoch_seconds is None:
        return None
    return _EPOCH + timedelta(seconds=epoch_seconds, microseconds=microsecond or 0)
