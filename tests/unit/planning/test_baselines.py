"""The goal-aware baselines see the learner's goals as ours does; the goal-blind ones do not."""

from __future__ import annotations

import numpy as np

from kgplatform.planning.baselines import RandomFrontier, SimPolicy, Topological
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph, build_graph
from tests.unit.planning.test_closest_goal import two_chains_document


def learners_aiming_at(graph: ConceptGraph, goal: str) -> LearnerMatrix:
    n = graph.n_concepts
    p = np.full((1, n), 0.2)
    goals = np.zeros((1, n), dtype=bool)
    goals[0, graph.index[goal]] = True
    return LearnerMatrix(["l1"], p, p.copy(), np.ones((1, n)), goals)


def chosen_concepts(
    policy: SimPolicy, graph: ConceptGraph, learners: LearnerMatrix, draws: int = 20
) -> set[str]:
    rng = np.random.default_rng(0)
    owner = {task: c for c, tasks in enumerate(graph.concept_tasks) for task in tasks if task >= 0}
    return {graph.concept_ids[owner[int(policy.choose(graph, learners, rng)[0])]] for _ in range(draws)}


def test_goal_path_topological_starts_the_goals_own_chain() -> None:
    graph = build_graph(two_chains_document())
    assert graph.concept_ids[0] == "b1"  # the prerequisite order puts the other chain first
    learners = learners_aiming_at(graph, "a3")
    assert chosen_concepts(Topological(), graph, learners) == {"b1"}
    assert chosen_concepts(Topological(goal_path=True), graph, learners) == {"a1"}


def test_goal_path_random_frontier_stays_on_the_goals_chain() -> None:
    graph = build_graph(two_chains_document())
    learners = learners_aiming_at(graph, "b4")
    assert chosen_concepts(RandomFrontier(goal_path=True), graph, learners) == {"b1"}
    assert chosen_concepts(RandomFrontier(goal_path=True), graph, learners_aiming_at(graph, "a3")) == {"a1"}
    assert chosen_concepts(RandomFrontier(), graph, learners) == {"a1", "b1"}  # both chains' starts
