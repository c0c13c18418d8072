"""A plan item's reason says whether its task is another one than the learner's last on the concept, or
that one again and why: a learner who just failed task T and then saw task U on the same concept, or T
again, was not told why (docs/planning.md, "Recent answers"). Every case is checked on the one-learner
path, the batch's Plan objects and the batch's cached JSON alike."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.batch import LearnerMatrix, plan_chunk
from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.reasons import (
    LAST_NONE_FITS,
    LAST_ONLY,
    LAST_OTHER,
    LAST_OTHERS_PLANNED,
    LAST_TASK_WORDS,
)
from tests.unit.planning.conftest import cached_tasks, one_learner_plan

OTHER, ONLY, NONE_FITS, OTHERS_PLANNED = (
    LAST_TASK_WORDS[k] for k in (LAST_OTHER, LAST_ONLY, LAST_NONE_FITS, LAST_OTHERS_PLANNED)
)


def reasons(tasks: list[tuple[str, float]], p: float, last: str | None) -> list[tuple[str, str]]:
    """(task id, reason) of the full plan of a learner at mastery `p` after one answer on one concept
    practised by the given (task id, difficulty) tasks, the last answered `last` (None: not known), after
    checking that both planners and the cached JSON give the same."""
    graph = build_graph(
        {
            "concepts": [{"id": "fractions", "name": "Fractions"}],
            "tasks": [{"id": t, "concepts": ["fractions"], "difficulty": d} for t, d in tasks],
        }
    )
    mastery = np.array([[p]], dtype=np.float32)
    learners = LearnerMatrix(
        ["learner"],
        mastery,
        mastery,
        np.ones((1, 1), dtype=np.float32),
        np.zeros((1, 1), dtype=bool),
        last_task=np.array([[-1 if last is None else graph.task_index[last]]], dtype=np.int32),
    )
    config = PlanConfig(n_tasks=len(tasks), max_tasks_per_concept=len(tasks))
    one = [(t.task_id, t.reason) for t in one_learner_plan(graph, learners, 0, config).tasks]
    assert [(t.task_id, t.reason) for t in plan_chunk(graph, learners, config)[0].tasks] == one
    assert [(t["task_id"], t["reason"]) for t in cached_tasks(graph, learners, config)[0]] == one
    return one


def test_another_task_than_the_last_says_so_before_the_predicted_success() -> None:
    # "two" answered last goes after the other tasks in the band (test_task_turns.py): "three" comes first.
    plan = reasons([("one", 0.5), ("hard", 1.0), ("two", 0.5), ("three", 0.5)], 0.7, last="two")
    assert plan[0] == (
        "three",
        "ready to learn; a different task from your last one on this concept; predicted success 69%",
    )
    said = {task: reason for task, reason in plan}
    assert OTHER in said["one"] and OTHER in said["hard"]
    # "two" comes again only as the concept's third task of this plan, after the others that fit.
    assert [task for task, _ in plan] == ["three", "one", "two", "hard"]
    assert OTHERS_PLANNED in said["two"] and OTHER not in said["two"]
    assert said["two"].endswith("; predicted success 69%")


def test_the_last_task_again_as_the_only_one_that_fits_says_why() -> None:
    plan = reasons([("one", 0.5), ("hard", 1.0)], 0.7, last="one")
    assert plan[0] == (
        "one",
        "ready to learn; the same task again: no other task on this concept fits your level;"
        " predicted success 69%",
    )
    assert OTHER in plan[1][1]


def test_the_last_task_again_as_the_concepts_only_task_says_so() -> None:
    assert reasons([("only", 0.5)], 0.7, last="only") == [
        ("only", "ready to learn; the same task again: the only one on this concept; predicted success 69%")
    ]


def test_nothing_is_said_where_the_last_task_is_not_known() -> None:
    """Stored before MASTERY kept it (or never answered): the reasons read as before."""
    plan = reasons([("one", 0.5), ("hard", 1.0), ("two", 0.5)], 0.7, last=None)
    assert [reason for _, reason in plan] == [
        "ready to learn; predicted success 69%",
        "ready to learn; predicted success 69%",
        "ready to learn; predicted success 59%",
    ]
