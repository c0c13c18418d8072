"""A learner's interests (tags) choose among comparable candidates, and never outweigh the goals."""

from __future__ import annotations

from typing import Any

import numpy as np

from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import Plan, PlanConfig, plan_for_learner
from kgplatform.planning.service import interest_marks
from kgplatform.planning.store import LearnerRows


def two_branches() -> ConceptGraph:
    """root -> scales (music), root -> ball games (team, sport): equal candidates once root is known."""
    document: dict[str, Any] = {
        "concepts": [
            {"id": "root", "name": "Roots", "tags": ["base"]},
            {"id": "scales", "name": "Scales", "tags": ["music"]},
            {"id": "ball", "name": "Ball games", "tags": ["team", "sport", "team"]},
        ],
        "prerequisites": [
            {"prerequisite": "root", "concept": "scales"},
            {"prerequisite": "root", "concept": "ball"},
        ],
        "tasks": [
            {"id": f"{c}-{k}", "concepts": [c], "difficulty": 0.5}
            for c in ("root", "scales", "ball")
            for k in (0, 1)
        ],
    }
    return build_graph(document)


def plan(graph: ConceptGraph, goals: tuple[str, ...] = (), interests: tuple[str, ...] = ()) -> Plan:
    p = np.array([0.95 if c == "root" else 0.25 for c in graph.concept_ids], dtype=np.float32)
    attempts = np.array([5.0 if c == "root" else 0.0 for c in graph.concept_ids], dtype=np.float32)
    marks = np.zeros(len(graph.tag_index), dtype=bool)
    for tag in interests:
        if tag in graph.tag_index:
            marks[graph.tag_index[tag]] = True
    return plan_for_learner(
        graph,
        "learner",
        p_mastery=p,
        p_peak=p,
        attempts=attempts,
        goals=np.array([c in goals for c in graph.concept_ids]),
        config=PlanConfig(n_tasks=2),
        interests=marks,
    )


def first_concepts(result: Plan) -> list[str]:
    return [task.concept_id for task in result.tasks]


def test_an_interest_puts_its_concept_first_among_equal_candidates_and_the_reason_names_it() -> None:
    graph = two_branches()
    plain = plan(graph)
    assert len(set(first_concepts(plain))) == 2  # both branches are planned, in the graph's order
    liked = "scales" if first_concepts(plain)[0] == "ball" else "ball"
    tag = "music" if liked == "scales" else "sport"
    chosen = plan(graph, interests=(tag,))
    assert first_concepts(chosen)[0] == liked
    assert f"matches your interest in {tag}" in chosen.tasks[0].reason
    assert "interest" not in chosen.tasks[1].reason


def test_the_reason_names_the_concepts_first_tag_the_learner_likes() -> None:
    graph = two_branches()
    assert graph.concept_tags[graph.index["ball"]] == ("team", "sport")  # a repeated tag counts once
    result = plan(graph, interests=("sport", "team"))
    ball = next(task for task in result.tasks if task.concept_id == "ball")
    assert "matches your interest in team" in ball.reason


def test_a_goal_outweighs_an_interest() -> None:
    graph = two_branches()
    for goal, other_tag in (("scales", "sport"), ("ball", "music")):
        result = plan(graph, goals=(goal,), interests=(other_tag,))
        # Both tasks on the goal: the liked concept off the path comes only after the goal path's
        # second tasks (`pick_sequence`'s groups), and these plans hold two tasks.
        assert first_concepts(result) == [goal, goal]


def test_interests_no_concept_carries_change_nothing() -> None:
    graph = two_branches()
    assert plan(graph, interests=("knitting",)) == plan(graph)


def test_interests_match_tags_whatever_their_case_and_surrounding_spaces() -> None:
    """A designer's tag "Team " never matched the interest "team" (interests are trimmed, tags were not)."""
    graph = build_graph(
        {
            "concepts": [{"id": "ball", "name": "Ball games", "tags": ["Team ", "SPORT"]}],
            "tasks": [{"id": "t", "concepts": ["ball"]}],
        }
    )
    assert graph.concept_tags == (("team", "sport"),)
    rows = LearnerRows("learner", goals=[], mastery=[], interests=["sport", "  Team", "knitting"])
    marks = interest_marks(graph, rows)
    assert marks.tolist() == [True, True]  # tag_index: sport, team
