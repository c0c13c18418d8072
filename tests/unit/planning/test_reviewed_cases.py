"""Cases a review found the planner getting wrong, each on both the one-learner and the batch path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import numpy as np
import orjson
import pytest

from kgplatform.planning.batch import LearnerMatrix, chunk_picks, first_tasks, plan_batch
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.page_json import chunk_json
from kgplatform.planning.policy import Plan, PlanConfig
from kgplatform.planning.stamps import InputStamps
from tests.unit.planning.conftest import one_learner_plan


def document(
    concepts: list[str], edges: list[tuple[str, str]], tasks: dict[str, list[str]]
) -> dict[str, Any]:
    """An import-shaped curriculum: concepts, prerequisite edges (before, after), tasks -> concepts."""
    return {
        "curriculum": {"id": "case", "name": "case", "description": ""},
        "concepts": [{"id": c, "name": c.upper()} for c in concepts],
        "prerequisites": [{"prerequisite": a, "concept": b} for a, b in edges],
        "tasks": [{"id": t, "difficulty": 0.5, "concepts": cs} for t, cs in tasks.items()],
    }


def learners_of(
    graph: ConceptGraph, rows: list[dict[str, float]], goals: list[tuple[str, ...]]
) -> LearnerMatrix:
    """One learner per row: mastery (0.25 where not given, also the peak), one attempt on every
    concept whose mastery is given (none given: a new learner), and the given goals."""
    n = len(rows)
    p = np.full((n, graph.n_concepts), 0.25, dtype=np.float32)
    attempts = np.zeros((n, graph.n_concepts), dtype=np.float32)
    goal_mask = np.zeros((n, graph.n_concepts), dtype=bool)
    for row, (values, aims) in enumerate(zip(rows, goals, strict=True)):
        for concept, value in values.items():
            p[row, graph.index[concept]] = value
            attempts[row, graph.index[concept]] = 1.0
        goal_mask[row, [graph.index[g] for g in aims]] = True
    return LearnerMatrix([f"l{i}" for i in range(n)], p, p.copy(), attempts, goal_mask)


def both_paths(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> list[Plan]:
    """The batch's plans, after checking that the one-learner path gives each of them too."""
    batch = [plan for chunk in plan_batch(graph, learners, config) for plan in chunk]
    for row, plan in enumerate(batch):
        assert one_learner_plan(graph, learners, row, config) == plan, f"learner {row}"
    return batch


def test_a_curriculum_without_tasks_gives_empty_plans_on_every_path() -> None:
    """It once raised IndexError in the batch (empty plan slots read task 0), failing a whole chunk."""
    graph = build_graph(document(["a", "b"], [("a", "b")], {}))
    learners = learners_of(graph, [{"a": 0.5}, {}], [(), ("b",)])  # one with answers, one new
    config = PlanConfig()
    plans = both_paths(graph, learners, config)
    assert [plan.tasks for plan in plans] == [(), ()]
    assert first_tasks(graph, learners, config).tolist() == [-1, -1]
    written = chunk_json(
        graph,
        chunk_picks(graph, learners, config),
        list(learners.learner_ids),
        [None, None],
        plan_ids=["p0", "p1"],
        curriculum_id="case",
        created_at=datetime(2026, 3, 1, tzinfo=UTC),
        model_version="bkt-default",
        stamps=InputStamps(None, None, None),
    )
    assert [orjson.loads(text)["tasks"] for text in written] == [[], []]


def task_ids(plan: Plan) -> list[str]:
    return [t.task_id for t in plan.tasks]


def test_a_task_also_exercising_a_concept_past_a_missing_prerequisite_is_not_planned() -> None:
    """a -> b -> c with b at 0.1: tac (a and c) once came as a's second task, practising c before b."""
    graph = build_graph(
        document(
            ["a", "b", "c"],
            [("a", "b"), ("b", "c")],
            {"ta": ["a"], "tac": ["a", "c"], "tb": ["b"], "tc": ["c"]},
        )
    )
    learners = learners_of(graph, [{"a": 0.5, "b": 0.1}, {"a": 0.7, "b": 0.7}], [("c",), ("c",)])
    stuck, ready = both_paths(graph, learners, PlanConfig(n_tasks=3, max_tasks_per_concept=2))
    assert task_ids(stuck) == ["ta"]
    # With b good enough, c may be tried, and so may the task exercising a and c.
    assert "tac" in task_ids(ready)


def test_a_concept_whose_only_task_reaches_past_a_prerequisite_can_still_be_practised() -> None:
    """a -> b -> c, b's only task also exercises c: dropping it left b unpractisable and the learner
    with an empty plan for good (c can only open once b is practised)."""
    graph = build_graph(
        document(["a", "b", "c"], [("a", "b"), ("b", "c")], {"ta": ["a"], "tbc": ["b", "c"], "tc": ["c"]})
    )
    learners = learners_of(graph, [{"a": 0.9, "b": 0.2}], [("c",)])
    (plan,) = both_paths(graph, learners, PlanConfig(n_tasks=3, max_tasks_per_concept=2))
    assert task_ids(plan) == ["tbc"]


