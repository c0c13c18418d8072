"""Tasks of one concept inside the success band take turns, so a plan does not offer the task just
answered again while the concept has another task that fits."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig, plan_for_learner


def test_the_tasks_in_the_band_take_turns_as_attempts_grow_and_the_others_come_after_them() -> None:
    # Difficulty 0.5 keeps a learner at p = 0.7 in the band (predicted success 0.69); 1.0 puts "hard"
    # below it (0.59), so it comes after every task in the band, whatever the turn.
    tasks = [("one", 0.5), ("hard", 1.0), ("two", 0.5), ("three", 0.5)]
    graph = build_graph(
        {
            "concepts": [{"id": "fractions", "name": "Fractions"}],
            "tasks": [{"id": t, "concepts": ["fractions"], "difficulty": d} for t, d in tasks],
        }
    )
    config = PlanConfig(n_tasks=4, max_tasks_per_concept=4)
    p = np.array([0.7], dtype=np.float32)

    def plan_after(attempts: int) -> list[str]:
        plan = plan_for_learner(
            graph,
            "learner",
            p_mastery=p,
            p_peak=p,
            attempts=np.array([attempts], dtype=np.float32),
            goals=np.zeros(1, dtype=bool),
            config=config,
        )
        return plan.task_ids

    assert config.success_band[0] <= 0.69 <= config.success_band[1]
    # Attempts 0 would be a placement plan; from 1 on, each answer moves the first task on by one.
    assert plan_after(1) == ["two", "three", "one", "hard"]
    assert plan_after(2) == ["three", "one", "two", "hard"]
    assert plan_after(3) == ["one", "two", "three", "hard"]
    assert plan_after(4) == ["two", "three", "one", "hard"]


def test_below_the_band_the_tasks_near_the_easiest_take_turns_and_a_far_harder_one_waits() -> None:
    # At p = 0.25 every task is below the band: "easy" 0.475, "easier-ish" 0.455 (within 0.05 of the
    # nearest), "hard" 0.275 (not): the first two take turns, "hard" comes last.
    graph = build_graph(
        {
            "concepts": [{"id": "fractions", "name": "Fractions"}],
            "tasks": [
                {"id": "hard", "concepts": ["fractions"], "difficulty": 1.0},
                {"id": "easy", "concepts": ["fractions"], "difficulty": 0.0},
                {"id": "easier-ish", "concepts": ["fractions"], "difficulty": 0.1},
            ],
        }
    )
    p = np.array([0.25], dtype=np.float32)

    def plan_after(attempts: int) -> list[str]:
        return plan_for_learner(
            graph,
            "learner",
            p_mastery=p,
            p_peak=p,
            attempts=np.array([attempts], dtype=np.float32),
            goals=np.zeros(1, dtype=bool),
            config=PlanConfig(n_tasks=3, max_tasks_per_concept=3),
        ).task_ids

    assert plan_after(1) == ["easier-ish", "easy", "hard"]
    assert plan_after(2) == ["easy", "easier-ish", "hard"]
