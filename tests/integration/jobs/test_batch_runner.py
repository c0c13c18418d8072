"""The batch's steps in-process on the real Neo4j and Redis: chunks in any order and twice, learners
without a curriculum, the lock against a second batch, and the summary that outlives Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.settings import WorkerSettings
from tests.integration.jobs.batches import fanned_out, runner
from tests.integration.workers.seeding import seed_curriculum, seed_learners


def test_chunks_in_any_order_and_twice_give_one_plan_per_learner(
    graph: Graph, redis_client: redis.Redis
) -> None:
    document = seed_curriculum(graph, "runner-test", concepts=30)
    ids = seed_learners(graph, 250, "run-", [c.id for c in document.concepts])
    seed_learners(graph, 3, "zz-new-", [])  # no mastery, no goals: no curriculum to plan in
    batch = runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-a", None, datetime.now(UTC), sent.append, chunk_size=100)
    assert len(sent) == 3 and batch.status("job-a").state is JobState.RUNNING

    for message in [*reversed(sent), sent[0]]:
        chunk, now, only = chunk_of(json.loads(json.dumps(message)))
        batch.run_chunk("job-a", chunk, now, only, "test")
    status = batch.status("job-a")
    assert status.state is JobState.SUCCEEDED, status
    assert (status.total, status.done, status.failed, status.skipped) == (253, 253, 0, 3)
    plans = [json.loads(v) for v in redis_client.mget([plan_key(i) for i in ids])]
    assert [p["id"] for p in plans] == [batch_plan_id("job-a", i) for i in ids]
    assert redis_client.get(plan_key("zz-new-000000")) is None
    assert batch.lock.holder() is None

    redis_client.delete("kgp:job:job-a")  # progress expired: the summary is read from the Job node
    stored = batch.status("job-a")
    assert stored.source == "graph"
    assert (stored.state, stored.done, stored.skipped) == (JobState.SUCCEEDED, 253, 3)


def test_a_second_batch_is_skipped_while_the_first_holds_the_lock(
    graph: Graph, redis_client: redis.Redis
) -> None:
    document = seed_curriculum(graph, "lock-test", concepts=10)
    seed_learners(graph, 20, "lock-", [c.id for c in document.concepts])
    first, second = runner(graph, redis_client), runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    first.fan_out("job-1", None, datetime.now(UTC), sent.append)
    status = second.fan_out("job-2", None, datetime.now(UTC), sent.append)
    assert status.state is JobState.SKIPPED and "job-1" in (status.message or "")
    assert {m["job_id"] for m in sent} == {"job-1"}
    assert JobStore(graph).summary("job-2").state is JobState.SKIPPED


def test_a_batch_for_one_curriculum_skips_the_learners_of_another(
    graph: Graph, redis_client: redis.Redis
) -> None:
    document = seed_curriculum(graph, "only-test", concepts=10)
    seed_learners(graph, 10, "only-", [c.id for c in document.concepts])
    batch = runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-o", "another-curriculum", datetime.now(UTC), sent.append)
    # Not even sent: until 5 December 2026 every learner went out in chunks that skipped them all.
    assert sent == []
    status = batch.status("job-o")
    assert (status.state, status.total, status.done, status.skipped) == (JobState.SUCCEEDED, 0, 0, 0)


def test_the_last_chunk_run_again_after_a_failure_past_its_count_still_finishes_the_batch(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The last chunk is counted, then finalising fails (a transient error in the summary's write);
    Celery runs the chunk again. Already counted, it must still finish the batch."""
    batch, sent = fanned_out(graph, redis_client, "f", 30, chunk_size=20)
    first, last = (chunk_of(m) for m in sent)
    batch.run_chunk("job-f", *first, "test")
    save = batch.job_store.save_summary

    def outage(status: Any) -> None:
        raise ServiceUnavailable("Neo4j went away")

    monkeypatch.setattr(batch.job_store, "save_summary", outage)
    with pytest.raises(ServiceUnavailable):
        batch.run_chunk("job-f", *last, "test")
    monkeypatch.setattr(batch.job_store, "save_summary", save)
    status = batch.run_chunk("job-f", *last, "test", attempt=1)  # Celery's retry
    assert status is not None and status.state is JobState.SUCCEEDED
    assert JobStore(graph).summary("job-f").state is JobState.SUCCEEDED
    assert batch.lock.holder() is None


