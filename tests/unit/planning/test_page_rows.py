from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from kgplatform.mastery.tracing import to_days
from kgplatform.planning.page_rows import as_of_days_of

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def test_epoch_seconds_become_the_days_the_one_learner_planner_computes_bit_for_bit() -> None:
    """Seconds / 86,400 differs from `to_days` in the last bit for about one moment in five, so the
    batch and the on-demand planner decayed the same mastery from (very slightly) different starts."""
    rng = np.random.default_rng(0)
    moments = [
        datetime(2026, 3, 2, tzinfo=UTC) + timedelta(seconds=int(s), microseconds=int(us))
        for s, us in zip(rng.integers(0, 10**7, 500), rng.integers(0, 10**6, 500), strict=True)
    ]
    seconds = np.array([(moment - EPOCH).total_seconds() for moment in moments] + [-1.0])
    days = as_of_days_of(seconds)
    assert days[:-1].tolist() == [to_days(moment) for moment in moments]
    assert np.isnan(days[-1])  # unknown
