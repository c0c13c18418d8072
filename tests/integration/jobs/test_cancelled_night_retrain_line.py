"""A night cancelled while its retrain trained: the retrain ends after the cancel saved the job's summary,
so its "not published" line was written to the job's progress in Redis only, and `jobs show` lost it once
Redis let the progress expire (docs/workers.md, "Progress and summaries"; a review, 5 December 2026)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.progress import KEY_PREFIX
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.settings import WorkerSettings
from kgplatform.transfer.summary import describe_retrain


@pytest.fixture(autouse=True)
def worker_clients(graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's clients are the test's: a driver the worker module opened itself stayed unclosed."""
    from workers import tasks

    monkeypatch.setattr(tasks, "get_graph", lambda: graph)
    monkeypatch.setattr(tasks, "get_redis", lambda: redis_client)


def test_a_cancelled_nights_retrain_line_is_kept_in_its_summary(
    graph: Graph, redis_client: redis.Redis
) -> None:
    from workers.tasks import note_retrain_outcome

    jobs = JobService(redis_client, graph, WorkerSettings())
    job_id = jobs.start_nightly(datetime.now(UTC) + timedelta(hours=1), lambda _job_id: None)
    jobs.cancel(job_id, by="cli:operator")  # the summary is saved now, while the retrain still trains
    line = describe_retrain("transfer-v1", edges=0, published=False, cancelled=True)
    note_retrain_outcome(job_id, line)  # what the retrain does when it ends

    assert jobs.status(job_id).retrain == line  # from Redis
    for key in redis_client.scan_iter(f"{KEY_PREFIX}{job_id}*"):
        redis_client.delete(key)
    summary = JobStore(graph).summary(job_id)
    assert summary is not None and summary.retrain == line, summary
    assert summary.message == "cancelled by cli:operator"


def test_a_running_nights_retrain_line_creates_no_summary(graph: Graph, redis_client: redis.Redis) -> None:
    """The usual night: its summary is written when its recompute ends, from the progress (line included);
    the retrain must not leave a summary of a job still running."""
    from workers.tasks import note_retrain_outcome

    jobs = JobService(redis_client, graph, WorkerSettings())
    job_id = jobs.start_nightly(datetime.now(UTC) + timedelta(hours=1), lambda _job_id: None)
    note_retrain_outcome(job_id, describe_retrain("transfer-v2", edges=3, published=True))
    assert JobStore(graph).summary(job_id) is None
    assert jobs.status(job_id).retrain is not None


def test_a_cancelled_nights_failed_retrain_is_kept_in_its_summary(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The same for a retrain that failed after its night was cancelled: its error was in Redis only."""
    from workers import tasks

    jobs = JobService(redis_client, graph, WorkerSettings())
    job_id = jobs.start_nightly(datetime.now(UTC) + timedelta(hours=1), lambda _job_id: None)
    jobs.cancel(job_id, by="cli:operator")
    tasks.retrain_transfer.on_failure(RuntimeError("out of\nmemory"), "task-1", (), {"job_id": job_id}, None)

    for key in redis_client.scan_iter(f"{KEY_PREFIX}{job_id}*"):
        redis_client.delete(key)
    summary = JobStore(graph).summary(job_id)
    assert summary is not None and summary.retrain == "failed: RuntimeError: out of memory", summary
