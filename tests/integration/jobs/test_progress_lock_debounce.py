"""Progress, the batch lock and the debounce on the real Redis (the test database)."""

from __future__ import annotations

import time

import redis

from kgplatform.jobs.debounce import Debouncer
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.lock import BatchLock, live_holder
from kgplatform.jobs.models import JobFailure, JobState
from kgplatform.jobs.on_demand import RECOMPUTE_DUE, StampBacklog, request_recomputes
from kgplatform.jobs.progress import JobProgress
from kgplatform.planning.cache import answered_key
from kgplatform.services.processes import free_port
from kgplatform.settings import WorkerSettings


def test_a_chunk_counted_twice_counts_once_and_the_last_one_completes_the_job(
    redis_client: redis.Redis,
) -> None:
    progress = JobProgress(redis_client, ttl_s=60)
    progress.create("j", "recompute_all", None)
    progress.start("j", total=30, chunks_total=2)
    assert progress.record_chunk("j", 0, done=20) == (1, 2)
    assert progress.record_chunk("j", 0, done=20) is None  # redelivered: already counted
    failure = JobFailure(chunk=1, learners=10, reason="boom")
    assert progress.record_chunk("j", 1, done=10, failed=10, failure=failure) == (2, 2)
    status = progress.status("j")
    assert (status.done, status.failed, status.chunks_done) == (30, 10, 2)
    assert status.failures == [failure]
    assert progress.is_complete("j")
    assert 0 < redis_client.ttl("kgp:job:j:chunks") <= 60


def test_a_chunk_counted_twice_counts_its_retrace_once(redis_client: redis.Redis) -> None:
    """A chunk redelivered after it was counted (its worker died before the ack) must not add its retrace
    again: `jobs show` would report more learners traced again, or left, than the batch has."""
    progress = JobProgress(redis_client, ttl_s=60)
    progress.create("j", "recompute_all", None)
    progress.start("j", total=30, chunks_total=2)
    assert progress.record_chunk("j", 0, done=20, retraced=12, retrace_left=3) == (1, 2)
    assert progress.record_chunk("j", 0, done=20, retraced=12, retrace_left=3) is None
    assert progress.record_chunk("j", 1, done=10, retraced=0, retrace_left=4) == (2, 2)
    status = progress.status("j")
    assert (status.done, status.retraced, status.retrace_left) == (30, 12, 7)


def test_two_batches_started_at_once_do_not_both_hold_the_lock(redis_client: redis.Redis) -> None:
    first, second = BatchLock(redis_client, "t", ttl_s=30), BatchLock(redis_client, "t", ttl_s=30)
    assert first.acquire("job-1")
    assert not second.acquire("job-2")
    assert first.acquire("job-1")  # the holder's redelivered task goes on
    assert not second.release("job-2") and second.holder() == "job-1"
    assert first.release("job-1") and second.acquire("job-2")
    assert 0 < redis_client.ttl("kgp:lock:t") <= 30


def test_a_lock_left_by_a_finished_batch_is_freed_and_a_running_ones_kept(redis_client: redis.Redis) -> None:
    # A worker killed after marking its batch finished but before releasing the lock.
    progress, lock = JobProgress(redis_client, ttl_s=60), BatchLock(redis_client, "t", ttl_s=3600)
    for job in ("done", "running"):
        progress.create(job, "recompute_all", None)
        progress.start(job, total=1, chunks_total=1)
    progress.mark("done", JobState.SUCCEEDED, "1 learner planned")
    assert lock.acquire("running")
    assert live_holder(lock, progress.is_finished) == "running"
    assert lock.release("running") and lock.acquire("done")
    assert live_holder(lock, progress.is_finished) is None
    assert lock.holder() is None and lock.acquire("next")
    assert not progress.is_finished("never-created")


def test_a_burst_schedules_one_recomputation_until_the_task_starts(redis_client: redis.Redis) -> None:
    """Each learner is owed one recomputation (one member of the due set) until its drain starts, and
    the whole burst sends one drain message, a debounce window later."""
    sent: list[tuple] = []
    settings = WorkerSettings(debounce_s=2.0)

    def send(name: str, countdown: float, **_options: object) -> None:
        sent.append((name, round(countdown, 1)))

    before = time.time()
    for _ in range(100):
        request_recomputes(redis_client, ["l1", "l2", "l1"], settings, send)
    assert sent == [(RECOMPUTE_DUE, 2.0)]
    due = DueLearners(redis_client)
    owed = due.owed(["l1", "l2"])
    assert all(at is not None and before + 2.0 <= at <= time.time() + 2.0 for at in owed)
    Debouncer(redis_client, 2.0).clear_many(["l1"])  # the drain started: the next answer schedules again
    assert request_recomputes(redis_client, ["l1"], settings, send) == 1
    assert request_recomputes(redis_client, ["l2"], settings, send) == 0  # still pending
    assert len(sent) == 1  # the drain already on its way covers l1's earlier due time


def test_a_broker_failure_does_not_fail_the_answers_nor_block_the_next_request(
    redis_client: redis.Redis,
) -> None:
    """A send that failed leaves nothing pending, so it must not leave the debounce claim either: the
    learner's next answer (seconds later, not two minutes) asks again."""
    sent: list[tuple] = []

    def down(*_: object, **__: object) -> None:
        raise ConnectionError("broker down")

    assert request_recomputes(redis_client, ["l1"], WorkerSettings(), down) == 0
    assert request_recomputes(redis_client, ["l1"], WorkerSettings(), lambda *a, **k: sent.append(a)) == 1
    assert sent == [(RECOMPUTE_DUE,)]


def test_a_job_state_knows_when_it_is_over() -> None:
    assert {s for s in JobState if s.finished} == {JobState.SUCCEEDED, JobState.FAILED, JobState.SKIPPED}


def test_stamps_redis_refused_are_written_with_their_recomputations_once_it_answers(
    redis_client: redis.Redis,
) -> None:
    """POST /answers while Redis is unreachable: the answers are stored, the stamps wait in the backlog,
    and the next call that reaches Redis (a retry with no learners of its own) writes them with the
    time the answers were stored, and asks their recomputations."""
    unreachable = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    backlog, sent = StampBacklog(), []

    def send(name: str, countdown: float, **_options: object) -> None:
        sent.append(name)

    before = time.time()
    assert request_recomputes(unreachable, ["l1", "l2"], WorkerSettings(), send, backlog) == 0
    assert len(backlog) == 2 and sent == [] and redis_client.get(answered_key("l1")) is None
    assert request_recomputes(redis_client, [], WorkerSettings(), send, backlog) == 2
    assert sent == [RECOMPUTE_DUE] and len(backlog) == 0
    assert None not in DueLearners(redis_client).owed(["l1", "l2"])
    stamped = float(redis_client.get(answered_key("l1")))
    assert before <= stamped < time.time()


def test_the_stamp_backlog_keeps_each_learners_latest_time_and_stays_bounded() -> None:
    backlog = StampBacklog(max_learners=3)
    backlog.add({"a": 5.0, "b": 1.0})
    backlog.add({"a": 2.0, "c": 1.0, "d": 1.0})
    # "a" answered again (its later time stays), so "b" is the one least recently stamped and goes.
    assert backlog.take() == {"a": 5.0, "c": 1.0, "d": 1.0}
    assert len(backlog) == 0
