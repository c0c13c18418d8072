"""Every batch ends, on the real Neo4j and Redis: one whose chunks or fan-out were lost (a Redis blip while
Celery sent a retry) is failed by the stall check naming the missing chunks, a failed fan-out fails its
job, and learners deleted after the fan-out are skipped, not failed. Plus what the batch metric counts."""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis
from typer.testing import CliRunner

from kgplatform.cli import app, main
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of
from kgplatform.jobs.models import JobState
from kgplatform.jobs.progress import job_key
from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
from kgplatform.jobs.store import JobStore
from kgplatform.planning.cache import plan_key
from kgplatform.settings import WorkerSettings
from tests.integration.jobs.batches import fanned_out, runner

SETTINGS = WorkerSettings()


def silence(client: redis.Redis, job_id: str, seconds: float) -> None:
    """As if the batch's last sign of life was `seconds` ago."""
    then = datetime.now(UTC) - timedelta(seconds=seconds)
    client.hset(job_key(job_id), "updated_at", then.isoformat())


def test_a_batch_whose_chunks_were_lost_fails_naming_them_and_frees_the_lock(
    graph: Graph, redis_client: redis.Redis
) -> None:
    batch, sent = fanned_out(graph, redis_client, "lost", 50, chunk_size=10)
    for message in sent[:2]:  # chunks 2-4 never come back (their retry was never published)
        batch.run_chunk("job-lost", *chunk_of(message), "test")
    jobs = JobService(redis_client, graph, SETTINGS)
    silence(redis_client, "job-lost", SETTINGS.stall_after_s - 60)
    assert jobs.status("job-lost").state is JobState.RUNNING  # quiet, but a lost chunk may still return
    assert jobs.running_batch() == "job-lost"

    silence(redis_client, "job-lost", SETTINGS.stall_after_s + 60)
    status = jobs.status("job-lost")
    assert status.state is JobState.FAILED and "never counted: 2, 3, 4" in (status.message or ""), status
    assert JobStore(graph).summary("job-lost").state is JobState.FAILED
    assert jobs.running_batch() is None and batch.lock.holder() is None


def test_a_stalled_batch_does_not_block_the_next_one(graph: Graph, redis_client: redis.Redis) -> None:
    """The nightly fan-out finds the lock held by a batch that can no longer finish: it runs anyway."""
    batch, _ = fanned_out(graph, redis_client, "stuck", 20, chunk_size=10)
    silence(redis_client, "job-stuck", SETTINGS.stall_after_s + 60)
    status = runner(graph, redis_client).fan_out("job-next", None, datetime.now(UTC), [].append)
    assert status.state is JobState.RUNNING and batch.lock.holder() == "job-next"
    assert batch.status("job-stuck").state is JobState.FAILED


