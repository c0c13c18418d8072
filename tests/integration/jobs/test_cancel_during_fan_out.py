"""A cancel that lands while the batch's fan-out is splitting the learners stays a cancel: the fan-out
must not mark the job running again (its lock is gone, so a second batch could then run beside it)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.settings import WorkerSettings
from tests.integration.jobs.batches import runner
from tests.integration.workers.seeding import seed_curriculum, seed_learners


def test_a_cancel_during_the_fan_out_is_not_undone(graph: Graph, redis_client: redis.Redis) -> None:
    document = seed_curriculum(graph, "racecancel-test", concepts=10)
    seed_learners(graph, 20, "racecancel-", [c.id for c in document.concepts])
    jobs = JobService(redis_client, graph, WorkerSettings())
    queued = jobs.start_recompute_all(lambda *_a, **_k: None)
    batch = runner(graph, redis_client)
    read = batch.job_store.learner_ids

    def read_then_cancelled() -> list[str]:  # the operator's cancel lands while the fan-out reads
        ids = read()
        jobs.cancel(queued, by="cli:tester")
        return ids

    batch.job_store.learner_ids = read_then_cancelled  # type: ignore[method-assign]
    sent: list[dict[str, Any]] = []
    batch.fan_out(queued, None, datetime.now(UTC), sent.append, 10)
    for message in [json.loads(json.dumps(m)) for m in sent]:
        batch.run_chunk(queued, *chunk_of(message), "test")
    status = jobs.status(queued)
    assert status.state is JobState.FAILED and status.message == "cancelled by cli:tester", status
    assert batch.lock.holder() != queued
