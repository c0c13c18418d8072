"""Job summaries in Neo4j stay bounded by age: a year of nightly batches must not pile up (:Job) nodes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.settings import WorkerSettings


def ended(job_id: str, finished_at: datetime, state: JobState = JobState.SUCCEEDED) -> JobStatus:
    return JobStatus(
        id=job_id,
        kind="recompute_all",
        state=state,
        created_at=finished_at - timedelta(minutes=5),
        started_at=finished_at - timedelta(minutes=4),
        finished_at=finished_at,
    )


def test_saving_a_summary_deletes_those_that_ended_more_than_the_kept_days_before(graph: Graph) -> None:
    store = JobStore(graph, summary_days=30)
    now = datetime.now(UTC)
    store.save_summary(ended("job-old", now - timedelta(days=31)))
    store.save_summary(ended("job-recent", now - timedelta(days=29)))
    assert {s.id for s in store.newest_summaries(10)} == {"job-old", "job-recent"}  # nothing newer yet

    store.save_summary(ended("job-now", now))

    assert {s.id for s in store.newest_summaries(10)} == {"job-recent", "job-now"}
    assert store.summary("job-old") is None


def test_a_summary_saved_late_for_an_old_batch_keeps_the_newer_ones(graph: Graph) -> None:
    """The cutoff runs from the saved batch's own end: a batch closed late (its summary written on a
    retry days after) deletes nothing its own age would not."""
    store = JobStore(graph, summary_days=30)
    now = datetime.now(UTC)
    store.save_summary(ended("job-now", now))
    store.save_summary(ended("job-late", now - timedelta(days=40)))
    assert {s.id for s in store.newest_summaries(10)} == {"job-now", "job-late"}


def test_the_service_prunes_by_the_setting(graph: Graph, redis_client: redis.Redis) -> None:
    jobs = JobService(redis_client, graph, WorkerSettings(job_summary_days=7))
    assert jobs.store.summary_days == 7
    assert WorkerSettings().job_summary_days > 366  # the default keeps last year's same night