def test_retries_of_a_chunk_are_not_mistaken_for_a_worker_dying(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """Celery's retries (new messages, attempt 1, 2, ...) of a chunk that met a brief outage each start
    once; only repeated starts of one message mean its worker keeps dying."""
    batch, sent = fanned_out(graph, redis_client, "r", 10)
    chunk, now, only = chunk_of(sent[0])
    for attempt in range(4):  # four runs that started and met a transient error
        batch.progress.count_delivery("job-r", chunk.index, "test", attempt)
    status = batch.run_chunk("job-r", chunk, now, only, "test", attempt=4)
    assert status is not None and (status.state, status.failed) == (JobState.SUCCEEDED, 0)
    for _ in range(3):  # the same message delivered again and again: its worker keeps dying
        batch.progress.count_delivery("job-k", 0, "test", 0)
    assert batch.progress.count_delivery("job-k", 0, "test", 0) == 4


def test_a_fan_out_run_again_after_its_batch_finished_leaves_it_alone(
    graph: Graph, redis_client: redis.Redis
) -> None:
    batch, sent = fanned_out(graph, redis_client, "done", 10)
    for message in sent:
        batch.run_chunk("job-done", *chunk_of(message), "test")
    assert batch.status("job-done").state is JobState.SUCCEEDED
    runner(graph, redis_client).fan_out("job-other", None, datetime.now(UTC), [].append)  # holds the lock now
    resent: list[dict[str, Any]] = []
    again = batch.fan_out("job-done", None, datetime.now(UTC), resent.append)
    assert again.state is JobState.SUCCEEDED and resent == []
    assert JobStore(graph).summary("job-done").state is JobState.SUCCEEDED


def test_a_fan_out_run_again_sends_its_chunks_with_the_first_runs_moment(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """A fan-out retried (the broker gone mid-group) or redelivered re-sends the unfinished chunks, one
    maybe still in flight from the first run: each took a new `now`, so the same chunk and plan ids got
    plans decayed to different moments."""
    batch, sent = fanned_out(graph, redis_client, "moment", 30, chunk_size=10)
    first_now = {chunk_of(m)[1] for m in sent}
    assert len(sent) == 3 and len(first_now) == 1
    batch.run_chunk("job-moment", *chunk_of(sent[0]), "test")
    resent: list[dict[str, Any]] = []
    batch.fan_out("job-moment", None, datetime.now(UTC) + timedelta(minutes=5), resent.append)
    assert [chunk_of(m)[0].index for m in resent] == [1, 2]
    assert {chunk_of(m)[1] for m in resent} == first_now


def test_a_job_that_can_no_longer_start_reads_as_failed_not_queued_forever(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The nightly creates its job, then the chain's retrain fails (or its message expires): nothing
    will ever start the recompute. Past its start_by the job is failed, with the reason, in Neo4j too."""
    service = JobService(redis_client, graph, WorkerSettings())
    later = service.create(KIND_RECOMPUTE_ALL, None, datetime.now(UTC) + timedelta(hours=1))
    assert service.status(later).state is JobState.QUEUED
    missed = service.create(KIND_RECOMPUTE_ALL, None, datetime.now(UTC) - timedelta(seconds=1))
    status = service.status(missed)
    assert status.state is JobState.FAILED and "never started" in (status.message or "")
    assert JobStore(graph).summary(missed).state is JobState.FAILED
    plain = service.create(KIND_RECOMPUTE_ALL, None)  # POST /jobs/recompute: its message never expires
    assert service.status(plain).state is JobState.QUEUED


def test_a_batch_plan_is_dated_when_its_chunk_read_mastery_not_at_the_fan_out(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """Fanned out an hour ago, run now: the plan includes every answer stored before its read, so the
    serving path must not see answers of the last hour as newer than the plan."""
    batch, sent = fanned_out(graph, redis_client, "dated", 5)
    chunk, _, only = chunk_of(sent[0])
    fanned_at = datetime.now(UTC) - timedelta(hours=1)
    before_read = datetime.now(UTC)
    batch.run_chunk("job-dated", chunk, fanned_at, only, "test")
    plan = json.loads(redis_client.get(plan_key(chunk.learner_ids[0])))
    assert datetime.fromisoformat(plan["created_at"]) >= before_read


def test_a_learner_with_goals_and_no_mastery_yet_is_planned_with_the_others(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """Columns of mastery must stay aligned for a learner with none: an OPTIONAL MATCH gave them
    `concepts: []` but `p: [-1.0]`, and the chunk failed on every retry, planning none of its learners."""
    document = seed_curriculum(graph, "goals-only-test", concepts=10)
    ids = seed_learners(graph, 5, "goals-only-", [c.id for c in document.concepts])
    MasteryService(MasteryStore(graph)).set_goals("goals-only-new", [document.concepts[-1].id])
    batch = runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-goals", None, datetime.now(UTC), sent.append)
    for message in sent:
        batch.run_chunk("job-goals", *chunk_of(json.loads(json.dumps(message))), "test")
    status = batch.status("job-goals")
    assert status.state is JobState.SUCCEEDED, status
    assert (status.done, status.failed) == (6, 0)
    for learner in [*ids, "goals-only-new"]:
        assert redis_client.get(plan_key(learner)) is not None, learner


def test_a_curriculum_past_the_planners_size_fails_its_learners_only(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks mix curricula: the size refusal of one once escaped the chunk and failed all its learners."""
    small = seed_curriculum(graph, "fits-test", concepts=4)
    big = seed_curriculum(graph, "big-test", concepts=8)
    fits = seed_learners(graph, 6, "a-fits-", [c.id for c in small.concepts])
    too_big = seed_learners(graph, 4, "b-big-", [c.id for c in big.concepts])
    monkeypatch.setattr("kgplatform.planning.store.MAX_PLANNED_CONCEPTS", 6)
    batch = runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-size", None, datetime.now(UTC), sent.append, chunk_size=100)
    assert len(sent) == 1  # one chunk holds both curricula's learners
    chunk, now, only = chunk_of(json.loads(json.dumps(sent[0])))
    batch.run_chunk("job-size", chunk, now, only, "test")
    status = batch.status("job-size")
    assert (status.done, status.failed) == (10, 4), status
    assert all(redis_client.get(plan_key(i)) for i in fits)
    assert not any(redis_client.get(plan_key(i)) for i in too_big)
    (failure,) = status.failures
    assert "big-test" in failure.reason and "at most 6" in failure.reason
