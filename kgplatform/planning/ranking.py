"""Concept scores kept in parts, and each learner's best k concepts without scoring every concept exactly.

A concept's score is a float32 part (goal pull and transfer gain) plus fixed bonuses (unblocks, review
on the path, a task in the band, a tag the learner is interested in), scaled down off the goal path,
rounded to `SCORE_DECIMALS` in float64. Writing that out for every learner x concept costs about twenty
float64 passes, while a plan needs the best few concepts. So the bonuses are kept as bits
(`ScoreParts.terms`), a float32 estimate (within 1e-6 of the score) finds each row's k-th best, and only
concepts within `MARGIN` of it get the exact score. Any concept of the exact top k has an estimate above
the k-th best estimate minus twice the estimate's error and the rounding (about 1e-6 x (1 + score)),
well inside `MARGIN`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from kgplatform.planning.cells import set_cells
from kgplatform.planning.graph import ConceptGraph

if TYPE_CHECKING:
    from kgplatform.planning.policy import PlanConfig

SCORE_DECIMALS = 6
NOT_A_CANDIDATE = -1e9
MARGIN = 1e-4
BLOCK = 8
# Subtracted from every off-path candidate's score: each ranks after every candidate on the goal path
# (scores are sums of weights below 1 and normalised parts, far below this), so a plan's candidates
# list the goal path first, then what is off it (`policy.pick_sequence` groups them so).
OFF_PATH_SHIFT = 16.0

UNBLOCKS, REVIEW_ON_PATH, IN_BAND, OFF_PATH, NOT_CANDIDATE, LIKED = (1 << i for i in range(6))
N_CODES = 1 << 6


@dataclass(frozen=True, eq=False)
class ScoreParts:
    """Scores of (L, n) learner x concept entries, in parts; `at` and `full` give the rounded scores."""

    base: np.ndarray  # float32: goal_weight x goal pull + transfer_weight x transfer gain
    terms: np.ndarray  # uint8 bits: UNBLOCKS | REVIEW_ON_PATH | IN_BAND | OFF_PATH | NOT_CANDIDATE | LIKED
    weights: tuple[float, float, float, float, float]  # unblock, review, band, off_path, interest
    place_rows: np.ndarray  # rows of learners who answered nothing yet (placement), ascending
    place_score: np.ndarray  # (len(place_rows), n) float64: their rounded scores

    def at(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Rounded float64 scores of the given entries, the same bits as summing the full matrices."""
        unblock, review, band, off_path, interest = self.weights
        terms = self.terms[rows, cols]
        score = self.base[rows, cols].astype(np.float64)
        # Term by term in the order of the sum (a missing term adds 0.0, as False x weight does).
        score += np.where(terms & UNBLOCKS, unblock, 0.0)
        score += np.where(terms & REVIEW_ON_PATH, review, 0.0)
        score += np.where(terms & IN_BAND, band, 0.0)
        score += np.where(terms & LIKED, interest, 0.0)
        score = np.where(terms & OFF_PATH, off_path * score - OFF_PATH_SHIFT, score)
        score = np.where(terms & NOT_CANDIDATE, NOT_A_CANDIDATE, score)
        score = np.round(score, SCORE_DECIMALS)
        if self.place_rows.size:
            slot = np.minimum(np.searchsorted(self.place_rows, rows), self.place_rows.size - 1)
            placed = self.place_rows[slot] == rows
            score[placed] = self.place_score[slot[placed], cols[placed]]
        return score

    def take(self, rows: np.ndarray) -> ScoreParts:
        """The parts of the given rows (ascending), in that order."""
        placed = np.isin(rows, self.place_rows)
        return ScoreParts(
            self.base[rows],
            self.terms[rows],
            self.weights,
            np.flatnonzero(placed),
            self.place_score[np.searchsorted(self.place_rows, rows[placed])],
        )

    def full(self) -> np.ndarray:
        """(L, n) every entry's rounded score."""
        n_rows, n = self.base.shape
        rows, cols = np.divmod(np.arange(n_rows * n), n)
        return self.at(rows, cols).reshape(n_rows, n)

    def estimate(self) -> np.ndarray:
        """(L, n) float32 within 1e-6 of each score before rounding; -inf for non-candidates."""
        unblock, review, band, off_path, interest = self.weights
        codes = np.arange(N_CODES)
        extra = (
            unblock * (codes & UNBLOCKS > 0)
            + review * (codes & REVIEW_ON_PATH > 0)
            + band * (codes & IN_BAND > 0)
            + interest * (codes & LIKED > 0)
        )
        scale = np.where(codes & OFF_PATH, off_path, 1.0)
        scale = np.where(codes & NOT_CANDIDATE, 0.0, scale).astype(np.float32)
        shift = np.where(codes & OFF_PATH, scale * extra - OFF_PATH_SHIFT, scale * extra)
        shift = np.where(codes & NOT_CANDIDATE, -np.inf, shift).astype(np.float32)
        estimate = self.base * scale[self.terms]
        estimate += shift[self.terms]
        if self.place_rows.size:
            estimate[self.place_rows] = np.where(
                self.place_score > NOT_A_CANDIDATE / 2, self.place_score, -np.inf
            ).astype(np.float32)
        return estimate


