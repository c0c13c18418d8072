"""What a batch counts of its chunks' retrace when the learners are not all stale: `retraced` is the
learners replayed, `retrace_left` those found stale that no transaction settled. A learner already current
is in neither, and one erased after the chunk listed it is settled (gone), not left: an operator reading
`jobs show` runs `kgplatform retrace` for the left ones only."""

from __future__ import annotations

from collections.abc import Sequence

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch_retrace import ChunkRetracer
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.jobs.test_batch_retrace import (  # noqa: F401
    refitted,
    run_batch,
    runner,
    synthetic,
    ticking,
)
from tests.integration.mastery.test_order import ingest

LEARNERS = 30
CURRENT = 10
PAGE = 5


class ErasingTheFirstStale(MasteryService):
    """Erases the first learner it finds stale right after finding them: an erase committing between the
    chunk's unlocked read and its first transaction."""

    def stale_among(self, learner_ids: Sequence[str]) -> list[str]:
        stale = super().stale_among(learner_ids)
        self.erase(stale[0])
        return stale


def test_a_chunk_out_of_time_counts_as_left_only_the_stale_learners_no_transaction_settled(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,  # noqa: F811
) -> None:
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 900, seed=35), 300)
    learner_ids = sorted(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    MasteryService(MasteryStore(graph), lambda: refit).retrace(learner_ids[-CURRENT:])  # current already
    service = ErasingTheFirstStale(MasteryStore(graph), lambda: refit)
    # The clock moves 100 s a read and the budget is 50 s: the first page (5 of the 20 stale, one of them
    # erased meanwhile) runs, and the check before the second finds the budget spent.
    short = ChunkRetracer(service, redis_client, 50.0, clock=ticking(100.0), page_size=PAGE)
    status = run_batch(runner(graph, redis_client, refit, short), "job-mixed", chunk_size=LEARNERS)
    assert status.state is JobState.SUCCEEDED, status
    stale = LEARNERS - CURRENT
    assert (status.retraced, status.retrace_left) == (PAGE - 1, stale - PAGE), status
    assert f"{stale - PAGE} not reached in the chunks' time" in (status.message or "")
    left = MasteryService(MasteryStore(graph), lambda: refit).stale_among(learner_ids)
    assert len(left) == stale - PAGE


def test_a_chunk_that_replayed_nobody_before_its_time_ran_out_still_says_how_many_it_left(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,  # noqa: F811
) -> None:
    """Pages of one: the only transaction the budget allows settles the learner erased meanwhile, so the
    batch retraced nobody, and the operator must still read that the other stale ones were not reached."""
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 900, seed=36), 300)
    refit = refitted(synthetic)
    service = ErasingTheFirstStale(MasteryStore(graph), lambda: refit)
    short = ChunkRetracer(service, redis_client, 50.0, clock=ticking(100.0), page_size=1)
    status = run_batch(runner(graph, redis_client, refit, short), "job-none", chunk_size=LEARNERS)
    assert (status.retraced, status.retrace_left) == (0, LEARNERS - 1), status
    assert f"{LEARNERS - 1} not reached in the chunks' time" in (status.message or "")
