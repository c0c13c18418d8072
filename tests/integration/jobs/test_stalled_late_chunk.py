"""A chunk that comes back after its batch was failed as stalled (every worker was down for longer than
the stall check waits) still plans its learners: only a cancelled batch's chunks plan nothing."""

from __future__ import annotations

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of
from kgplatform.jobs.service import JobService
from kgplatform.planning.cache import plan_key
from kgplatform.settings import WorkerSettings
from tests.integration.jobs.batches import fanned_out
from tests.integration.jobs.test_batch_ends import silence


def test_a_late_chunk_of_a_stalled_batch_still_plans(graph: Graph, redis_client: redis.Redis) -> None:
    batch, sent = fanned_out(graph, redis_client, "late", 20, chunk_size=10)
    silence(redis_client, "job-late", WorkerSettings().stall_after_s + 60)
    JobService(redis_client, graph, WorkerSettings()).status("job-late")  # any reader fails it as stalled
    batch.run_chunk("job-late", *chunk_of(sent[0]), "test")  # the workers are back
    learners = chunk_of(sent[0])[0].learner_ids
    assert all(redis_client.exists(plan_key(learner)) for learner in learners)
