"""A job whose messages never went out (Redis, which is also the broker, went away while sending them, and
so did the clean-up) must not hold the batch lock for its full time (tests/unit/jobs/batch_redis.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from kombu.exceptions import OperationalError

from kgplatform.errors import Conflict
from kgplatform.jobs.batch import BatchRunner
from kgplatform.jobs.lock import LOCK_PREFIX
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.progress import job_key
from kgplatform.jobs.service import LOCK_RECOMPUTE_ALL, JobService
from kgplatform.mastery.service import default_params
from kgplatform.settings import WorkerSettings
from tests.unit.jobs.batch_redis import BatchRedis

LOCK_KEY = LOCK_PREFIX + LOCK_RECOMPUTE_ALL
LATER_S = 600  # Celery's retries of the failed send, and a Redis restart, are over by then


class Store:
    graph = None

    def learner_ids(self, page_size: int = 10_000) -> object:
        return iter(["l1", "l2"])

    def mastery_of(self, learner_ids: list[str]) -> list[dict[str, object]]:
        return [{"learner_id": i, "curricula": [], "goal_curricula": []} for i in learner_ids]

    def save_summary(self, status: JobStatus) -> None:
        pass

    def summary(self, job_id: str) -> None:
        return None


def redis_goes_away(client: BatchRedis) -> object:
    def send(*_: object, **__: object) -> None:
        client.down = True
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    return send


def later(client: BatchRedis, job_id: str, seconds: float) -> None:
    """Moves the job's creation back: as much time passed (the fake Redis expires nothing by itself)."""
    fields = client.hashes[job_key(job_id)]
    created = datetime.fromisoformat(fields[b"created_at"].decode()) - timedelta(seconds=seconds)
    fields[b"created_at"] = created.isoformat().encode()


@pytest.fixture
def env() -> tuple[BatchRedis, JobService, WorkerSettings]:
    client, settings = BatchRedis(), WorkerSettings()
    return client, JobService(client, None, settings, store=Store()), settings  # type: ignore[arg-type]


def test_a_night_whose_chain_never_went_out_does_not_block_its_retry(
    env: tuple[BatchRedis, JobService, WorkerSettings],
) -> None:
    """02:30: the night's job J1 takes the lock, the chain's publish fails as Redis goes away, and its
    clean-up cannot reach Redis either. J1 stayed queued holding the lock for 6 h: the retried night's
    recompute was skipped ("batch J1 was already running") and every recompute refused with a 409."""
    client, jobs, settings = env
    start_by = datetime.now(UTC) + timedelta(hours=6)
    with pytest.raises(OperationalError):
        jobs.start_nightly(start_by, redis_goes_away(client))
    client.down = False
    first = jobs.lock.holder()
    assert first is not None and client.ttls[LOCK_KEY] < settings.batch_lock_ttl_s  # held briefly only
    later(client, first, LATER_S)
    sent: list[str] = []
    retry = jobs.start_nightly(start_by, sent.append)
    assert sent == [retry] and jobs.lock.holder() == retry
    assert client.ttls[LOCK_KEY] == settings.batch_lock_ttl_s  # sent: held for the batch's full time
    lost = jobs.status(first)
    assert lost.state is JobState.FAILED and (lost.message or "").startswith("never sent")
    runner = BatchRunner(None, Store(), client, settings, default_params(), graphs={})  # type: ignore[arg-type]
    status = runner.fan_out(retry, None, datetime.now(UTC), lambda _: None)
    assert status.state is not JobState.SKIPPED
    with pytest.raises(Conflict):  # the guarantee stands: one batch at a time
        jobs.start_recompute_all(lambda *_, **__: None)


def test_a_recompute_whose_send_failed_as_redis_went_away_raises_the_send_error_and_frees_the_lock(
    env: tuple[BatchRedis, JobService, WorkerSettings],
) -> None:
    """The release after the failed send was unguarded: it raised a ConnectionError over the send's
    error and left the job queued forever, with the lock for 6 h."""
    client, jobs, _ = env
    with pytest.raises(OperationalError):
        jobs.start_recompute_all(redis_goes_away(client))
    client.down = False
    lost = jobs.lock.holder()
    assert lost is not None
    later(client, lost, LATER_S)
    accepted = jobs.start_recompute_all(lambda *_, **__: None)
    assert jobs.lock.holder() == accepted and jobs.status(lost).state is JobState.FAILED


def test_a_sent_job_waiting_in_the_queue_keeps_the_lock(
    env: tuple[BatchRedis, JobService, WorkerSettings],
) -> None:
    client, jobs, settings = env
    queued = jobs.start_recompute_all(lambda *_, **__: None)
    later(client, queued, LATER_S)  # workers busy: it waits in the queue
    with pytest.raises(Conflict):
        jobs.start_recompute_all(lambda *_, **__: None)
    assert jobs.status(queued).state is JobState.QUEUED and client.ttls[LOCK_KEY] == settings.batch_lock_ttl_s
