from __future__ import annotations

import numpy as np

from kgplatform.planning import frontier as fr
from kgplatform.planning.graph import ConceptGraph


def mastery(graph: ConceptGraph, **values: float) -> np.ndarray:
    p = np.full(graph.n_concepts, 0.2)
    for concept, value in values.items():
        p[graph.index[concept]] = value
    return p


def names(graph: ConceptGraph, mask: np.ndarray) -> set[str]:
    return {graph.concept_ids[i] for i in np.flatnonzero(mask)}


def test_frontier_is_unmastered_concepts_whose_prerequisites_are_mastered(chain: ConceptGraph) -> None:
    known = fr.known_concepts(chain, mastery(chain, a=0.9), 0.85)
    assert names(chain, fr.frontier(chain, known)) == {"b", "x", "z"}


def test_mastering_a_concept_implies_its_prerequisites(chain: ConceptGraph) -> None:
    known = fr.known_concepts(chain, mastery(chain, c=0.95), 0.85)
    assert names(chain, known) == {"a", "b", "c"}
    assert names(chain, fr.frontier(chain, known)) == {"x", "z"}


def test_blocking_prerequisite_of_a_stuck_goal(chain: ConceptGraph) -> None:
    known = fr.known_concepts(chain, mastery(chain, c=0.95), 0.85)
    goals = np.zeros(chain.n_concepts, bool)
    goals[chain.index["d"]] = True
    wanted = fr.goal_paths(chain, goals, known)
    assert names(chain, wanted) == {"a", "b", "c", "d", "x"}  # known ancestors stay on the path (review)
    blocks = fr.blocking_counts(chain, known, wanted)
    assert names(chain, blocks > 0) == {"x"}


def test_a_met_goal_puts_nothing_on_the_path(chain: ConceptGraph) -> None:
    """The path is what leads to an unmet goal: a goal met (here c, and with it a, b) takes its ancestors
    off it, even one not counted as known (the learner failed b), so the reasons do not say "leads to your
    goal C" of a goal already reached; another goal still unmet keeps its own path."""
    met = fr.implied_known(chain, mastery(chain, c=0.95), 0.85)
    met[chain.index["b"]] = False  # answered and failed: a mastered dependant does not imply it
    goals = np.zeros(chain.n_concepts, bool)
    goals[chain.index["c"]] = True
    assert names(chain, fr.goal_paths(chain, goals, met)) == set()
    goals[chain.index["z"]] = True
    assert names(chain, fr.goal_paths(chain, goals, met)) == {"z"}


def test_batch_shapes_give_the_same_answer_per_row(chain: ConceptGraph) -> None:
    rows = np.stack([mastery(chain, a=0.9), mastery(chain, c=0.95)])
    known = fr.known_concepts(chain, rows, 0.85)
    for row in range(2):
        single = fr.known_concepts(chain, rows[row], 0.85)
        assert np.array_equal(fr.frontier(chain, known)[row], fr.frontier(chain, single))
