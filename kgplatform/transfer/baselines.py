"""Non-GNN baselines that need no training: each turns prior knowledge or training-learner statistics into
a (C, C) score [source, target]. The learnt baselines (plain MLP, matrix factorisation) live in `model.py`.
"""

from __future__ import annotations

import numpy as np

from kgplatform.transfer.data import ConceptTable
from kgplatform.transfer.empirical import FloatArray, IntArray
from kgplatform.transfer.statistics import LogStatistics


def prerequisite_scores(concepts: ConceptTable) -> FloatArray:
    """What a designer's graph says: 1 for a direct prerequisite A -> B, 0.5 when A leads to B through
    others, 0 otherwise (the planner's default before any transfer model exists)."""
    prereq = concepts.prereq_matrix().astype(np.float32)
    reach = prereq.copy()
    frontier = prereq.copy()
    for _ in range(concepts.n):
        frontier = ((frontier @ prereq) > 0).astype(np.float32)
        if not frontier.any():
            break
        reach = np.maximum(reach, frontier)
    scores = np.where(prereq > 0, 1.0, np.where(reach > 0, 0.5, 0.0))
    np.fill_diagonal(scores, 0.0)
    return scores


def direct_prerequisite_scores(concepts: ConceptTable) -> FloatArray:
    """The designer's direct edges both ways, no data: 1 for a direct prerequisite A -> B, 0.5 for its
    reverse (practising a dependant revises its prerequisite), 0 otherwise. The simulator's true transfer is
    built on these very pairs (plus a few side links), so on a generated curriculum this rule is what a
    learnt model must beat to show it learnt anything from answers: `prerequisite_scores` counts pairs
    reached through others (the truth has none there) and not the reverse, and scored 0.298 where this one
    scores 0.922 (a review, 5 December 2026)."""
    direct = concepts.prereq_matrix()
    scores = np.where(direct, 1.0, np.where(direct.T, 0.5, 0.0))
    np.fill_diagonal(scores, 0.0)
    return scores


def sequence_scores(stats: LogStatistics) -> FloatArray:
    """Co-occurrence in sequences: P(the next response is on B | this one is on A) among training learners."""
    return stats.follow.copy()


def conditional_success_scores(stats: LogStatistics) -> FloatArray:
    """P(right on B | A practised before) - P(right on B | not), uncontrolled, on training learners."""
    from kgplatform.transfer.statistics import PAIR_STAT_NAMES

    return stats.pair[:, :, PAIR_STAT_NAMES.index("naive_lift")].copy()


def additive_mean_scores(
    n: int, src: IntArray, dst: IntArray, target: FloatArray, weight: FloatArray
) -> FloatArray:
    """Source effect + target effect of the training labels (weighted means, centred): "some concepts
    transfer a lot, some receive a lot". Concepts without labels fall back to the overall mean."""
    overall = float(np.average(target, weights=weight)) if weight.sum() > 0 else 0.0

    def mean_by(index: IntArray) -> FloatArray:
        total = np.bincount(index, weights=weight * (target - overall), minlength=n)
        count = np.bincount(index, weights=weight, minlength=n)
        return total / (count + 1.0)  # one pseudo-pair at the overall mean

    scores = overall + mean_by(src)[:, None] + mean_by(dst)[None, :]
    np.fill_diagonal(scores, 0.0)
    return scores
