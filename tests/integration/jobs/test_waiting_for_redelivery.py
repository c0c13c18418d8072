"""`jobs show` for a batch whose worker was killed mid-chunk: the chunk waits, unacknowledged, for the
broker's redelivery after the visibility timeout (an hour by default). It used to read "running" with an
ETA (at first "0 s", later "-") and no hint of what it waited for, and once the chunk came back and the
batch finished, a rate diluted by the hour's wait ("0 learners/s")."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
import redis

from kgplatform.jobs import progress as progress_module
from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
from kgplatform.settings import Settings
from tests.integration.test_cli_errors import run_cli

CHUNK = 20  # learners per chunk
WIDE = {"COLUMNS": "1000", "KGP_NEO4J__URI": "bolt://127.0.0.1:1"}  # live progress needs Redis alone


@contextmanager
def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> Iterator[None]:
    """Progress written as if at `moment` (the workers' clock), read by the CLI at the real now."""
    with monkeypatch.context() as patched:
        patched.setattr(progress_module, "utc_now", lambda: moment)
        yield


def killed_mid_batch(jobs: JobService, monkeypatch: pytest.MonkeyPatch, t0: datetime) -> str:
    """Five chunks: four run in parallel and are counted within 4 s, the fifth's worker is SIGKILLed."""
    with at(monkeypatch, t0):
        job_id = jobs.create(KIND_RECOMPUTE_ALL, None)
        jobs.progress.start(job_id, total=5 * CHUNK, chunks_total=5)
        for chunk in range(5):
            jobs.progress.count_delivery(job_id, chunk, "worker@host 1", 0)
    for chunk in range(4):
        with at(monkeypatch, t0 + timedelta(seconds=1 + chunk)):
            assert jobs.progress.record_chunk(job_id, chunk, done=CHUNK) is not None
    return job_id


def table(result_stdout: str) -> dict[str, str]:
    """The `jobs show` table as field -> value (rich draws it with box characters)."""
    rows = {}
    for line in result_stdout.splitlines():
        cells = [c.strip() for c in line.strip().strip("│┃").split("│")]
        if len(cells) == 2 and cells[0]:
            rows[cells[0]] = cells[1]
    return rows


def test_jobs_show_says_which_chunk_waits_for_redelivery_and_until_when(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(minutes=25)  # past the chunk's hard limit and retry delay
    job_id = killed_mid_batch(jobs, monkeypatch, t0)

    result = run_cli("jobs", "show", job_id, **WIDE)
    assert result.returncode == 0, result.stdout + result.stderr
    shown = table(result.stdout)
    workers = settings.workers
    back_by = t0 + timedelta(seconds=workers.visibility_timeout_s + workers.restore_sweep_s)
    assert shown["state"] == "running" and shown["chunks"] == "4 / 5"
    assert "waiting for redelivery of 1 chunk" in shown["waiting"], shown
    assert f"by about {back_by:%H:%M} UTC" in shown["waiting"]
    assert shown["ETA"] != "0 s" and "waiting" in shown["ETA"]
    # The rate is the pace while chunks ran (80 learners in 4 s), not diluted by the 25 minutes' wait.
    assert shown["rate"] == "20 learners/s", shown


def test_a_chunk_still_within_its_hard_limit_may_be_running_or_lost_and_both_moments_are_given(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(seconds=90)
    job_id = killed_mid_batch(jobs, monkeypatch, t0)

    waiting = jobs.status(job_id).waiting
    assert waiting is not None and jobs.status(job_id).eta_s is None
    assert (waiting.chunks_running, waiting.chunks_lost, waiting.chunks_queued) == (1, 0, 0)
    assert "still running or waiting to be retried" in waiting.message
    assert "redelivered after the visibility timeout" in waiting.message


def test_a_batch_that_finished_after_a_redelivery_reports_the_rate_it_worked_at(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(minutes=70)
    job_id = killed_mid_batch(jobs, monkeypatch, t0)
    redelivered = t0 + timedelta(minutes=62)
    with at(monkeypatch, redelivered):
        jobs.progress.count_delivery(job_id, 4, "worker@host 2", 0)
    with at(monkeypatch, redelivered + timedelta(seconds=1)):
        assert jobs.progress.record_chunk(job_id, 4, done=CHUNK) == (5, 5)
        jobs.progress.mark(job_id, progress_module.JobState.SUCCEEDED, "100 learners planned")

    status = jobs.progress.status(job_id)
    assert status.rate_per_s == pytest.approx(5 * CHUNK / 5.0)  # 4 s of the first runs, 1 s of the last
    assert status.waiting is None and status.eta_s is None
    result = run_cli("jobs", "show", job_id, **WIDE)
    assert table(result.stdout)["rate"] == "20 learners/s", result.stdout


def test_a_counted_chunk_run_again_leaves_the_rate_as_it_was(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A counted chunk's message redelivered (its worker died before acknowledging) moved the chunk's start
    past its count, which dropped its run from the time the rate is measured over: the rate doubled here
    (a review, 1 December). A rerun adds no work, so the rate stays."""
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(minutes=5)
    with at(monkeypatch, t0):
        job_id = jobs.create(KIND_RECOMPUTE_ALL, None)
        jobs.progress.start(job_id, total=3 * CHUNK, chunks_total=3)
    for chunk in range(2):  # one after the other: 0-10 s, then 10-20 s
        with at(monkeypatch, t0 + timedelta(seconds=10 * chunk)):
            jobs.progress.count_delivery(job_id, chunk, "worker@host 1", 0)
        with at(monkeypatch, t0 + timedelta(seconds=10 * chunk + 10)):
            assert jobs.progress.record_chunk(job_id, chunk, done=CHUNK) is not None
    assert jobs.progress.status(job_id).rate_per_s == pytest.approx(2 * CHUNK / 20.0)
    with at(monkeypatch, t0 + timedelta(seconds=25)):
        jobs.progress.count_delivery(job_id, 0, "worker@host 2", 0)  # chunk 0 again, counted already
    assert jobs.progress.status(job_id).rate_per_s == pytest.approx(2 * CHUNK / 20.0)


def test_a_silent_batch_names_the_worker_that_holds_its_chunk(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workers on two machines, one of them SIGKILLed mid-batch: the waiting row said how many chunks were
    held, but not by which machine, so the operator could not tell which one went away (a review, s39). The
    chunk's latest start is what counts: chunk 4 began on machA, was redelivered to machB, and died there."""
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(minutes=25)
    with at(monkeypatch, t0):
        job_id = jobs.create(KIND_RECOMPUTE_ALL, None)
        jobs.progress.start(job_id, total=5 * CHUNK, chunks_total=5)
        for chunk in range(5):
            jobs.progress.count_delivery(
                job_id, chunk, "machA@host-a 101" if chunk % 2 else "machB@host-b 7", 0
            )
        jobs.progress.count_delivery(job_id, 4, "machA@host-a 101", 0)
        jobs.progress.count_delivery(job_id, 4, "machB@host-b 7", 1)
    for chunk in range(4):
        with at(monkeypatch, t0 + timedelta(seconds=1 + chunk)):
            assert jobs.progress.record_chunk(job_id, chunk, done=CHUNK) is not None

    result = run_cli("jobs", "show", job_id, **WIDE)
    assert result.returncode == 0, result.stdout + result.stderr
    waiting = table(result.stdout)["waiting"]
    assert "waiting for redelivery of 1 chunk on machB@host-b 7 (" in waiting, waiting
    assert "machA" not in waiting  # its chunks were all counted
    status = jobs.status(job_id)
    assert status.waiting is not None and status.waiting.runners == ["machB@host-b 7"]


def test_jobs_show_says_which_worker_ran_how_many_chunks(
    settings: Settings, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With workers on two machines, `jobs show` gave the batch's progress but not who ran it: only the
    workers' logs or their metrics ports did (a review, s39). A chunk run again counts for its latest run."""
    jobs = JobService(redis_client, None, settings.workers)  # type: ignore[arg-type]
    t0 = datetime.now(UTC) - timedelta(seconds=30)
    with at(monkeypatch, t0):
        job_id = jobs.create(KIND_RECOMPUTE_ALL, None)
        jobs.progress.start(job_id, total=4 * CHUNK, chunks_total=4)
        for chunk, runner in enumerate(
            ["machA@host-a 101", "machB@host-b 7", "machA@host-a 101", "machB@host-b 7"]
        ):
            jobs.progress.count_delivery(job_id, chunk, runner, 0)
        jobs.progress.count_delivery(job_id, 3, "machA@host-a 101", 1)  # machB's last chunk, retried on machA
    for chunk in range(4):
        with at(monkeypatch, t0 + timedelta(seconds=1 + chunk)):
            assert jobs.progress.record_chunk(job_id, chunk, done=CHUNK) is not None

    assert jobs.status(job_id).workers == {"machA@host-a 101": 3, "machB@host-b 7": 1}
    result = run_cli("jobs", "show", job_id, **WIDE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert table(result.stdout)["workers"] == "machA@host-a 101: 3 chunks, machB@host-b 7: 1 chunk"
