"""Concept and concept-pair statistics from answer logs: the GNN's data-driven features and the inputs of
the non-GNN baselines. Computed on training learners only, so nothing from held-out learners leaks in.

A concept with no answers (cold start) gets zeros and `has_data = 0`; its pairs get zeros too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from kgplatform.transfer.empirical import EmpiricalTransfer, FloatArray, ResponseView

NODE_STAT_NAMES = (
    "log_responses",
    "log_learners",
    "success",
    "first_success",
    "late_minus_first",
    "first_position",
    "has_data",
)
PAIR_STAT_NAMES = ("follow", "follow_reverse", "precedence", "co_learners", "log_co_learners", "naive_lift")


@dataclass(frozen=True, eq=False)
class LogStatistics:
    """node: (C, len(NODE_STAT_NAMES)); pair: (C, C, len(PAIR_STAT_NAMES)) indexed [source, target];
    follow: (C, C) P(next response is on B | this one is on A), the sequence graph."""

    node: FloatArray
    pair: FloatArray
    follow: FloatArray


def compute_statistics(view: ResponseView, transfer: EmpiricalTransfer) -> LogStatistics:
    """Per-concept and per-pair statistics of the learners in `view` (the label computation is reused
    for the naive lift and for precedence, so the log is walked once more only for sequences)."""
    c = view.n_concepts
    resp = view.row_response
    concept = view.row_concept
    y = view.resp_correct[resp]
    user = view.resp_user[resp]
    n_rows = np.bincount(concept, minlength=c).astype(float)
    has = n_rows > 0
    learners = sp.csr_matrix((np.ones(resp.size), (user, concept)), shape=(int(user.max(initial=0)) + 1, c))
    learners.data[:] = 1.0
    learners.sum_duplicates()
    learners.data[:] = 1.0
    n_learners = np.asarray(learners.sum(axis=0)).ravel()

    # practice index of each row on its concept (0 = first response on that concept)
    order = np.lexsort((resp, concept, user))
    key = user[order] * c + concept[order]
    new = np.concatenate([[True], key[1:] != key[:-1]])
    first_of_run = np.maximum.accumulate(np.where(new, np.arange(key.size), 0))
    practice = np.empty(resp.size, dtype=np.int64)
    practice[order] = np.arange(key.size) - first_of_run
    first = practice == 0
    late = practice >= 3
    position = resp - view.resp_first[resp]
    length = np.bincount(view.resp_user, minlength=int(view.resp_user.max(initial=0)) + 1)[user]
    relative = position / np.maximum(length - 1, 1)

    def mean(mask: np.ndarray, values: np.ndarray, prior: float) -> FloatArray:
        total = np.bincount(concept[mask], weights=values[mask], minlength=c)
        count = np.bincount(concept[mask], minlength=c)
        return (total + 5.0 * prior) / (count + 5.0)  # 5 pseudo-answers at the global mean

    base = float(y.mean()) if y.size else 0.5
    success = mean(np.ones_like(first), y, base)
    first_success = mean(first, y, base)
    late_success = mean(late, y, base)
    first_position = mean(first, relative, 0.5)
    node = np.stack(
        [
            np.log1p(n_rows),
            np.log1p(n_learners),
            success,
            first_success,
            late_success - first_success,
            first_position,
            has.astype(float),
        ],
        axis=1,
    )
    node[~has, :-1] = 0.0

    follow = _follow_counts(view)
    row_sum = follow.sum(axis=1, keepdims=True)
    follow_p = np.divide(follow, row_sum, out=np.zeros_like(follow), where=row_sum > 0)
    co = np.asarray((learners.T @ learners).todense(), dtype=float)
    np.fill_diagonal(co, 0.0)
    union = n_learners[:, None] + n_learners[None, :] - co
    jaccard = np.divide(co, union, out=np.zeros_like(co), where=union > 0)
    precedence = np.divide(transfer.first_with_source, co, out=np.zeros_like(co), where=co > 0)
    pair = np.stack(
        [follow_p, follow_p.T, np.clip(precedence, 0, 1), jaccard, np.log1p(co), transfer.naive_lift], axis=2
    )
    return LogStatistics(node=node, pair=pair, follow=follow_p)


def _follow_counts(view: ResponseView) -> FloatArray:
    """(C, C) counts of a response on A directly followed, within a learner, by a response on B != A."""
    c = view.n_concepts
    hot = sp.csr_matrix(
        (np.ones(view.row_response.size), (view.row_response, view.row_concept)), shape=(view.n_responses, c)
    )
    hot.data[:] = 1.0
    same_learner = view.resp_first[1:] == view.resp_first[:-1]
    keep = sp.diags(same_learner.astype(float))
    counts = np.asarray((hot[:-1].T @ keep @ hot[1:]).todense(), dtype=float)
    np.fill_diagonal(counts, 0.0)
    return counts
