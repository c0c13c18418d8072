"""Two curricula and learners in each, in both (goals or practice deciding, ties included) and in neither
(a kept plan deciding), for the tests of a batch for one curriculum."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from tests.integration.workers.seeding import seed_curriculum, seed_learners

A, B = "scope-a", "scope-b"


def _row(learner_id: str, practised: list[str], goals: list[str]) -> dict:
    now_s = int(time.time())
    mastery = [
        {"concept_id": c, "p": 0.4 + 0.05 * k, "attempts": 3, "correct": 2.0, "as_of_s": now_s - 3600 * k}
        for k, c in enumerate(practised)
    ]
    return {"learner_id": learner_id, "mastery": mastery, "goals": goals}


def seed_two_curricula(graph: Graph, client: redis.Redis) -> tuple[list[str], list[str]]:
    """Seeds curricula A and B and their learners; returns (the learners whose plans a batch for A makes,
    every other learner), each sorted. `client` is the Redis the batch's workers cache plans in (the
    kept plans of learners with neither goals nor mastery are read there)."""
    a = [c.id for c in seed_curriculum(graph, A, concepts=10).concepts]
    b = [c.id for c in seed_curriculum(graph, B, concepts=10, seed=4).concepts]
    rows = [_row(f"a-only-{i}", a[i : i + 3], [a[-1 - i % 3]]) for i in range(7)]
    rows += [_row(f"b-only-{i}", b[i : i + 3], [b[-1 - i % 3]]) for i in range(6)]
    rows += [
        _row("both-goal-a", a[:1] + b[:4], [a[-1]]),  # goals decide over more practice in B: A
        _row("both-goal-b", a[:4] + b[:1], [b[-1]]),  # touches A, planned in B
        _row("both-more-a", a[:3] + b[:1], []),  # no goals: most practice, A
        _row("both-more-b", a[:1] + b[:3], []),
        _row("both-tie", a[:2] + b[:2], []),  # a practice tie: the smaller id, A
        _row("both-goal-tie", a[:1] + b[:3], [a[-1], b[-1]]),  # a goals tie: more practice, B
    ]
    graph.write("testing/create_plan_learners", rows=rows, now=datetime.now(UTC))
    seed_learners(graph, 1, "new-kept-a-", [])
    seed_learners(graph, 1, "new-kept-b-", [])
    seed_learners(graph, 1, "new-none-", [])
    # Neither goals nor mastery: planned in the curriculum of the plan kept for them, the one they named.
    plans = PlanService(PlanStore(graph), PlanCache(client), TracerParams.default(()))
    plans.current_plan("new-kept-a-000000", A)
    plans.current_plan("new-kept-b-000000", B)
    ours = sorted(
        [f"a-only-{i}" for i in range(7)] + ["both-goal-a", "both-more-a", "both-tie", "new-kept-a-000000"]
    )
    others = sorted(
        [f"b-only-{i}" for i in range(6)]
        + ["both-goal-b", "both-more-b", "both-goal-tie", "new-kept-b-000000", "new-none-000000"]
    )
    return ours, others
