"""A batch for one curriculum fans out only the learners its chunks plan there: the same rule a chunk
skips learners by (`group_by_curriculum`), so none it would plan is left out and the job's total counts
that curriculum's learners, not every learner in the graph (found 5 December 2026: `recompute --all
--curriculum demo --chunk-size 50` sent 606 chunks for the curriculum's 300 learners)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of, group_by_curriculum
from kgplatform.jobs.models import JobState
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from tests.integration.jobs.batches import runner
from tests.integration.jobs.curricula import A, B, seed_two_curricula
from tests.integration.workers.seeding import seed_curriculum


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


class PageCounter:
    """Records how many learners each read of a curriculum's learners' counts returned."""

    def __init__(self, graph: Graph, monkeypatch: pytest.MonkeyPatch) -> None:
        self.pages: list[int] = []
        read_plain = graph.read_plain

        def recording(name: str, /, **params: Any) -> list[Any]:
            rows = read_plain(name, **params)
            if name == "jobs/count_learner_curricula":
                self.pages.append(len(rows[0]["learner_ids"]))
            return rows

        monkeypatch.setattr(graph, "read_plain", recording)


# The seeded learners touching A: 7 in A only and 6 in both (3 of those planned in B).
TOUCHING_A = 13


@pytest.mark.parametrize(
    ("page", "pages"),
    [
        (TOUCHING_A, [TOUCHING_A]),  # exactly one page
        (TOUCHING_A - 1, [TOUCHING_A - 1, 1]),  # one more than a page
        (1, [1] * TOUCHING_A),
        (100, [TOUCHING_A]),
    ],
)
def test_a_curriculums_learners_are_read_page_by_page_and_fanned_out_alike(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch, page: int, pages: list[int]
) -> None:
    """One row of every learner's counts grew with the curriculum; pages of `learner_page` keep the
    fan-out's read bounded. Whatever the page, each learner is listed once, in id order, with the
    counts one page of them all gives, and the fan-out sends the learners its chunks plan."""
    ours, others = seed_two_curricula(graph, redis_client)
    whole = list(JobStore(graph, learner_page=1000).curriculum_learners(A))
    assert [learner.learner_id for learner in whole] == sorted(learner.learner_id for learner in whole)
    assert len(whole) == TOUCHING_A
    counter = PageCounter(graph, monkeypatch)
    store = JobStore(graph, learner_page=page)
    assert list(store.curriculum_learners(A)) == whole
    assert counter.pages == pages

    batch = BatchRunner(PlanStore(graph), store, redis_client, WorkerSettings(), TracerParams.default(()))
    sent: list[dict[str, Any]] = []
    batch.fan_out(f"job-page-{page}", A, datetime.now(UTC), sent.append, chunk_size=4)
    assert [i for m in sent for i in m["learner_ids"]] == ours
    assert max(counter.pages) <= page


def test_a_learner_in_two_curricula_is_listed_in_both_and_fanned_out_in_one(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """Learners touching A and B come in both curricula's pages with the same counts; the fan-outs for A
    and for B send each learner with a curriculum once, in the one its chunks plan it in."""
    ours, others = seed_two_curricula(graph, redis_client)
    store = JobStore(graph, learner_page=2)
    in_a = {learner.learner_id: learner for learner in store.curriculum_learners(A)}
    in_b = {learner.learner_id: learner for learner in store.curriculum_learners(B)}
    both = sorted(set(in_a) & set(in_b))
    assert both == sorted(i for i in ours + others if i.startswith("both-"))
    assert all(in_a[i] == in_b[i] and set(in_a[i].practice) == {A, B} for i in both)

    batch = BatchRunner(PlanStore(graph), store, redis_client, WorkerSettings(), TracerParams.default(()))
    fanned: dict[str, list[str]] = {}
    for curriculum in (A, B):
        sent: list[dict[str, Any]] = []
        batch.fan_out(f"job-{curriculum}", curriculum, datetime.now(UTC), sent.append, chunk_size=3)
        fanned[curriculum] = [i for m in sent for i in m["learner_ids"]]
        batch.lock.release(f"job-{curriculum}")  # its chunks are not run here: the next fan-out may start
    assert fanned[A] == ours
    assert fanned[B] == [i for i in others if i != "new-none-000000"]  # neither goals nor a kept plan


def test_a_batch_for_a_curriculum_without_learners_sends_nothing_and_ends(
    graph: Graph, redis_client: redis.Redis
) -> None:
    seed_two_curricula(graph, redis_client)
    seed_curriculum(graph, "scope-empty", concepts=5, seed=7)
    store = JobStore(graph, learner_page=2)
    assert list(store.curriculum_learners("scope-empty")) == []
    batch = BatchRunner(PlanStore(graph), store, redis_client, WorkerSettings(), TracerParams.default(()))
    sent: list[dict[str, Any]] = []
    status = batch.fan_out("job-empty", "scope-empty", datetime.now(UTC), sent.append, chunk_size=3)
    assert sent == []
    assert (status.state, status.total, status.chunks_total) == (JobState.SUCCEEDED, 0, 0)
