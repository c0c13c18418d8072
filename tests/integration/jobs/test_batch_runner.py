"""The batch's steps in-process on the real Neo4j and Redis: chunks in any order and twice, learners
without a curriculum, the lock against a second batch, and the summary that outlives Redis."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from tests.integration.workers.seeding import seed_curriculum, seed_learners


def runner(graph: Graph, client: redis.Redis) -> BatchRunner:
    return BatchRunner(PlanStore(graph), JobStore(graph), client, WorkerSettings(), TracerParams.default(()))


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
    for message in sent:
        chunk, now, only = chunk_of(message)
        batch.run_chunk("job-o", chunk, now, only)
    status = batch.status("job-o")
    assert (status.state, status.done, status.skipped) == (JobState.SUCCEEDED, 10, 10)
