"""`JobService.resume` (`kgplatform jobs resume`, POST /jobs/{id}/resume): which batches it sends again and
what it refuses (tests/unit/jobs/batch_redis.py; the run with real workers is
tests/integration/workers/test_stalled_batch_resume.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kombu.exceptions import OperationalError

from kgplatform.errors import Conflict, NotFound
from kgplatform.jobs.models import JobState
from kgplatform.jobs.progress import job_key
from kgplatform.jobs.service import RECOMPUTE_ALL, JobService
from kgplatform.settings import WorkerSettings
from tests.unit.jobs.batch_redis import BatchRedis
from tests.unit.jobs.test_unsent_jobs import Store

SETTINGS = WorkerSettings()


class Sent(list):
    def __call__(self, name: str, args: tuple, *, ignore_result: bool) -> None:
        assert ignore_result, "a batch's message asks for no result (jobs.sending.NO_RESULT)"
        self.append((name, args))


@pytest.fixture
def env() -> tuple[BatchRedis, JobService]:
    client = BatchRedis()
    return client, JobService(client, None, SETTINGS, store=Store())  # type: ignore[arg-type]


def running(client: BatchRedis, jobs: JobService, job_id: str, silent_s: float = 0.0) -> None:
    jobs.progress.create(job_id, "recompute_all", "c1")
    assert jobs.lock.acquire(job_id)
    assert jobs.progress.start(job_id, total=40, chunks_total=4)
    jobs.progress.record_chunk(job_id, 0, done=10)
    then = datetime.now(UTC) - timedelta(seconds=silent_s)
    client.hashes[job_key(job_id)][b"updated_at"] = then.isoformat().encode()


def test_a_silent_batch_is_sent_again_under_its_id(env: tuple[BatchRedis, JobService]) -> None:
    client, jobs = env
    running(client, jobs, "j1", silent_s=600)
    assert jobs.status("j1").waiting is not None
    sent = Sent()
    status = jobs.resume("j1", sent)
    assert sent == [(RECOMPUTE_ALL, ("j1", "c1", None))]
    assert status.state is JobState.RUNNING and jobs.lock.holder() == "j1"


def test_a_stalled_batch_is_reopened_and_takes_the_lock_again(env: tuple[BatchRedis, JobService]) -> None:
    client, jobs = env
    running(client, jobs, "j1", silent_s=SETTINGS.stall_after_s + 60)
    failed = jobs.status("j1")
    assert failed.state is JobState.FAILED and (failed.message or "").startswith("stalled:")
    assert "kgplatform jobs resume j1" in (failed.message or "")
    assert jobs.lock.holder() is None
    sent = Sent()
    status = jobs.resume("j1", sent)
    assert status.state is JobState.RUNNING and status.message is None and status.finished_at is None
    assert status.done == 10 and sent == [(RECOMPUTE_ALL, ("j1", "c1", None))]
    assert jobs.lock.holder() == "j1"


def test_a_stalled_batch_whose_resume_cannot_be_sent_is_failed_again(
    env: tuple[BatchRedis, JobService],
) -> None:
    client, jobs = env
    running(client, jobs, "j1", silent_s=SETTINGS.stall_after_s + 60)
    message = jobs.status("j1").message

    def refused(*_: object, **__: object) -> None:
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    with pytest.raises(OperationalError):
        jobs.resume("j1", refused)
    again = jobs.status("j1")
    assert again.state is JobState.FAILED and again.message == message
    assert jobs.lock.holder() is None  # the next batch (tonight's) is not blocked


def test_what_is_refused(env: tuple[BatchRedis, JobService]) -> None:
    client, jobs = env
    sent = Sent()
    with pytest.raises(NotFound):
        jobs.resume("nobody", sent)
    jobs.progress.create("queued", "recompute_all", None)
    with pytest.raises(Conflict, match="queued"):
        jobs.resume("queued", sent)
    running(client, jobs, "busy")  # chunks being counted: its queued chunks would be planned twice
    with pytest.raises(Conflict, match="not silent"):
        jobs.resume("busy", sent)
    jobs.cancel("busy", by="test")
    with pytest.raises(Conflict, match="has ended"):
        jobs.resume("busy", sent)
    running(client, jobs, "stalled", silent_s=SETTINGS.stall_after_s + 60)
    assert jobs.status("stalled").state is JobState.FAILED
    assert jobs.lock.acquire("other")  # another batch runs now
    with pytest.raises(Conflict, match="other"):
        jobs.resume("stalled", sent)
    assert jobs.status("stalled").state is JobState.FAILED and sent == []