def test_a_stalled_batch_whose_chunks_were_all_counted_is_finalised_not_failed(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The last chunk was counted but its finalising step was lost: the counts say how it ended."""
    batch, sent = fanned_out(graph, redis_client, "counted", 10, chunk_size=10)
    chunk, _, _ = chunk_of(sent[0])
    batch.progress.record_chunk("job-counted", chunk.index, done=len(chunk.learner_ids))
    silence(redis_client, "job-counted", SETTINGS.stall_after_s + 60)
    assert batch.status("job-counted").state is JobState.SUCCEEDED
    assert batch.lock.holder() is None


def test_a_queued_job_no_worker_took_up_is_not_called_stalled(
    redis_client: redis.Redis, graph: Graph
) -> None:
    jobs = JobService(redis_client, graph, SETTINGS)
    job_id = jobs.create(KIND_RECOMPUTE_ALL, None)
    redis_client.hset(job_key(job_id), "created_at", (datetime.now(UTC) - timedelta(days=1)).isoformat())
    assert jobs.status(job_id).state is JobState.QUEUED


def test_a_fan_out_that_failed_for_good_fails_its_job_and_frees_the_lock(
    graph: Graph, redis_client: redis.Redis
) -> None:
    batch, _ = fanned_out(graph, redis_client, "abandoned", 20, chunk_size=10)
    status = batch.abandon("job-abandoned", "fan-out failed: OperationalError: broker away")
    assert status.state is JobState.FAILED and "broker away" in (status.message or "")
    assert batch.lock.holder() is None
    assert JobStore(graph).summary("job-abandoned").state is JobState.FAILED


def test_learners_deleted_after_the_fan_out_are_skipped_and_the_batch_succeeds(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """A learner listed by the fan-out, gone by the chunk's read, has no plan to make: the batch (and
    `recompute --wait`) must not read as failed for it."""
    batch, sent = fanned_out(graph, redis_client, "gone", 5, chunk_size=10)
    message = {**sent[0], "learner_ids": [*sent[0]["learner_ids"], "gone-deleted"]}
    planned: list[int] = []
    status = batch.run_chunk("job-gone", *chunk_of(message), "test", count_planned=planned.append)
    assert status is not None, "the only chunk completes the batch"
    assert (status.state, status.failed, status.skipped, status.done) == (JobState.SUCCEEDED, 0, 1, 6)
    assert planned == [5]  # the metric counts learners planned, not the chunk's size


def test_a_chunk_run_again_after_it_was_counted_is_not_counted_in_the_metric(
    graph: Graph, redis_client: redis.Redis
) -> None:
    batch, sent = fanned_out(graph, redis_client, "again", 12, chunk_size=10)
    planned: list[int] = []
    for message in [sent[0], sent[0], sent[1]]:
        batch.run_chunk("job-again", *chunk_of(message), "test", count_planned=planned.append)
    assert planned == [10, 2]


def test_a_fan_out_run_again_after_learners_changed_keeps_its_chunks_and_loses_nobody(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The fan-out's message came back (its worker was killed while sending) after a learner was deleted:
    the rerun split the learners again, every later chunk shifted under numbers already counted, and a
    learner of a chunk never sent landed in one counted as done: never planned, the batch read succeeded
    (a review, 1 December). The rerun now splits as the first fan-out did."""
    batch, sent = fanned_out(graph, redis_client, "shift", 10, chunk_size=3)
    first_split = [m["learner_ids"] for m in sent]
    for message in sent[:2]:  # chunks 0 and 1 ran and were counted; 2 and 3 were lost with the worker
        batch.run_chunk("job-shift", *chunk_of(message), "test")
    assert graph.write("testing/delete_learner", learner_id=first_split[0][1])
    resent: list[dict[str, Any]] = []
    batch.fan_out("job-shift", None, datetime.now(UTC), resent.append)
    assert [m["learner_ids"] for m in json.loads(json.dumps(resent))] == first_split[2:]
    for message in json.loads(json.dumps(resent)):
        status = batch.run_chunk("job-shift", *chunk_of(message), "test")
    assert status is not None and status.state is JobState.SUCCEEDED
    assert (status.total, status.done, status.chunks_done, status.chunks_total) == (10, 10, 4, 4)
    remaining = [learner for ids in first_split for learner in ids if learner != first_split[0][1]]
    assert [learner for learner in remaining if not redis_client.exists(plan_key(learner))] == []


def test_a_cancelled_batch_frees_the_lock_and_its_fan_out_and_chunks_plan_nothing(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A batch sent while no worker ran held the batch lock for hours (every other batch refused), and one
    sent for the wrong curriculum ran to its end: nothing could end either."""
    jobs = JobService(redis_client, graph, SETTINGS)
    sent: list[Any] = []
    queued = jobs.start_recompute_all(lambda _name, args, **_options: sent.append(args))
    with pytest.raises(Conflict):
        jobs.start_recompute_all(lambda _name, args, **_options: sent.append(args))
    cancelled = jobs.cancel(queued, by="cli:tester")
    assert cancelled.state is JobState.FAILED and cancelled.message == "cancelled by cli:tester"
    assert jobs.running_batch() is None and JobStore(graph).summary(queued).state is JobState.FAILED
    chunks: list[Any] = []
    runner(graph, redis_client).fan_out(queued, None, datetime.now(UTC), chunks.append)  # its message, late
    assert chunks == [] and jobs.status(queued).message == "cancelled by cli:tester"

    batch, messages = fanned_out(graph, redis_client, "cancel", 20, chunk_size=10)  # running: chunks sent
    assert jobs.cancel("job-cancel", by="cli:tester").state is JobState.FAILED
    late = batch.run_chunk("job-cancel", *chunk_of(messages[0]), "test")
    assert late is not None and late.message == "cancelled by cli:tester"
    learners = chunk_of(messages[0])[0].learner_ids
    assert not any(redis_client.exists(plan_key(learner)) for learner in learners)
    assert jobs.status("job-cancel").done == 0

    with pytest.raises(Conflict, match="has ended"):
        jobs.cancel("job-cancel", by="cli:tester")
    with pytest.raises(NotFound):
        jobs.cancel("job-never", by="cli:tester")
    for refused in ("job-never", "job-cancel"):  # no such job; one that has ended
        monkeypatch.setattr(sys, "argv", ["kgplatform", "jobs", "cancel", refused])
        with pytest.raises(SystemExit) as exited:
            main()
        assert exited.value.code == 4
    queued = jobs.start_recompute_all(lambda _name, args, **_options: sent.append(args))
    done = CliRunner().invoke(app, ["jobs", "cancel", queued], terminal_width=200)
    assert done.exit_code == 0 and "cancelled by cli:" in done.output, done.output
    assert jobs.running_batch() is None
