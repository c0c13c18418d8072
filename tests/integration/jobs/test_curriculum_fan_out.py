"""A batch for one curriculum fans out only the learners its chunks plan there: the same rule a chunk
skips learners by (`group_by_curriculum`), so none it would plan is left out and the job's total counts
that curriculum's learners, not every learner in the graph (found 5 December 2026: `recompute --all
--curriculum demo --chunk-size 50` sent 606 chunks for the curriculum's 300 learners)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of, group_by_curriculum
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import JobStore
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.pages import batch_plan_id
from tests.integration.jobs.batches import runner
from tests.integration.jobs.curricula import A, B, seed_two_curricula


def test_the_fan_out_for_a_curriculum_sends_exactly_the_learners_its_chunks_plan_there(
    graph: Graph, redis_client: redis.Redis
) -> None:
    ours, others = seed_two_curricula(graph, redis_client)
    everyone = list(JobStore(graph).learner_ids())
    assert sorted(everyone) == sorted(ours + others)
    # What a chunk holding every learner plans in each curriculum: the oracle, by the chunks' own code.
    groups, _ = group_by_curriculum(
        JobStore(graph).mastery_of(everyone), A, PlanCache(redis_client).curricula_of
    )
    assert sorted(row["learner_id"] for row in groups[A]) == ours

    batch = runner(graph, redis_client)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-scope", A, datetime.now(UTC), sent.append, chunk_size=3)
    assert sorted(i for m in sent for i in m["learner_ids"]) == ours
    assert len(sent) == 4  # 11 learners in chunks of 3
    status = batch.status("job-scope")
    assert (status.total, status.chunks_total) == (len(ours), 4)

    for message in sent:
        batch.run_chunk("job-scope", *chunk_of(json.loads(json.dumps(message))), "test")
    status = batch.status("job-scope")
    assert status.state is JobState.SUCCEEDED, status
    assert (status.total, status.done, status.failed, status.skipped) == (len(ours), len(ours), 0, 0)
    plans = {i: json.loads(redis_client.get(plan_key(i)) or "null") for i in ours + others}
    for learner in ours:
        assert plans[learner]["id"] == batch_plan_id("job-scope", learner), learner
        assert plans[learner]["curriculum_id"] == A, learner
    for learner in others:
        assert plans[learner] is None or plans[learner]["id"] != batch_plan_id("job-scope", learner), learner
    assert plans["new-kept-b-000000"]["curriculum_id"] == B  # its kept plan stays


def test_a_fan_out_run_again_splits_the_curriculum_as_the_first_did(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """A rerun (its worker died while sending) sends the chunks not counted, of the same learners."""
    ours, _ = seed_two_curricula(graph, redis_client)
    batch = runner(graph, redis_client)
    first: list[dict[str, Any]] = []
    batch.fan_out("job-again", A, datetime.now(UTC), first.append, chunk_size=3)
    batch.run_chunk("job-again", *chunk_of(json.loads(json.dumps(first[1]))), "test")
    again: list[dict[str, Any]] = []
    batch.fan_out("job-again", A, datetime.now(UTC), again.append, chunk_size=3)
    assert [m["learner_ids"] for m in again] == [m["learner_ids"] for i, m in enumerate(first) if i != 1]
    for message in again:
        batch.run_chunk("job-again", *chunk_of(json.loads(json.dumps(message))), "test")
    status = batch.status("job-again")
    assert (status.state, status.total, status.done, status.skipped) == (
        JobState.SUCCEEDED,
        len(ours),
        len(ours),
        0,
    )
