"""The baselines that need no training, on a curriculum small enough to check by hand."""

from __future__ import annotations

import numpy as np

from kgplatform.transfer.baselines import direct_prerequisite_scores, prerequisite_scores
from kgplatform.transfer.data import ConceptTable


def chain() -> ConceptTable:
    """a -> b -> c, and d on its own."""
    ids = ("a", "b", "c", "d")
    return ConceptTable(
        concept_ids=ids,
        names=ids,
        prereq_src=np.array([0, 1]),
        prereq_dst=np.array([1, 2]),
        difficulty=np.zeros(4),
    )


def test_direct_prerequisites_both_ways_score_the_pairs_the_simulated_truth_is_built_on() -> None:
    """The simulator's true transfer is a prerequisite's practice helping its dependant and the dependant's
    revising it: a rule with no data, and the generated evaluation lacked it (the transitive baseline scored
    0.298 against the truth where this one scores 0.922)."""
    scores = direct_prerequisite_scores(chain())
    expected = np.zeros((4, 4))
    expected[0, 1] = expected[1, 2] = 1.0
    expected[1, 0] = expected[2, 1] = 0.5
    np.testing.assert_array_equal(scores, expected)
    # The transitive baseline gives a -> c, which the truth never has, and nothing the other way.
    assert prerequisite_scores(chain())[0, 2] == 0.5 and prerequisite_scores(chain())[1, 0] == 0.0