def _kth_largest_at_most(estimate: np.ndarray, k: int) -> np.ndarray:
    """(L, 1) a value at most each row's k-th largest estimate: the k-th largest of the maxima of
    blocks of `BLOCK` columns (k distinct entries reach it). Selecting among n / BLOCK maxima costs a
    fraction of selecting among n entries, and only a few more entries then pass as `near`."""
    n_rows, n = estimate.shape
    blocks = -(-n // BLOCK)
    if blocks < k:
        return np.partition(estimate, n - k, axis=1)[:, n - k : n - k + 1]
    if n % BLOCK:
        estimate = np.pad(estimate, ((0, 0), (0, blocks * BLOCK - n)), constant_values=-np.inf)
    # Column j of `maxima` is the maximum of columns j*BLOCK .. j*BLOCK+BLOCK-1: strided whole-array
    # maxima, as numpy's reduction over a short last axis loops once per block.
    maxima = estimate[:, 0::BLOCK].copy()
    for offset in range(1, BLOCK):
        np.maximum(maxima, estimate[:, offset::BLOCK], out=maxima)
    return np.partition(maxima, blocks - k, axis=1)[:, blocks - k : blocks - k + 1]


def top_concepts(parts: ScoreParts, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(L, k) best concepts per learner (score down, index up) and which are real candidates.

    Rows with fewer than k candidates are padded with concept 0, marked not real.
    """
    n_rows, n = parts.base.shape
    k = min(k, n)
    estimate = parts.estimate()
    kth = _kth_largest_at_most(estimate, k)
    near = estimate >= kth - MARGIN * (1.0 + np.abs(kth))  # float32 error grows with the score
    rows, cols = set_cells(near)
    candidate = estimate[rows, cols] > -np.inf
    rows, cols = rows[candidate], cols[candidate]
    exact = parts.at(rows, cols)
    order = np.lexsort((cols, -exact, rows))
    rows, cols = rows[order], cols[order]
    starts = np.searchsorted(rows, np.arange(n_rows))
    rank = np.arange(rows.size) - starts[rows]
    keep = rank < k
    top = np.zeros((n_rows, k), dtype=np.int64)
    valid = np.zeros((n_rows, k), dtype=bool)
    top[rows[keep], rank[keep]] = cols[keep]
    valid[rows[keep], rank[keep]] = True
    return top, valid


def compose_scores(
    graph: ConceptGraph,
    config: PlanConfig,
    base: np.ndarray,
    unblocks: np.ndarray,
    review_on_path: np.ndarray,
    in_band: np.ndarray,
    ready: np.ndarray,
    on_path: np.ndarray,
    review: np.ndarray,
    p: np.ndarray,
    placement: np.ndarray,
    liked: np.ndarray | None = None,
) -> ScoreParts:
    """The parts of `policy.score_concepts`'s scores from its (L, n) flags and float32 base.

    Candidates: ready concepts on the path and reviews at full score, other ready concepts scaled by
    `off_path_weight`; a learner who answered nothing gets placement scores instead (central,
    uncertain concepts), computed in full for those rows only.
    """
    chosen = (ready & on_path) | review
    terms = unblocks.view(np.uint8).copy()
    terms |= review_on_path.view(np.uint8) << 1
    terms |= in_band.view(np.uint8) << 2
    terms |= (ready & ~chosen).view(np.uint8) << 3
    terms |= (~(chosen | ready)).view(np.uint8) << 4
    if liked is not None:
        terms |= liked.view(np.uint8) << 5
    place_rows = np.flatnonzero(placement)
    place_score = np.zeros((0, base.shape[1]))
    if place_rows.size:
        uncertainty = p[place_rows] * (1.0 - p[place_rows])
        place = uncertainty * (0.5 + graph.centrality) * np.where(on_path[place_rows], 1.0, 0.5)
        place_score = np.round(np.where(graph.has_tasks, place, NOT_A_CANDIDATE), SCORE_DECIMALS)
    weights = (
        config.unblock_weight,
        config.review_weight,
        config.band_weight,
        config.off_path_weight,
        config.interest_weight,
    )
    return ScoreParts(base, terms, weights, place_rows, place_score)
