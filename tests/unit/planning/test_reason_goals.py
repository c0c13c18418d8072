"""Reasons say how a task serves the learner's goals, and speak of a path only to learners with goals."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import Plan, PlanConfig
from tests.unit.planning.conftest import cached_tasks, learner_plan, one_learner_plan


def plan(chain: ConceptGraph, p: dict[str, float], goals: tuple[str, ...]) -> Plan:
    return learner_plan(chain, p, goals=goals, config=PlanConfig(n_tasks=4))


def reasons(result: Plan) -> dict[str, str]:
    return {task.concept_id: task.reason for task in result.tasks}


def test_a_goal_and_what_leads_to_it_say_so_and_filler_says_it_is_off_the_path(chain: ConceptGraph) -> None:
    # a -> b -> c -> d, x -> d, and an island z; a is known.
    by_concept = reasons(plan(chain, {"a": 0.95}, goals=("c",)))
    assert "leads to your goal C" in by_concept["b"]
    assert "off your goal path" in by_concept["z"] and "goal C" not in by_concept["z"]
    goal_itself = reasons(plan(chain, {"a": 0.95, "b": 0.95}, goals=("c",)))
    assert "; this is your goal;" in goal_itself["c"] and "leads to" not in goal_itself["c"]


def test_the_first_unmet_goal_a_concept_leads_to_is_named(chain: ConceptGraph) -> None:
    by_concept = reasons(plan(chain, {"a": 0.95, "b": 0.95}, goals=("c", "d")))
    assert "; this is your goal;" in by_concept["c"]  # c is a goal itself, though it also leads to d
    assert "leads to your goal D" in by_concept["x"]


def test_without_goals_a_reason_speaks_of_no_path(chain: ConceptGraph) -> None:
    everything = " ".join(reasons(plan(chain, {"a": 0.3, "x": 0.3}, goals=())).values())
    assert "needed for 1 concept" in everything
    assert "path" not in everything and "goal" not in everything
    with_goal = " ".join(reasons(plan(chain, {"a": 0.3, "x": 0.3}, goals=("d",))).values())
    assert "needed for 1 concept on your path" in with_goal


def test_an_off_path_review_is_not_called_next_in_the_curriculum(chain: ConceptGraph) -> None:
    """Goal d; the island z was mastered (0.9) and has decayed to 0.5: its review is ranked with the goal
    path's candidates, and its reason said "next in the curriculum, off your goal path", which a teacher
    reads as the plan moving on to new material (a review, 2 December). Both reason paths (the one-learner
    `describe` and the batch's cached JSON) say the same."""
    ids = chain.concept_ids
    now, peak, answered = {"z": 0.5, "a": 0.9}, {"z": 0.9, "a": 0.9}, {"z": 4.0, "a": 3.0}
    learners = LearnerMatrix(
        ["learner"],
        np.array([[now.get(c, 0.25) for c in ids]], dtype=np.float32),
        np.array([[peak.get(c, 0.25) for c in ids]], dtype=np.float32),
        np.array([[answered.get(c, 0.0) for c in ids]], dtype=np.float32),
        np.array([[c == "d" for c in ids]]),
        typical=np.full(len(ids), 0.25, np.float32),
    )
    config = PlanConfig()
    alone = one_learner_plan(chain, learners, 0, config)
    (review,) = [t for t in alone.tasks if t.concept_id == "z"][:1]
    assert review.purpose == "review"
    assert review.reason.startswith("review due: mastery decayed to 50%; off your goal path; "), review.reason
    assert "next in the curriculum" not in review.reason
    (cached,) = cached_tasks(chain, learners, config)
    assert [t["reason"] for t in cached] == [t.reason for t in alone.tasks]
    # A filler that is not a review still says where it stands.
    filler = reasons(plan(chain, {"a": 0.95}, goals=("c",)))["z"]
    assert "next in the curriculum, off your goal path" in filler


def test_the_goal_a_reason_leads_to_is_not_named_again_as_strengthened(chain: ConceptGraph) -> None:
    """A review, 5 December 2026: the direct prerequisite of a goal read "leads to your goal C; strengthens
    C" (the goal is the first of the concepts its practice helps): one name twice, where "strengthens"
    could name another concept or nothing. Both reason paths say the same."""
    by_concept = reasons(plan(chain, {"a": 0.95}, goals=("c",)))
    assert by_concept["b"].startswith(
        "ready to learn; leads to your goal C; needed for 1 concept on your path;"
    )
    ids = chain.concept_ids
    now = {"a": 0.95, "b": 0.7}
    learners = LearnerMatrix(
        ["learner"],
        np.array([[now.get(c, 0.25) for c in ids]], dtype=np.float32),
        np.array([[now.get(c, 0.25) for c in ids]], dtype=np.float32),
        np.array([[3.0 if c in now else 0.0 for c in ids]], dtype=np.float32),
        np.array([[c == "d" for c in ids]]),
        typical=np.full(len(ids), 0.25, np.float32),
    )
    alone = one_learner_plan(chain, learners, 0, PlanConfig(n_tasks=4))
    said = [t.reason for t in alone.tasks]
    assert said and all("strengthens D" not in reason for reason in said), said
    assert any("leads to your goal D" in reason for reason in said)
    (cached,) = cached_tasks(chain, learners, PlanConfig(n_tasks=4))
    assert [t["reason"] for t in cached] == said
