"""Closest goal first (`policy.closest_goal_pull`): the goal nearest to done pulls hardest."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.errors import ValidationFailed
from kgplatform.planning.batch import LearnerMatrix, plan_batch
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import PlanConfig, closest_goal_pull, plan_for_learner, unmet_goal_lists
from tests.unit.planning.conftest import chain_document, one_learner_plan


def one_task_each(name: str, edges: list[tuple[str, str]], ids: list[str]) -> dict[str, Any]:
    """A curriculum document: the concepts `ids` (named by their upper-cased ids), the prerequisite
    `edges`, and one task of difficulty 0.5 per concept."""
    return {
        "curriculum": {"id": name, "name": name, "description": ""},
        "concepts": [
            {"id": c, "name": c.upper(), "description": "", "tags": [], "difficulty": None} for c in ids
        ],
        "prerequisites": [{"prerequisite": a, "concept": b, "weight": 1.0} for a, b in edges],
        "tasks": [
            {
                "id": f"t-{c}",
                "title": c,
                "kind": "exercise",
                "difficulty": 0.5,
                "estimated_minutes": 5,
                "concepts": [c],
            }
            for c in ids
        ],
    }


def two_chains_document() -> dict[str, Any]:
    """a1 -> a2 -> a3 and b1 -> b2 -> b3 -> b4: two goals (a3, b4) sharing nothing; one task each."""
    edges = [("a1", "a2"), ("a2", "a3"), ("b1", "b2"), ("b2", "b3"), ("b3", "b4")]
    return one_task_each("two", edges, ["a1", "a2", "a3", "b1", "b2", "b3", "b4"])


@pytest.fixture
def two_chains() -> ConceptGraph:
    return build_graph(two_chains_document())


def test_the_goal_nearest_to_done_is_worked_on_before_the_far_goals_foundations(
    two_chains: ConceptGraph,
) -> None:
    # a1, a2 mastered: goal a3 is one concept away, b4 four. Pulling both goals alike sends the most
    # mass to b1 (the foundation of the longest missing path); closest goal first finishes a3.
    i = two_chains.index
    p = np.full(two_chains.n_concepts, 0.25)
    p[[i["a1"], i["a2"]]] = 0.95
    goals = np.zeros(two_chains.n_concepts, dtype=bool)
    goals[[i["a3"], i["b4"]]] = True
    plan = plan_for_learner(
        two_chains,
        "l1",
        p_mastery=p,
        p_peak=p,
        attempts=np.ones(two_chains.n_concepts),
        goals=goals,
        config=PlanConfig(n_tasks=2),
    )
    assert [t.concept_id for t in plan.tasks] == ["a3", "b1"]


def test_pull_weights_each_unmet_goal_by_its_missing_mass_to_the_focus_power(
    two_chains: ConceptGraph,
) -> None:
    i = two_chains.index
    n = two_chains.n_concepts
    p = np.full((1, n), 0.5, dtype=np.float32)
    p[0, i["a1"]] = 0.9
    known = p >= 0.85
    aims = unmet_goal_lists(np.array([i["a3"], i["b4"]]), 1, n)
    pull = closest_goal_pull(two_chains, p, known, aims, focus=2.0)[0][:, 0]
    # a3's path misses a2 and a3 (0.5 each): weight 1 / 1.0^2; b4's misses four: 1 / 2.0^2.
    assert pull[i["a1"]] == pytest.approx(1.0) and pull[i["a3"]] == pytest.approx(1.0)
    assert pull[i["b1"]] == pytest.approx(0.25) and pull[i["b4"]] == pytest.approx(0.25)
    flat = closest_goal_pull(two_chains, p, known, aims, focus=0.0)[0][:, 0]
    assert flat[i["a2"]] == pytest.approx(1.0) and flat[i["b2"]] == pytest.approx(1.0)


def test_a_goal_with_nothing_left_to_practise_on_its_way_pulls_nothing(two_chains: ConceptGraph) -> None:
    n = two_chains.n_concepts
    i = two_chains.index
    p = np.full((1, n), 0.5, dtype=np.float32)
    known = np.zeros((1, n), dtype=bool)
    known[0, [i["a1"], i["a2"], i["a3"]]] = True  # e.g. a3 a capstone without tasks, its way mastered
    aims = unmet_goal_lists(np.array([i["a3"], i["b4"]]), 1, n)
    pull = closest_goal_pull(two_chains, p, known, aims, focus=2.0)[0][:, 0]
    assert np.all(np.isfinite(pull))
    assert pull[i["a1"]] == 0.0 and pull[i["b1"]] == pytest.approx(1 / 4.0)


def test_closest_goal_pull_of_a_batch_equals_each_learner_alone_bit_for_bit() -> None:
    graph = build_graph(generate_curriculum(120, 5))
    n = graph.n_concepts
    rng = np.random.default_rng(4)
    p = rng.random((40, n)).astype(np.float32)
    known = p >= 0.85
    goals = rng.random((40, n)) < 0.03
    goals[7] = False  # a learner without goals pulls nothing here
    flat = np.flatnonzero(goals & ~known)
    aims = unmet_goal_lists(flat, 40, n)
    batch, gaps = closest_goal_pull(graph, p, known, aims, focus=2.0)
    for row in range(40):
        own = unmet_goal_lists(np.flatnonzero((goals & ~known)[row]), 1, n)
        alone, own_gaps = closest_goal_pull(graph, p[row : row + 1], known[row : row + 1], own, focus=2.0)
        assert np.array_equal(batch[:, row], alone[:, 0])
        assert np.array_equal(gaps[row, : own.shape[1]], own_gaps[0])
    assert not batch[:, 7].any()
    # Every concept leading to an unmet goal is pulled, nothing else is.
    leads = (goals & ~known).astype(np.float32) @ graph.closure.T.astype(np.float32) > 0
    assert np.array_equal(batch.T > 0, leads)


@pytest.mark.parametrize("focus", [2.0, 5.0, 8.0])
def test_a_nearly_mastered_goal_stays_planned_at_every_focus_the_config_accepts(focus: float) -> None:
    """The learner's only goal d at 0.9999999 (every goal met, so it is consolidated: gap 1e-7). At focus
    8, gap ** -8 = 1e56 overflowed float32: inf, NaN scores (with a RuntimeWarning, an error here) and d
    dropped out of the plan for an off-path filler (a review, 2 December). Both planners agree."""
    graph = build_graph(chain_document())
    ids = graph.concept_ids
    now = {"a": 0.95, "b": 0.95, "c": 0.95, "d": 0.9999999, "x": 0.95}
    # Learner 0 as above; learner 1 an ordinary one, whose pull must not depend on learner 0's.
    values = np.array([[now.get(c, 0.25) for c in ids], [0.95, 0.7, 0.3, 0.25, 0.25, 0.25]], dtype=np.float32)
    answered = np.array([[3.0 if c in now else 0.0 for c in ids], [3, 3, 1, 0, 0, 0]], dtype=np.float32)
    goals = np.array([[c == "d" for c in ids]] * 2)
    learners = LearnerMatrix(["near", "ordinary"], values, values.copy(), answered, goals)
    config = PlanConfig(goal_focus=focus)
    batch = [plan for chunk in plan_batch(graph, learners, config) for plan in chunk]
    alone = [one_learner_plan(graph, learners, row, config) for row in range(2)]
    assert batch == alone
    assert [t.concept_id for t in alone[0].tasks][:1] == ["d"], alone[0].tasks
    assert alone[0].tasks[0].reason.startswith("consolidate: ")


def test_goal_pull_is_finite_and_per_learner_bit_for_bit_at_the_highest_focus() -> None:
    """Learners with goals nearly met (gap down to float32's smallest step below 1) beside ordinary ones:
    every pull finite, and each learner's the same bits alone as in the batch."""
    graph = build_graph(generate_curriculum(120, 5))
    n = graph.n_concepts
    rng = np.random.default_rng(9)
    p = rng.random((30, n)).astype(np.float32)
    goals = rng.random((30, n)) < 0.03
    goals[::3, n - 1] = True
    p[::3] = np.float32(1.0) - np.float32(2.0**-24)  # every concept of every third learner: gap 6e-8 and up
    known = np.zeros((30, n), dtype=bool)
    aims = unmet_goal_lists(np.flatnonzero(goals), 30, n)
    for focus in (0.0, 2.0, 4.5, 8.0):
        batch, _ = closest_goal_pull(graph, p, known, aims, focus=focus)
        assert np.isfinite(batch).all() and (batch.max(axis=0) > 0).all(), focus
        for row in range(30):
            own = unmet_goal_lists(np.flatnonzero(goals[row]), 1, n)
            alone, _ = closest_goal_pull(graph, p[row : row + 1], known[row : row + 1], own, focus=focus)
            assert np.array_equal(batch[:, row], alone[:, 0]), (focus, row)


@pytest.mark.parametrize("focus", [-1.0, 9.0])
def test_goal_focus_out_of_range_is_refused_naming_the_field(focus: float) -> None:
    with pytest.raises(ValidationFailed) as error:
        PlanConfig(goal_focus=focus)
    assert error.value.field == "goal_focus"


def test_a_reason_names_the_closest_of_the_goals_a_concept_leads_to() -> None:
    # r leads to both goals. NEAR is four concepts up, each nearly mastered; FAR sits just above r and
    # two weak foundations. The plan works towards NEAR first (less missing on its way), so r's reason
    # names it, though FAR comes first in the graph's order.
    edges = [
        ("r", "m1"),
        ("m1", "m2"),
        ("m2", "m3"),
        ("m3", "near"),
        ("r", "far"),
        ("u1", "far"),
        ("u2", "far"),
    ]
    graph = build_graph(one_task_each("fork", edges, ["r", "m1", "m2", "m3", "near", "far", "u1", "u2"]))
    assert graph.index["far"] < graph.index["near"], "the old rule (first goal in order) would name FAR"
    n = graph.n_concepts
    p = np.full(n, 0.1)
    p[[graph.index[c] for c in ("m1", "m2", "m3", "near")]] = 0.8
    p[graph.index["r"]] = 0.3
    goals = np.zeros(n, dtype=bool)
    goals[[graph.index["far"], graph.index["near"]]] = True
    plan = plan_for_learner(
        graph, "l1", p_mastery=p, p_peak=p, attempts=np.ones(n), goals=goals, config=PlanConfig(n_tasks=2)
    )
    reason = {t.concept_id: t.reason for t in plan.tasks}["r"]
    assert "leads to your goal NEAR" in reason, reason
