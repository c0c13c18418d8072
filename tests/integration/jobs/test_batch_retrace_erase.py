"""A learner erased while a batch chunk traces its learners again leaves nothing in Redis: the chunk reads
which learners are stale, then marks their plans stale (an answer stamp), and an erase between the two
left that stamp under the erased learner's id for a plan's lifetime (a review, 7 December 2026: found
reading the chunk while racing DELETE /learners/{id} with real workers' drains and chunks; the window, one
Redis call wide, was not hit in 40 rounds of that race, so the erase is put in it here)."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch_retrace import ChunkRetracer
from kgplatform.mastery.erasure import erase_learner
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.planning.cache import answered_key
from tests.integration.jobs.test_batch_retrace import refitted, synthetic  # noqa: F401 - a fixture
from tests.integration.mastery.test_order import ingest


def test_an_erase_between_the_chunks_read_and_its_stamps_leaves_no_stamp(
    graph: Graph,
    redis_client: redis.Redis,
    synthetic: SyntheticCurriculum,  # noqa: F811 - the fixture imported above
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = make_answers(synthetic, 2, 20, seed=71)
    ingest(MasteryService(MasteryStore(graph)), rows, 20)
    erased_id, kept_id = sorted({row["learner_id"] for row in rows})
    # Traced under the default parameters, both are stale under a refit.
    under_refit = MasteryService(MasteryStore(graph), lambda: refitted(synthetic))
    read_stale = under_refit.stale_among

    def erased_after_the_read(learner_ids: Sequence[str]) -> list[str]:
        stale = read_stale(learner_ids)
        erase_learner(MasteryService(MasteryStore(graph)), redis_client, erased_id)
        return stale

    monkeypatch.setattr(under_refit, "stale_among", erased_after_the_read)
    done = ChunkRetracer(under_refit, redis_client, budget_s=60.0)([erased_id, kept_id])

    assert done.replayed == 1, done  # the erased learner was not traced again (not re-created)
    assert MasteryStore(graph).missing_learners([erased_id, kept_id]) == [erased_id]
    assert not redis_client.exists(answered_key(erased_id))
    assert redis_client.exists(answered_key(kept_id))
    assert not [key for key in redis_client.scan_iter(match=f"*{erased_id}*") if b":plan:" not in key]
