"""A cached plan's staleness from Redis's answer stamp and, after a Redis outage, from the stamp the API
process still holds (no services)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from kgplatform.api.plan_serving import ANSWERED_REASON, PENDING_REASON, cached_stale_reasons
from kgplatform.jobs.on_demand import StampBacklog

MADE = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
PLAN = {"created_at": MADE.isoformat()}
BEFORE, AFTER = MADE.timestamp() - 60, MADE.timestamp() + 60


def test_a_stamp_in_redis_newer_than_the_plan_makes_it_stale() -> None:
    assert cached_stale_reasons(PLAN, None, repr(AFTER).encode()) == [ANSWERED_REASON]
    assert cached_stale_reasons(PLAN, b"1", repr(AFTER).encode()) == [PENDING_REASON]
    assert cached_stale_reasons(PLAN, None, repr(BEFORE).encode()) == []
    assert cached_stale_reasons(PLAN, None, None) == []


def test_a_stamp_still_held_after_a_redis_outage_makes_the_plan_stale_before_it_reaches_redis() -> None:
    """Redis is back, the plan cached before the outage is read, and the answer given during it has
    its stamp only in this process's backlog (written within seconds): the plan must not read as fresh."""
    backlog = StampBacklog()
    backlog.add({"learner-1": AFTER})
    assert cached_stale_reasons(PLAN, None, None, backlog.held("learner-1")) == [ANSWERED_REASON]
    assert cached_stale_reasons(PLAN, None, repr(BEFORE).encode(), backlog.held("learner-1")) == [
        ANSWERED_REASON
    ]
    assert cached_stale_reasons(PLAN, None, None, backlog.held("someone-else")) == []
    backlog.add({"learner-2": BEFORE})  # answered before the plan was made: the plan has it
    assert cached_stale_reasons(PLAN, None, None, backlog.held("learner-2")) == []
    backlog.take()  # written to Redis: nothing held any more
    assert backlog.held("learner-1") is None


def test_a_pending_mark_alone_does_not_make_a_plan_stale_and_the_readme_says_so() -> None:
    """The README said a plan was stale "while the workers have its recomputation pending"; the code
    (rightly: a plan computed after the answer is fresh while the mark waits) judges by the stamp alone."""
    assert cached_stale_reasons(PLAN, b"1", None) == []
    assert cached_stale_reasons(PLAN, b"1", repr(BEFORE).encode()) == []
    readme = " ".join((Path(__file__).resolve().parents[3] / "docs" / "services.md").read_text().split())
    assert "A pending recomputation alone does not mark a plan stale" in readme
    assert "while the workers have its recomputation pending" not in readme
