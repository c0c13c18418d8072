"""A learner who keeps failing a concept is not offered the very same task round after round (a teacher's
review, 1 December): after `PlanConfig.stuck_after` answers still below the success band, every task of
the concept takes turns; a prerequisite not mastered yet is taken first; and both planners agree."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kgplatform.planning.batch import LearnerMatrix, plan_batch
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import Plan, PlanConfig
from kgplatform.planning.tracking import EstimateTracker

from .conftest import one_learner_plan


def ladder(difficulties: dict[str, tuple[float, ...]]) -> ConceptGraph:
    """Counting -> adding -> fractions (the goal), each concept with tasks of the given difficulties."""
    edges = [("counting", "adding"), ("adding", "fractions")]
    document: dict[str, Any] = {
        "concepts": [{"id": c, "name": c.capitalize()} for c in difficulties],
        "prerequisites": [{"prerequisite": a, "concept": b} for a, b in edges],
        "tasks": [
            {"id": f"{c}-{k}", "concepts": [c], "difficulty": d}
            for c, levels in difficulties.items()
            for k, d in enumerate(levels)
        ],
    }
    return build_graph(document)


def plans(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> list[Plan]:
    """Each learner's plan from the batch planner, after checking it equals the one-learner planner's."""
    batch = [plan for chunk in plan_batch(graph, learners, config) for plan in chunk]
    for row, plan in enumerate(batch):
        assert plan == one_learner_plan(graph, learners, row, config)
    return batch


def fail_round_after_round(
    graph: ConceptGraph, config: PlanConfig, mastered: tuple[str, ...], rounds: int
) -> list[Plan]:
    """The plans of a learner (the tracer's own updates, `tracking.EstimateTracker`) who answered every
    task of the `mastered` concepts right and then, round after round, gets their plan's first task
    wrong; one plan per round, the first made after the mastered concepts' answers."""
    goals = np.array([[c == "fractions" for c in graph.concept_ids]])
    tracker = EstimateTracker.start(graph, goals)
    now = 0.0
    for concept in mastered:
        for task in graph.concept_tasks[graph.index[concept]]:
            for _ in range(4 if task >= 0 else 0):
                tracker.observe(np.array([task]), np.array([1.0]), now)
    made = []
    for _ in range(rounds):
        now += 0.25
        (plan,) = plans(graph, tracker.view(now), config)
        made.append(plan)
        tracker.observe(np.array([graph.task_index[plan.tasks[0].task_id]]), np.array([0.0]), now)
    return made


def test_a_failing_learner_gets_each_task_of_the_concept_in_turn_not_the_same_one_again() -> None:
    # Counting is mastered; adding has an easy and a hard task. Below the band both are, and the hard one
    # predicts 8 points less than the easy one (beyond the turn tolerance), so before the fix the easy task
    # came first in every plan however often the learner failed it.
    graph = ladder({"counting": (0.3,), "adding": (0.3, 0.7), "fractions": (0.5,)})
    config = PlanConfig()
    made = fail_round_after_round(graph, config, ("counting",), rounds=8)
    firsts = [plan.tasks[0] for plan in made]
    assert {t.concept_id for t in firsts} == {"adding"}
    low = config.success_band[0]
    assert all(t.predicted_success < low - 0.1 for t in firsts[config.stuck_after :])
    # The first answers go to the easiest task (nearest the band); from `stuck_after` answers on, the two
    # tasks alternate.
    assert [t.task_id for t in firsts[: config.stuck_after]] == ["adding-0"] * config.stuck_after
    later = [t.task_id for t in firsts[config.stuck_after :]]
    assert all(a != b for a, b in zip(later, later[1:], strict=False))
    assert set(later) == {"adding-0", "adding-1"}
    # The reason still says honestly how likely success is.
    assert firsts[-1].reason.endswith(f"predicted success {firsts[-1].predicted_success:.0%}")


def test_a_failing_learner_with_a_prerequisite_not_mastered_is_sent_back_to_it_first() -> None:
    # Counting is good enough (0.7) but not mastered; adding has been failed `send_back_after` times
    # (six). The plan goes back to counting (the prerequisite first) before adding again.
    graph = ladder({"counting": (0.3, 0.5), "adding": (0.3, 0.7), "fractions": (0.5,)})
    ids = graph.concept_ids
    p = np.array([[{"counting": 0.7, "adding": 0.17}.get(c, 0.25) for c in ids]], dtype=np.float32)
    failed = float(PlanConfig().send_back_after)
    learners = LearnerMatrix(
        ["learner"],
        p,
        p.copy(),
        np.array([[{"counting": 3.0, "adding": failed}.get(c, 0.0) for c in ids]]),
        np.array([[c == "fractions" for c in ids]]),
    )
    (plan,) = plans(graph, learners, PlanConfig())
    assert plan.tasks[0].concept_id == "counting"
    assert "adding" in [t.concept_id for t in plan.tasks]


@pytest.mark.parametrize("attempts", range(1, 9))
def test_both_planners_agree_on_stuck_learners_whatever_the_turn(attempts: int) -> None:
    # Many stuck learners at once (varied mastery, tasks of three difficulties): the batch path's
    # vectorised turns give exactly the one-learner path's plans.
    graph = ladder({"counting": (0.1, 0.5, 0.9), "adding": (0.2, 0.5, 0.8), "fractions": (0.4, 0.9)})
    rng = np.random.default_rng(attempts)
    n = graph.n_concepts
    p = rng.uniform(0.05, 0.95, (40, n)).astype(np.float32)
    attempts_ = np.full((40, n), float(attempts))
    learners = LearnerMatrix(
        [f"l{i}" for i in range(40)], p, p.copy(), attempts_, np.zeros((40, n), dtype=bool)
    )
    made = plans(graph, learners, PlanConfig(n_tasks=4, max_tasks_per_concept=3))
    assert any(plan.tasks for plan in made)
