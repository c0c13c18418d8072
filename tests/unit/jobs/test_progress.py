"""Rate and ETA of a batch from its progress fields (no services)."""

from __future__ import annotations

from datetime import UTC, datetime

from kgplatform.jobs.models import JobState
from kgplatform.jobs.pace import ChunkLimits
from kgplatform.jobs.progress import fan_out_waiting, status_of

STARTED = "2026-01-05T02:30:00+00:00"
START_S = 1767580200.0  # STARTED as epoch seconds


def fields(**extra: str) -> dict[str, str]:
    return {
        "kind": "recompute_all",
        "state": "running",
        "created_at": STARTED,
        "started_at": STARTED,
        **extra,
    }


def test_rate_and_eta_follow_the_learners_done_since_the_start() -> None:
    status = status_of(
        "j", fields(total="1000", done="250", chunks_total="4", chunks_done="1"), [], START_S + 10
    )
    assert status.rate_per_s == 25.0
    assert status.eta_s == 30.0
    assert status.fraction == 0.25


def test_a_queued_job_has_no_rate_and_a_finished_one_no_eta() -> None:
    queued = status_of("j", {"kind": "recompute_all", "state": "queued", "created_at": STARTED}, [], START_S)
    assert queued.rate_per_s is None and queued.eta_s is None and queued.total is None
    done = status_of(
        "j",
        fields(state="succeeded", total="10", done="10", finished_at="2026-01-05T02:30:05+00:00"),
        [],
        START_S + 100,
    )
    assert done.state is JobState.SUCCEEDED and done.eta_s is None
    assert done.rate_per_s == 2.0  # measured up to the end, not up to now


def test_a_batch_silent_for_longer_than_its_eta_has_none() -> None:
    """A worker killed with one chunk left: the rate said "ETA 0 s" for the hour until redelivery."""
    almost = fields(total="300", done="299", updated_at="2026-01-05T02:31:00+00:00")
    assert status_of("j", almost, [], START_S + 100).eta_s is not None  # 40 s quiet: still counting
    assert status_of("j", almost, [], START_S + 200).eta_s is None  # 140 s quiet, ETA under a second


def test_a_batch_queued_for_a_minute_with_no_fan_out_says_what_it_waits_for() -> None:
    """With only a training worker up (the README's split, the planning machine down), a batch sat
    "queued" with no hint, in `jobs show` and GET /jobs/{id} alike (a review, s30)."""
    queued = {"kind": "recompute_all", "state": "queued", "created_at": STARTED}
    assert status_of("j", queued, [], START_S + 30).waiting is None  # a worker may take it any moment
    wait = status_of("j", queued, [], START_S + 120).waiting
    assert wait is not None and wait.quiet_s == 120
    assert "the fan-out waits in queue planning; no worker has taken it" in wait.message
    assert "retrain" not in wait.message
    night = status_of("j", {**queued, "start_by": "2026-01-05T06:00:00+00:00"}, [], START_S + 120).waiting
    assert night is not None and "retrain (queue training)" in night.message
    taken = {**queued, "updated_at": "2026-01-05T02:30:05+00:00"}  # a worker's fan-out holds it
    assert status_of("j", taken, [], START_S + 120).waiting is None


def test_a_night_waiting_for_its_retrain_asks_about_a_training_worker() -> None:
    """With two planning workers up and none on training, the night's job asked whether a worker
    consuming planning ran, while its retrain expired unclaimed in training (a review, s30)."""
    message = fan_out_waiting(88, nightly=True).message
    question = message.split("(is ", 1)[1]
    assert question.startswith("a `kgplatform worker` consuming training running?")
    assert "consuming planning" not in message
    assert "KGP_WORKERS__NIGHTLY_EXPIRY_S" in message
    assert "consuming planning running?" in fan_out_waiting(88, nightly=False).message


def test_a_night_whose_retrain_started_says_it_runs_or_was_lost_not_that_no_worker_took_it() -> None:
    """A retrain lost with its killed worker read "no worker has taken the retrain up yet" for the whole
    visibility timeout while two training workers were up and idle (a review, s34)."""
    started = datetime(2026, 1, 5, 2, 31, tzinfo=UTC)
    limits = ChunkLimits(hard_limit_s=600, retry_wait_s=60, redelivery_s=3600, stall_after_s=4000)
    message = fan_out_waiting(
        300, nightly=True, retrain_started=started, retrain_runner="celery@a pid 7", limits=limits
    ).message
    assert "retrain started at 02:31 UTC on celery@a pid 7" in message
    assert "lost with its worker" in message and "by about 03:31 UTC" in message
    assert "no worker has taken" not in message
    queued = {
        "state": "queued",
        "kind": "recompute_all",
        "created_at": "2026-01-05T02:30:00+00:00",
        "start_by": "2026-01-05T06:00:00+00:00",
        "retrain_started_at": started.isoformat(),
        "retrain_runner": "celery@a pid 7",
    }
    wait = status_of("j", queued, [], START_S + 300, limits=limits).waiting
    assert wait is not None and "retrain started at 02:31 UTC" in wait.message


