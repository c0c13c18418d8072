"""A batch's chunks trace their stale learners again before planning them (`jobs.batch_retrace`): after a
refit, the batch's plans are those a `kgplatform retrace` followed by a batch makes, within the chunks'
time budget, and the job says how many were traced again and how many it had no time to reach."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.batch_retrace import ChunkRetracer
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from kgplatform.planning.cache import answered_after, answered_key, plan_key
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from tests.integration.mastery.conftest import all_mastery, load_curriculum
from tests.integration.mastery.test_order import ingest

LEARNERS = 30


@pytest.fixture
def synthetic(graph: Graph) -> SyntheticCurriculum:
    """12 concepts in a prerequisite chain, 40 tasks (as the mastery tests' curriculum)."""
    made = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, made)
    return made


def refitted(curriculum: SyntheticCurriculum) -> TracerParams:
    """Parameters unlike the defaults on every concept, under their own version (as `fit-tracer` writes)."""
    base = TracerParams.default(tuple(c["id"] for c in curriculum.concepts))
    return dataclasses.replace(
        base, p_learn=base.p_learn * 0.5 + 0.2, p_guess=base.p_guess * 0.5, model_version="bkt-refit"
    )


def runner(
    graph: Graph, client: redis.Redis, params: TracerParams, retracer: ChunkRetracer | None
) -> BatchRunner:
    return BatchRunner(PlanStore(graph), JobStore(graph), client, WorkerSettings(), params, retracer=retracer)


def run_batch(batch: BatchRunner, job_id: str, chunk_size: int = 10) -> JobStatus:
    sent: list[dict[str, Any]] = []
    batch.fan_out(job_id, None, datetime.now(UTC), sent.append, chunk_size)
    for message in sent:
        chunk, now, only = chunk_of(json.loads(json.dumps(message)))
        batch.run_chunk(job_id, chunk, now, only, "test")
    return batch.status(job_id)


def plans(client: redis.Redis, learner_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Each learner's cached plan's tasks (their order, reasons and predicted success)."""
    return {
        learner_id: json.loads(raw)["tasks"]
        for learner_id, raw in zip(learner_ids, client.mget([plan_key(i) for i in learner_ids]), strict=True)
    }


def retracer(
    graph: Graph, client: redis.Redis, params: TracerParams, budget_s: float = 300.0, **kwargs: Any
) -> ChunkRetracer:
    return ChunkRetracer(MasteryService(MasteryStore(graph), lambda: params), client, budget_s, **kwargs)


def test_after_a_refit_the_batch_plans_from_mastery_traced_again(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,
) -> None:
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 900, seed=31), 300)
    learner_ids = list(JobStore(graph).learner_ids())
    assert len(learner_ids) == LEARNERS
    refit = refitted(synthetic)
    stale = all_mastery(graph)

    # Planned from mastery as stored (the setting off): the reference a retrace must change.
    status = run_batch(runner(graph, redis_client, refit, None), "job-as-stored")
    assert (status.state, status.retraced, status.retrace_left) == (JobState.SUCCEEDED, 0, 0)
    from_stale = plans(redis_client, learner_ids)
    assert all_mastery(graph) == stale

    status = run_batch(
        runner(graph, redis_client, refit, retracer(graph, redis_client, refit)), "job-retraced"
    )
    assert (status.state, status.done, status.failed) == (JobState.SUCCEEDED, LEARNERS, 0), status
    assert (status.retraced, status.retrace_left) == (LEARNERS, 0)
    assert f"{LEARNERS} learners traced again" in (status.message or "")
    retraced = all_mastery(graph)
    assert retraced != stale
    from_retraced = plans(redis_client, learner_ids)
    assert from_retraced != from_stale
    # Served as fresh: each plan is dated after the stamp the retrace put on its learner's answers.
    for learner_id in learner_ids:
        record = json.loads(redis_client.get(plan_key(learner_id)))
        stamp = redis_client.get(answered_key(learner_id))
        assert not answered_after(stamp, datetime.fromisoformat(record["created_at"]))

    # The same as `kgplatform retrace` by hand, then a batch that plans from mastery as stored.
    MasteryService(MasteryStore(graph), lambda: refit).retrace(learner_ids)
    assert all_mastery(graph) == retraced
    run_batch(runner(graph, redis_client, refit, None), "job-after-retrace")
    assert plans(redis_client, learner_ids) == from_retraced

    # Nobody is stale now: the next batch replays nobody, and its message says nothing of it.
    again = run_batch(runner(graph, redis_client, refit, retracer(graph, redis_client, refit)), "job-again")
    assert (again.retraced, again.retrace_left) == (0, 0)
    assert "traced again" not in (again.message or "")
    assert all_mastery(graph) == retraced
    # And the summary kept in Neo4j says what the chunks did, once Redis has let the progress go.
    redis_client.delete("kgp:job:job-retraced")
    stored = JobStore(graph).summary("job-retraced")
    assert stored is not None and (stored.retraced, stored.retrace_left) == (LEARNERS, 0)


def ticking(step_s: float) -> Callable[[], float]:
    """A clock that moves `step_s` each time it is read."""
    now = [time.monotonic()]

    def clock() -> float:
        now[0] += step_s
        return now[0]

    return clock


def test_a_chunk_out_of_time_plans_the_rest_from_mastery_as_stored_and_says_so(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,
) -> None:
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 900, seed=32), 300)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    # Pages of 5; the clock moves 100 s a read, the budget is 150 s from its first read: the first page
    # always runs, the second is checked 100 s in (runs), the third 200 s in (out of time): 10 learners of
    # the chunk's 30 are traced again.
    slow = retracer(graph, redis_client, refit, 150.0, clock=ticking(100.0), page_size=5)
    status = run_batch(runner(graph, redis_client, refit, slow), "job-short", chunk_size=LEARNERS)
    assert (status.state, status.done, status.failed) == (JobState.SUCCEEDED, LEARNERS, 0), status
    assert (status.retraced, status.retrace_left) == (10, 20)
    assert "20 not reached in the chunks' time" in (status.message or "")
    assert "`kgplatform retrace`" in (status.message or "")
    # Everyone was planned all the same; the 20 left are replayed by the retrace the job points to.
    assert all(plans(redis_client, learner_ids).values())
    rest = MasteryService(MasteryStore(graph), lambda: refit).retrace(learner_ids)
    assert (len(rest.replayed), rest.up_to_date) == (20, 10)
