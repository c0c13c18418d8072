"""The learning frontier (ALEKS' "ready to learn") and the prerequisites that block a learner.

Every function takes mastery arrays shaped (..., n) - one learner (n,) or a chunk of learners
(L, n) - so the one-learner and the batch planners share the same definitions.
"""

from __future__ import annotations

import numpy as np

from kgplatform.planning.graph import ConceptGraph, propagate
from kgplatform.planning.reach import lead_to


def known_concepts(graph: ConceptGraph, p_mastery: np.ndarray, mastered_at: float) -> np.ndarray:
    """(..., n) bool: mastered, or implied by a mastered concept it leads to, or passed through
    (`through_taskless`: without tasks, every prerequisite known). `implied_known` is the same without
    the last, what a goal is met by.
    """
    return through_taskless(graph, implied_known(graph, p_mastery, mastered_at))


def through_taskless(graph: ConceptGraph, flags: np.ndarray) -> np.ndarray:
    """(..., n) bool: `flags`, and every concept without tasks whose prerequisites all carry the flag.

    Nobody can practise a concept without tasks, so it never holds a learner back itself; but it must not
    hide what stands before it. With Q -> P (no tasks) -> G, counting P as known opened G while Q was at
    0.2, and the report listed no blocker (a review, 1 December). Concepts are numbered in prerequisite
    order, so one pass in that order carries the flag down chains of them.
    """
    out = flags.copy()
    for concept, prerequisites in graph.taskless_prerequisites:
        out[..., concept] |= out[..., prerequisites].all(axis=-1)
    return out


def implied_known(graph: ConceptGraph, p_mastery: np.ndarray, mastered_at: float) -> np.ndarray:
    """(..., n) bool: mastered, or implied by a mastered concept it leads to.

    A learner who has mastered "quadratics" knows "multiplication"; knowledge-space theory says so,
    and it saves a placed learner from re-proving every foundation.
    """
    return lead_to(graph, (p_mastery >= mastered_at) & graph.has_tasks)


def unmet_prerequisites(graph: ConceptGraph, known: np.ndarray) -> np.ndarray:
    """(..., n) float: how many direct prerequisites of each concept are not yet known."""
    return (~known).astype(np.float32) @ graph.prereq_s


def frontier(graph: ConceptGraph, known: np.ndarray, good_enough: np.ndarray | None = None) -> np.ndarray:
    """(..., n) bool: not known, every prerequisite good enough (default: known), and some task practises it.

    A looser `good_enough` (prerequisites likely but not yet surely mastered) lets a learner try the
    next concept early; success there implies the prerequisite, failure sends them back to it.
    """
    good_enough = known if good_enough is None else good_enough | known
    return ~known & (unmet_prerequisites(graph, good_enough) == 0) & graph.has_tasks


def blocking_counts(
    graph: ConceptGraph, good_enough: np.ndarray, wanted: np.ndarray, unmet: np.ndarray | None = None
) -> np.ndarray:
    """(..., n) float: how many wanted-but-not-ready concepts each concept is a missing prerequisite of.

    `unmet`: `unmet_prerequisites(graph, good_enough) > 0` when the caller has it already.
    """
    if unmet is None:
        unmet = unmet_prerequisites(graph, good_enough) > 0
    stuck = wanted & ~good_enough & unmet
    return propagate(stuck.astype(np.float32), graph.prereq_t) * ~good_enough


def frontier_blocks_and_open(
    graph: ConceptGraph, known: np.ndarray, good_enough: np.ndarray, wanted: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`frontier(graph, known, good_enough)`, `blocking_counts(graph, good_enough, wanted)` and which
    concepts are open (every prerequisite good enough or known: fit to practise), for (L, n) arrays,
    sharing the unmet prerequisites when `known` lies within `good_enough` (the usual thresholds)."""
    unmet = unmet_prerequisites(graph, good_enough) > 0
    blocks = blocking_counts(graph, good_enough, wanted, unmet)
    # Rows where a known concept is not good enough (implied by a mastered dependant) count their
    # unmet prerequisites against `known | good_enough`, as `frontier` does; only those rows.
    odd = (known & ~good_enough).any(axis=-1)
    if odd.any():
        unmet[odd] = unmet_prerequisites(graph, known[odd] | good_enough[odd]) > 0
    ready = ~known & ~unmet & graph.has_tasks
    return ready, blocks, ~unmet


def goal_paths(graph: ConceptGraph, goals: np.ndarray, met: np.ndarray) -> np.ndarray:
    """(..., n) bool: concepts on the way to an unmet goal (the goal itself or one of its ancestors).

    `met`: concepts a goal is met by, `implied_known` (not `known_concepts`: a goal without tasks
    is not met because nobody can practise it, and what leads to it stays on the path). A learner
    with no goals is taken to aim at the whole curriculum.
    """
    aims = goals.astype(bool)
    no_goals = ~aims.any(axis=-1, keepdims=True)
    aims = np.where(no_goals, True, aims) & ~met
    return lead_to(graph, aims)
