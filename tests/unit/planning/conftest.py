"""Small curricula for planning tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pytest

from kgplatform.planning.batch import LearnerMatrix, chunk_picks
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.page_json import chunk_json
from kgplatform.planning.policy import Plan, PlanConfig, plan_for_learner
from kgplatform.planning.stamps import InputStamps


def chain_document() -> dict[str, Any]:
    """a -> b -> c -> d (a chain) plus x -> d and an unrelated island z; two tasks per concept."""
    ids = ["a", "b", "c", "d", "x", "z"]
    edges = [("a", "b"), ("b", "c"), ("c", "d"), ("x", "d")]
    return {
        "curriculum": {"id": "chain", "name": "chain", "description": ""},
        "concepts": [
            {"id": c, "name": c.upper(), "description": "", "tags": [], "difficulty": None} for c in ids
        ],
        "prerequisites": [{"prerequisite": a, "concept": b, "weight": 1.0} for a, b in edges],
        "tasks": [
            {
                "id": f"{c}{k}",
                "title": f"{c}{k}",
                "kind": "exercise",
                "difficulty": 0.3 + 0.4 * k,
                "estimated_minutes": 5,
                "concepts": [c],
            }
            for c in ids
            for k in range(2)
        ],
    }


@pytest.fixture
def chain() -> ConceptGraph:
    return build_graph(chain_document())


def one_learner_plan(graph: ConceptGraph, learners: LearnerMatrix, row: int, config: PlanConfig) -> Plan:
    """`plan_for_learner` on one row of a learner matrix: the path the batch must agree with."""
    return plan_for_learner(
        graph,
        learners.learner_ids[row],
        p_mastery=learners.p_mastery[row],
        p_peak=learners.p_peak[row],
        attempts=learners.attempts[row],
        goals=learners.goals[row],
        config=config,
        interests=None if learners.interests is None else learners.interests[row],
        typical=learners.typical,  # as the batch's scores have it: the reasons' words depend on it
        last_task=None if learners.last_task is None else learners.last_task[row],
    )


def cached_tasks(
    graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig
) -> list[list[dict[str, Any]]]:
    """Each learner's tasks as the batch caches them (`page_json.chunk_json`): the reasons the nightly and
    the on-demand drain write, to compare with the one-learner path's."""
    at = datetime(2026, 12, 1, tzinfo=UTC)
    written = chunk_json(
        graph,
        chunk_picks(graph, learners, config),
        list(learners.learner_ids),
        [at] * len(learners.learner_ids),
        plan_ids=[f"plan-{learner}" for learner in learners.learner_ids],
        curriculum_id="test",
        created_at=at,
        model_version="v",
        stamps=InputStamps(None, None, None),
    )
    return [orjson.loads(text)["tasks"] for text in written]


def learner_plan(
    graph: ConceptGraph,
    now: dict[str, float],
    *,
    goals: tuple[str, ...] = (),
    attempts: dict[str, float] | None = None,
    config: PlanConfig | None = None,
) -> Plan:
    """One learner's plan from mastery by concept id (0.25 elsewhere), mastery when last practised the same;
    `attempts` by concept id, default 3 on every concept in `now` and none elsewhere."""
    ids = graph.concept_ids
    values = np.array([now.get(c, 0.25) for c in ids], dtype=np.float32)
    answered = attempts if attempts is not None else dict.fromkeys(now, 3.0)
    return plan_for_learner(
        graph,
        "learner",
        p_mastery=values,
        p_peak=values,
        attempts=np.array([answered.get(c, 0.0) for c in ids], dtype=np.float32),
        goals=np.array([c in goals for c in ids]),
        config=config or PlanConfig(n_tasks=3),
    )
