"""The on-demand drain (`kgp.plans.recompute_due`) run in this process on the test databases: it plans
many due learners at once, each plan equal to the one-learner path's, keeps plans still fresh (a rerun
plans nobody twice), and plans the learners of a drain killed mid-way once their lease has ended."""

from __future__ import annotations

import json
import time

import pytest
import redis

import workers.tasks as tasks
from kgplatform.graph.driver import Graph
from kgplatform.jobs.debounce import KEY_PREFIX, Debouncer
from kgplatform.jobs.due import DueLearners
from kgplatform.planning.cache import PlanCache, mark_answered, plan_key
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 40
KILLED_LEASE_S = 3.0


@pytest.fixture
def drained(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[str], list[float]]:
    # The task on the test's own connections (see test_on_demand_answer_stamp), its wake-ups recorded.
    monkeypatch.setattr(tasks, "get_graph", lambda: graph)
    monkeypatch.setattr(tasks, "get_redis", lambda: redis_client)
    monkeypatch.setattr(tasks, "_graphs", None)
    wakes: list[float] = []
    monkeypatch.setattr(tasks, "send_drain", wakes.append)
    document = seed_curriculum(graph, "drain-test", concepts=30)
    learners = seed_learners(graph, LEARNERS, "drain-", [c.id for c in document.concepts])
    return learners, wakes


def stored_plans(graph: Graph, learners: list[str]) -> int:
    return sum(row["plans"] for row in graph.read("testing/count_learner_plans", learner_ids=learners))


def owe(client: redis.Redis, learners: list[str]) -> None:
    """What POST /answers leaves: answer stamps, debounce claims, the learners due now."""
    now = time.time()
    mark_answered(client, dict.fromkeys(learners, now))
    Debouncer(client, 2.0).claim_many(learners)
    DueLearners(client).add(learners, now - 0.001)


def test_a_drain_plans_every_due_learner_as_the_one_learner_path_does(
    graph: Graph, redis_client: redis.Redis, drained: tuple[list[str], list[float]]
) -> None:
    learners, _ = drained
    owe(redis_client, learners)
    assert tasks.recompute_due.run() == LEARNERS
    assert DueLearners(redis_client).earliest() is None
    assert not any(redis_client.exists(KEY_PREFIX + learner) for learner in learners)
    service = PlanService(PlanStore(graph), PlanCache(redis_client), tasks._params())
    for learner in learners:
        cached = PlanRecord.from_mapping(json.loads(redis_client.get(plan_key(learner))))
        stamps = service.store.input_stamps(learner, cached.curriculum_id)
        alone = service.compute(learner, "drain-test", stamps, cached.created_at, keep=False)
        assert cached.tasks and cached.tasks == alone.tasks, learner
        assert (cached.placement, cached.stamps, cached.model_version) == (
            alone.placement,
            alone.stamps,
            alone.model_version,
        )
        served = service.current_plan(learner, refresh=False)
        assert not served.stale and served.record.id == cached.id
    assert stored_plans(graph, learners) == LEARNERS

    owe(redis_client, learners[:5])  # stamped again, but their plans were made after: kept
    time.sleep(0.01)
    DueLearners(redis_client).add(learners[5:10], time.time() - 0.001)  # owed without a new answer
    assert tasks.recompute_due.run() == 5
    assert stored_plans(graph, learners) == LEARNERS + 5


def test_the_learners_of_a_drain_killed_mid_way_are_planned_once_its_lease_ends(
    redis_client: redis.Redis, drained: tuple[list[str], list[float]]
) -> None:
    learners, wakes = drained
    owe(redis_client, learners)
    due = DueLearners(redis_client)
    # A drain that never released its claim. Its lease must outlast the moment the next drain claims: at
    # 0.5 s, a test stalled that long between the two (a loaded machine) saw that drain take all 40.
    killed = due.claim(time.time(), 10, lease_s=KILLED_LEASE_S)
    assert len(killed.learner_ids) == 10
    assert tasks.recompute_due.run() == LEARNERS - 10
    assert wakes, "no wake-up sent for the killed drain's learners"
    assert abs(due.earliest() - killed.lease_until) < 1e-6
    while (left := killed.lease_until - time.time()) >= 0:
        time.sleep(left + 0.01)
    assert tasks.recompute_due.run() == 10
    assert all(redis_client.exists(plan_key(learner)) for learner in learners)
    assert due.earliest() is None


def test_a_drain_takes_at_most_a_batch_and_sends_a_wake_up_for_the_rest(
    redis_client: redis.Redis, drained: tuple[list[str], list[float]], monkeypatch: pytest.MonkeyPatch
) -> None:
    learners, wakes = drained
    monkeypatch.setattr(tasks.settings.workers, "ondemand_batch", 15)
    owe(redis_client, learners)
    assert tasks.recompute_due.run() == 15
    assert wakes and wakes[0] == 0.0  # more are due now: another worker process may take them
    assert tasks.recompute_due.run() == 15
    assert tasks.recompute_due.run() == LEARNERS - 30
    assert DueLearners(redis_client).earliest() is None
