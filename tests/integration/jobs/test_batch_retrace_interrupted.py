"""A chunk's retrace cut short between two of its transactions (its worker killed, Neo4j or Redis gone):
every learner the chunk found stale had their answers stamped before its first page, so a plan cached from
their older mastery is no longer served as fresh; the chunk's retry replays the rest once, and the batch
ends as one uninterrupted would. Before 6 December 2026 (a review) the chunk stamped its replayed learners
only after its last transaction: the retry found them current, replayed and stamped nobody, and their old
plans read fresh."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
import redis
from neo4j.exceptions import ServiceUnavailable

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import chunk_of
from kgplatform.jobs.batch_retrace import ChunkRetracer
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.planning.cache import answered_after, answered_key, plan_key
from tests.integration.jobs.test_batch_retrace import refitted, run_batch, runner, synthetic  # noqa: F401
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import ingest, reset

LEARNERS = 30
PAGE = 5


def gone_after_first_page() -> Callable[[], float]:
    """A clock whose second read (the budget's check before the second transaction) raises, as the
    database going away between two of the retrace's transactions does."""
    reads = [0]

    def clock() -> float:
        reads[0] += 1
        if reads[0] > 1:
            raise ServiceUnavailable("Neo4j went away between two retrace transactions")
        return 0.0

    return clock


def stale_plans(client: redis.Redis, learner_ids: list[str]) -> set[str]:
    """The learners whose cached plan the serving rule (`answered_after`) calls stale."""
    return {
        learner_id
        for learner_id in learner_ids
        if answered_after(
            client.get(answered_key(learner_id)),
            datetime.fromisoformat(json.loads(client.get(plan_key(learner_id)))["created_at"]),
        )
    }


def test_a_retrace_cut_between_pages_leaves_no_old_plan_served_as_fresh(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,  # noqa: F811
) -> None:
    log = make_answers(synthetic, LEARNERS, 900, seed=33)
    ingest(MasteryService(MasteryStore(graph)), log, 300)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    # Every learner has a plan made from mastery traced under the old parameters (the batch without the
    # retrace), served as fresh: nobody answered since.
    run_batch(runner(graph, redis_client, refit, None), "job-before")
    assert stale_plans(redis_client, learner_ids) == set()

    sent: list[dict[str, Any]] = []
    cut = ChunkRetracer(under_refit, redis_client, 300.0, clock=gone_after_first_page(), page_size=PAGE)
    batch = runner(graph, redis_client, refit, cut)
    batch.fan_out("job-cut", None, datetime.now(UTC), sent.append, LEARNERS)
    (message,) = sent
    chunk, now, only = chunk_of(json.loads(json.dumps(message)))
    with pytest.raises(ServiceUnavailable):
        batch.run_chunk("job-cut", chunk, now, only, "test")
    still_stale = under_refit.stale_among(learner_ids)
    replayed = set(learner_ids) - set(still_stale)
    assert len(replayed) == PAGE, "the first transaction did not commit: nothing was cut short"
    # Every learner the chunk found stale reads stale, replayed or not: marked before the first page.
    assert stale_plans(redis_client, learner_ids) == set(learner_ids)

    # The chunk's retry (a new run, its full budget): replays the other 25 once, plans everyone.
    whole = ChunkRetracer(under_refit, redis_client, 300.0, page_size=PAGE)
    runner(graph, redis_client, refit, whole).run_chunk("job-cut", chunk, now, only, "test", attempt=1)
    status = batch.status("job-cut")
    assert (status.state, status.done, status.failed, status.skipped) == (JobState.SUCCEEDED, LEARNERS, 0, 0)
    # The counted run's replays: the first run's 5 are not counted (documented on JobStatus.retraced).
    assert (status.retraced, status.retrace_left) == (LEARNERS - PAGE, 0), status
    assert stale_plans(redis_client, learner_ids) == set()  # the retry's plans are newer than every stamp
    assert under_refit.stale_among(learner_ids) == []
    retraced = all_mastery(graph)

    # The mastery of ingesting the whole log under the new parameters.
    reset(graph, synthetic)
    ingest(under_refit, log, 900)
    assert all_mastery(graph) == retraced


def test_a_cancel_between_pages_stops_the_retrace_and_the_chunk_plans_the_rest_as_stored(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,  # noqa: F811
) -> None:
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 900, seed=34), 300)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    sent: list[dict[str, Any]] = []
    batch = runner(graph, redis_client, refit, None)
    batch.fan_out("job-cancelled", None, datetime.now(UTC), sent.append, LEARNERS)
    reads = [0]

    def cancelled_after_first_page() -> float:
        """The budget's clock; its second read, before the second transaction, follows an operator's
        `kgplatform jobs cancel` (the budget itself is never spent)."""
        reads[0] += 1
        if reads[0] == 2:
            batch.jobs.cancel("job-cancelled", "an operator")
        return 0.0

    retracer = ChunkRetracer(
        under_refit, redis_client, 300.0, clock=cancelled_after_first_page, page_size=PAGE
    )
    (message,) = sent
    chunk, now, only = chunk_of(json.loads(json.dumps(message)))
    runner(graph, redis_client, refit, retracer).run_chunk("job-cancelled", chunk, now, only, "test")
    # One page replayed, then nothing more: the other 25 are left to `kgplatform retrace` or the next batch.
    assert len(under_refit.stale_among(learner_ids)) == LEARNERS - PAGE
    status = batch.status("job-cancelled")
    assert status.state is JobState.FAILED and (status.message or "").startswith("cancelled by an operator")
    assert (status.retraced, status.retrace_left) == (PAGE, LEARNERS - PAGE), status
    assert all(redis_client.mget([plan_key(i) for i in learner_ids]))  # the running chunk still planned all
