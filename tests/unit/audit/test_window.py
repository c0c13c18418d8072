"""The audit trails' time window: `since` and `until` are both inclusive, so one instant given as both is a
window (of the entries stamped at it), and only `since` after `until` is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kgplatform.audit.window import checked
from kgplatform.errors import ValidationFailed

T = datetime(2026, 12, 4, 19, 0, 0, 123456, tzinfo=UTC)


def test_one_instant_as_both_bounds_is_a_window_holding_that_instant() -> None:
    # The same instant in another zone too: the bounds are compared in UTC.
    window = checked(T, T.astimezone(timezone(timedelta(hours=9))))
    params = window.query_params()
    assert params["since"] <= T < params["before"]


def test_since_after_until_is_refused_naming_until() -> None:
    with pytest.raises(ValidationFailed) as error:
        checked(T + timedelta(microseconds=1), T)
    assert error.value.field == "until"
