"""Tasks of one concept inside the success band take turns, so a plan does not offer the task just
answered again while the concept has another task that fits."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig, plan_for_learner


def one_concept_plan(
    tasks: list[tuple[str, float]], p: float, attempts: int, last: str | None = None
) -> list[str]:
    """The task ids of the full plan of a learner at mastery `p` after `attempts` answers, on one concept
    practised by the given (task id, difficulty) tasks, the last answered `last` (None: not known)."""
    graph = build_graph(
        {
            "concepts": [{"id": "fractions", "name": "Fractions"}],
            "tasks": [{"id": t, "concepts": ["fractions"], "difficulty": d} for t, d in tasks],
        }
    )
    mastery = np.array([p], dtype=np.float32)
    return plan_for_learner(
        graph,
        "learner",
        p_mastery=mastery,
        p_peak=mastery,
        attempts=np.array([attempts], dtype=np.float32),
        goals=np.zeros(1, dtype=bool),
        config=PlanConfig(n_tasks=len(tasks), max_tasks_per_concept=len(tasks)),
        last_task=None if last is None else np.array([graph.task_index[last]], dtype=np.int32),
    ).task_ids


def test_the_tasks_in_the_band_take_turns_as_attempts_grow_and_the_others_come_after_them() -> None:
    # Difficulty 0.5 keeps a learner at p = 0.7 in the band (predicted success 0.69); 1.0 puts "hard"
    # below it (0.59), so it comes after every task in the band, whatever the turn.
    tasks = [("one", 0.5), ("hard", 1.0), ("two", 0.5), ("three", 0.5)]
    low, high = PlanConfig().success_band
    assert low <= 0.69 <= high
    # Attempts 0 would be a placement plan; from 1 on, each answer moves the first task on by one.
    assert one_concept_plan(tasks, 0.7, 1) == ["two", "three", "one", "hard"]
    assert one_concept_plan(tasks, 0.7, 2) == ["three", "one", "two", "hard"]
    assert one_concept_plan(tasks, 0.7, 3) == ["one", "two", "three", "hard"]
    assert one_concept_plan(tasks, 0.7, 4) == ["two", "three", "one", "hard"]


def test_below_the_band_the_tasks_near_the_easiest_take_turns_and_a_far_harder_one_waits() -> None:
    # At p = 0.25 every task is below the band: "easy" 0.475, "easier-ish" 0.455 (within 0.05 of the
    # nearest), "hard" 0.275 (not): the first two take turns, "hard" comes last.
    tasks = [("hard", 1.0), ("easy", 0.0), ("easier-ish", 0.1)]
    assert one_concept_plan(tasks, 0.25, 1) == ["easier-ish", "easy", "hard"]
    assert one_concept_plan(tasks, 0.25, 2) == ["easy", "easier-ish", "hard"]


def test_the_task_last_answered_goes_after_the_other_tasks_that_fit() -> None:
    """The turn after one answer lands on "two"; answered last (outside the plan, or before the tasks that
    fit changed), it goes after "three" and "one", still before the task out of the band."""
    tasks = [("one", 0.5), ("hard", 1.0), ("two", 0.5), ("three", 0.5)]
    assert one_concept_plan(tasks, 0.7, 1) == ["two", "three", "one", "hard"]
    assert one_concept_plan(tasks, 0.7, 1, last="two") == ["three", "one", "two", "hard"]
    assert one_concept_plan(tasks, 0.7, 1, last="three") == ["two", "one", "three", "hard"]
    # A task that does not fit keeps its place: it comes after those that fit anyway.
    assert one_concept_plan(tasks, 0.7, 1, last="hard") == ["two", "three", "one", "hard"]


def test_the_only_task_that_fits_is_offered_again() -> None:
    """Another task far from the band does not fit as well: the one just answered stays first."""
    tasks = [("one", 0.5), ("hard", 1.0)]
    assert one_concept_plan(tasks, 0.7, 1, last="one") == ["one", "hard"]


def test_a_stuck_learner_is_not_offered_the_task_just_failed_when_the_turn_lands_on_it() -> None:
    """Below the band after `stuck_after` answers every usable task takes its turn; the turn of the third
    answer can land on the task of the second (the repeats bench_repeat_tasks.py counted)."""
    tasks = [("a", 0.5), ("b", 0.7), ("c", 0.9)]
    p = 0.1  # every task below the band
    turned = one_concept_plan(tasks, p, 3)
    assert one_concept_plan(tasks, p, 3, last=turned[0])[0] != turned[0]
    assert sorted(one_concept_plan(tasks, p, 3, last=turned[0])) == sorted(turned)