def test_a_night_whose_retrain_waits_out_an_outage_says_when_it_is_tried_again() -> None:
    """A retrain retried while Neo4j restarted (real worker, 5 December 2026) had `jobs show` say it still ran
    or was lost with its worker and came back an hour later; its retry is on the job now, until it starts."""
    started = datetime(2026, 1, 5, 2, 31, tzinfo=UTC)
    limits = ChunkLimits(hard_limit_s=600, retry_wait_s=60, redelivery_s=3600, stall_after_s=4000)
    queued = {
        "state": "queued",
        "kind": "recompute_all",
        "created_at": "2026-01-05T02:30:00+00:00",
        "start_by": "2026-01-05T06:00:00+00:00",
        "retrain_started_at": started.isoformat(),
        "retrain_runner": "celery@a pid 7",
        "retrain_retry_at": "2026-01-05T02:31:09+00:00",
        "retrain_retry_error": "ServiceUnavailable: Neo4j is away",
        "retrain_retry": "3/14",
    }
    wait = status_of("j", queued, [], START_S + 300, limits=limits).waiting
    assert wait is not None
    assert wait.message.startswith(
        "not taken up for 300 s: the night's retrain failed on ServiceUnavailable: Neo4j is away and is "
        "tried again at 02:31:09 UTC (retry 3/14, KGP_WORKERS__MAX_RETRIES)"
    ), wait.message
    assert "lost with its worker" not in wait.message
    # The retry has started: it runs (or was lost) again.
    again = {**queued, "retrain_started_at": "2026-01-05T02:31:10+00:00"}
    wait = status_of("j", again, [], START_S + 300, limits=limits).waiting
    assert wait is not None and "retrain started at 02:31 UTC" in wait.message, wait


def test_a_redelivery_past_its_time_is_no_longer_promised() -> None:
    """A chunk whose message the broker lost (a Redis restarted without its append-only file; until 3 December
    also one whose retry it refused) never comes back: `jobs show` said "by about
    08:10 UTC" until 08:12:49, then the batch failed as stalled (a review, s30). Past the redelivery time the
    row says it was not seen and when the batch fails."""
    from kgplatform.cli.workers import eta_text
    from kgplatform.jobs.pace import ChunkLimits, ChunkRuns

    limits = ChunkLimits(hard_limit_s=600, retry_wait_s=600, redelivery_s=3700, stall_after_s=4300)
    runs = ChunkRuns(started={0: START_S + 10, 1: START_S + 30}, counted={0: START_S + 20})
    silent = fields(
        total="20", done="10", chunks_total="2", chunks_done="1", updated_at="2026-01-05T02:30:30+00:00"
    )
    # Chunk 1 started at 02:30:30: redelivery expected by 03:32:10, stalled from 03:42:10; now is 03:37.
    status = status_of("j", silent, [], START_S + 30 + 4000, runs=runs, limits=limits)
    assert status.waiting is not None and status.waiting.chunks_lost == 1
    message = status.waiting.message
    assert "waiting for redelivery" not in message
    assert "redelivery expected by about 03:32 UTC and not seen" in message
    assert "probably lost (a broker restarted without its append-only file)" in message
    assert "failed as stalled from about 03:42 UTC" in message
    assert eta_text(status, short=True).endswith(": 1 chunk out, redelivery due 03:32 UTC, not seen)")
    # Before that time the redelivery is still promised.
    earlier = status_of("j", silent, [], START_S + 30 + 3000, runs=runs, limits=limits).waiting
    assert earlier is not None and "waiting for redelivery of 1 chunk" in earlier.message


def test_a_night_reads_its_retrain_outcome_and_a_failure_wins_over_it() -> None:
    """The retrain's one line, as the worker recorded it; a failure recorded by its hook (with the error)
    or by the chain's fallback (without) reads as such; a plain batch has none."""
    assert status_of("j", fields(), [], START_S).retrain is None
    published = "published transfer model v1 with 12 edges"
    assert status_of("j", fields(retrain_outcome=published), [], START_S).retrain == published
    hooked = status_of("j", fields(retrain_failed="1", retrain_error="ValueError: no answers"), [], START_S)
    assert hooked.retrain == "failed: ValueError: no answers" and hooked.retrain_failed
    spread = status_of("j", fields(retrain_failed="1", retrain_error="Neo4jError: a\n  b"), [], START_S)
    assert spread.retrain == "failed: Neo4jError: a b"
    fallback = status_of("j", fields(retrain_failed="1"), [], START_S)
    assert fallback.retrain == "failed (see the training worker's log)"


def test_a_chunk_waiting_for_its_retry_is_named_with_its_error_until_it_is_counted() -> None:
    """A chunk cut short by a stalled Neo4j: the job read "running" with an ETA of seconds, and nothing
    said that the batch was retrying, nor why (a review, 6 December 2026)."""
    from kgplatform.jobs.pace import ChunkRuns

    retry = fields(
        total="300",
        done="100",
        chunks_total="3",
        chunks_done="1",
        chunk_retry_chunk="2",
        chunk_retry_at="2026-01-05T02:30:40+00:00",
        chunk_retry_error="ServiceUnavailable: chunk cut short at its soft time limit (540 s): Neo4j\nfroze",
        chunk_retry="3/14",
    )
    waiting = status_of(
        "j", retry, [], START_S + 30, ChunkRuns({0: START_S, 2: START_S + 20}, {0: START_S + 5})
    )
    assert waiting.retrying == (
        "chunk 2 failed on ServiceUnavailable: chunk cut short at its soft time limit (540 s): Neo4j froze "
        "and is tried again at 02:30:40 UTC (retry 3/14, KGP_WORKERS__MAX_RETRIES)"
    )
    counted = ChunkRuns({0: START_S, 2: START_S + 45}, {0: START_S + 5, 2: START_S + 50})
    assert status_of("j", retry, [], START_S + 60, counted).retrying is None
    ended = {**retry, "state": "failed", "finished_at": "2026-01-05T02:30:45+00:00"}
    assert status_of("j", ended, [], START_S + 60).retrying is None
    assert status_of("j", fields(total="300"), [], START_S + 60).retrying is None