def test_a_goal_without_tasks_keeps_its_prerequisites_on_the_goal_path() -> None:
    """A capstone nobody can practise once counted as known, so p1 and p2 read "off your goal path"."""
    graph = build_graph(
        document(
            ["p1", "p2", "cap", "z"],
            [("p1", "cap"), ("p2", "cap")],
            {"t1": ["p1"], "t2": ["p2"], "tz": ["z"]},
        )
    )
    learners = learners_of(graph, [{"p1": 0.3, "p2": 0.4}], [("cap",)])
    (plan,) = both_paths(graph, learners, PlanConfig(n_tasks=3))
    reasons = {t.concept_id: t.reason for t in plan.tasks}
    assert set(reasons) == {"p1", "p2", "z"}
    assert "off your goal path" not in reasons["p1"] and "off your goal path" not in reasons["p2"]
    assert "off your goal path" in reasons["z"]
    assert [t.concept_id for t in plan.tasks][-1] == "z"  # the goal path comes first


def test_a_task_shared_by_two_candidates_lets_the_next_candidate_in() -> None:
    """x and y share their only task: the plan once stopped at one task with z ready."""
    graph = build_graph(document(["x", "y", "z"], [], {"txy": ["x", "y"], "tz": ["z"]}))
    learners = learners_of(graph, [{"x": 0.3, "y": 0.3}], [("x", "y")])
    (plan,) = both_paths(graph, learners, PlanConfig(n_tasks=2))
    assert sorted(task_ids(plan)) == ["txy", "tz"]


@pytest.mark.parametrize("n_tasks", [1, 3, 8])
def test_plans_are_full_whenever_enough_distinct_tasks_can_be_planned(n_tasks: int) -> None:
    """Many candidates share tasks: each row of the batch looks further down its candidates as needed."""
    concepts = [f"c{i}" for i in range(12)]
    tasks = {
        f"t{i}": [concepts[i], concepts[(i + 1) % 12]] for i in range(0, 12, 2)
    }  # 6 tasks, 2 concepts each
    graph = build_graph(document(concepts, [], tasks))
    rng = np.random.default_rng(n_tasks)
    rows = [{c: float(rng.uniform(0.1, 0.5)) for c in concepts} for _ in range(40)]
    learners = learners_of(graph, rows, [() for _ in rows])
    plans = both_paths(graph, learners, PlanConfig(n_tasks=n_tasks))
    assert [len(plan.tasks) for plan in plans] == [min(n_tasks, 6)] * 40


def test_no_band_bonus_for_a_task_the_planner_cannot_give() -> None:
    """a -> b -> c with b far from ready: a's only task in the band, tac, also exercises c (not open),
    so `ranked_tasks` leaves it out and gives ta (out of the band). a once kept the in-band bonus for tac,
    ranking it for a task it can never be given; with no task past a prerequisite, it keeps the bonus."""
    from kgplatform.planning.policy import score_concepts
    from kgplatform.planning.ranking import IN_BAND

    def graph_with(tac_concepts: list[str]) -> ConceptGraph:
        doc = document(["a", "b", "c"], [("a", "b"), ("b", "c")], {})
        doc["tasks"] = [
            {"id": "ta", "difficulty": 0.9, "concepts": ["a"]},
            {"id": "tac", "difficulty": 0.1, "concepts": tac_concepts},
            {"id": "tb", "difficulty": 0.5, "concepts": ["b"]},
            {"id": "tc", "difficulty": 0.5, "concepts": ["c"]},
        ]
        return build_graph(doc)

    config = PlanConfig()
    for tac_concepts, bonus in ((["a", "c"], False), (["a"], True)):
        graph = graph_with(tac_concepts)
        learners = learners_of(graph, [{"a": 0.5, "b": 0.1, "c": 0.5}], [()])
        scores = score_concepts(
            graph, learners.p_mastery, learners.p_peak, learners.attempts, learners.goals, config
        )
        assert bool(scores.parts.terms[0, graph.index["a"]] & IN_BAND) is bonus, tac_concepts
        (plan,) = both_paths(graph, learners, config)
        assert task_ids(plan)[0] == ("ta" if not bonus else "tac")


def test_a_concept_whose_best_task_is_taken_gives_its_next_best() -> None:
    """x, y, z with no prerequisites; y ranks its tasks tyz, txy, ty. The round that reached y found its
    1st choice listed for z and once gave y nothing, so the plan had 2 tasks though ty was free."""
    doc = document(["x", "y", "z"], [], {})
    doc["tasks"] = [
        {"id": "txy", "difficulty": 0.5, "concepts": ["x", "y"]},
        {"id": "tyz", "difficulty": 0.6, "concepts": ["y", "z"]},
        {"id": "ty", "difficulty": 1.0, "concepts": ["y"]},
    ]
    graph = build_graph(doc)
    learners = learners_of(graph, [{"x": 0.8, "y": 0.8, "z": 0.8}], [()])
    (plan,) = both_paths(graph, learners, PlanConfig(n_tasks=3))
    assert sorted(task_ids(plan)) == ["txy", "ty", "tyz"]
