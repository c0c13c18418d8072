"""A batch's pace (the time its chunks ran) and what a silent one waits for (no services)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kgplatform.cli.workers import eta_text, rate_text
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.pace import ChunkLimits, ChunkRuns, waiting

LIMITS = ChunkLimits(hard_limit_s=600, retry_wait_s=600, redelivery_s=3700, stall_after_s=4300)


def test_active_time_is_the_union_of_the_counted_runs() -> None:
    runs = ChunkRuns(
        started={0: 0.0, 1: 1.0, 2: 100.0, 3: 5.0, 9: 50.0},  # 9 was never counted
        counted={0: 4.0, 1: 3.0, 2: 102.0, 3: 6.0, 7: 8.0},  # 7 has no start on record
    )
    assert runs.active_s() == pytest.approx(4.0 + 1.0 + 2.0)  # [0,4] with [1,3] inside, [5,6], [100,102]
    assert runs.longest_s() == 4.0
    assert ChunkRuns({}, {}).active_s() is None and ChunkRuns({}, {}).longest_s() is None


def test_a_silent_batch_tells_lost_chunks_from_ones_that_may_still_run() -> None:
    now = 10_000.0
    runs = ChunkRuns(started={0: 0.0, 1: now - 2000, 2: now - 60, 3: 2.0}, counted={0: 5.0, 3: 6.0})
    wait = waiting(runs, chunks_total=6, quiet_s=60.0, now=now, limits=LIMITS)
    assert (wait.chunks_lost, wait.chunks_running, wait.chunks_queued) == (1, 1, 2)
    assert "waiting for redelivery of 1 chunk (unacknowledged: its worker died" in wait.message
    assert "by about 03:15 UTC" in wait.message  # chunk 1, started at 8,000 s: + 3,700 s, still ahead
    # No worker need have died: a chunk that failed while Redis restarted stays unacknowledged (seen in an
    # operator's test, s34); and a broker without its append-only file loses messages, so the row must not
    # promise the redelivery as certain.
    assert "or it ended while the broker was away" in wait.message
    assert "unless it lost the message" in wait.message
    assert "2 chunks not started yet" in wait.message
    # Nor is a chunk not started surely queued: one taken as Redis stopped is lost (an operator's Redis
    # restart, 5 December 2026).
    assert "lost as a worker took it when the broker went away" in wait.message
    assert wait.redelivery_by == datetime.fromtimestamp(now - 60 + 3700, UTC)


def status(**fields: object) -> JobStatus:
    return JobStatus.model_validate(
        {"id": "j", "kind": "recompute_all", "state": JobState.RUNNING, "created_at": datetime.now(UTC)}
        | fields
    )


def test_the_cli_never_shows_eta_0_s_nor_rate_0_while_learners_remain() -> None:
    assert eta_text(status(eta_s=0.3)) == "< 1 s"
    assert eta_text(status(eta_s=12.4)) == "12 s"
    assert rate_text(status(rate_per_s=0.27)) == "0.27 learners/s"
    assert rate_text(status(rate_per_s=0.0)) == "n/a"
    assert rate_text(status(rate_per_s=1234.5)) == "1,234 learners/s"


def test_an_ended_batch_shows_no_unknown_eta_on_the_progress_bar() -> None:
    """`recompute --all --wait` and `nightly --wait` ended on a bar reading "succeeded ... 200/200 ... ETA ?":
    a question where nothing is left to wait for (an operator's walk through docs/workers.md, 5 December
    2026). An ended batch's ETA is "-" on the bar as in the table; a running one without a rate stays "?"."""
    for state in (JobState.SUCCEEDED, JobState.FAILED, JobState.SKIPPED):
        assert eta_text(status(state=state, total=200, done=200), short=True) == "-"
        assert eta_text(status(state=state, total=200, done=200)) == "-"
    assert eta_text(status(total=200, done=0), short=True) == "?"


def test_a_silent_batch_names_the_workers_of_its_chunks_not_counted() -> None:
    now = 10_000.0
    runs = ChunkRuns(
        started={0: now - 2000, 1: now - 2000, 2: now - 60, 3: 2.0},
        counted={3: 6.0},
        runners={0: "a@x 1", 1: "a@x 1", 2: "b@y 2", 3: "c@z 3"},
    )
    wait = waiting(runs, chunks_total=4, quiet_s=60.0, now=now, limits=LIMITS)
    assert "waiting for redelivery of 2 chunks on a@x 1 (unacknowledged" in wait.message
    assert "1 chunk started on b@y 2 and not counted" in wait.message
    assert wait.runners == ["a@x 1", "b@y 2"]  # c counted its chunk
    assert runs.held_by([0, 1, 2]) == " on a@x 1 (2), b@y 2"
    # Starts recorded without a worker's name (older jobs) leave the sentence as it was.
    assert ChunkRuns({0: 1.0}, {}).held_by([0]) == ""
