"""Empirical transfer per ordered concept pair (A -> B), measured from answer logs with controls.

The question: is a learner more often right on B when they have practised A before, compared with
learners at the *same amount of practice on B*, the *same prior accuracy* and the *same experience*
(number of earlier responses) who have not practised A? Experience matters twice: learners further along
have met more concepts (so "A before" is likelier) and have had longer to forget. Each response on B
falls into a stratum (practice on B x accuracy so far x experience);
within a stratum, treated = A practised earlier, control = not. The effect is the stratum differences
weighted by their precision (n_t n_c / (n_t + n_c)) and shrunk toward 0 by a pseudo-weight, so pairs
seen a few times cannot look strong:

    effect(A, B) = sum_s w_s (p_t,s - p_c,s) / (sum_s w_s + shrinkage)

`naive_lift` is the same difference without strata (the "conditional success" statistic): kept as a
baseline and a feature, since it mixes transfer with ability and with how far along a learner is.
A response tagged with several concepts is one response: it counts once per concept it exercises, and a
concept practised in the same response is not "earlier".
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from kgplatform.mastery.datasets import ResponseLog

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class EmpiricalOptions:
    """Strata edges: practice counts on B (bucket i holds counts in [edges[i], edges[i+1])) and prior
    accuracy (plus one bucket for "no earlier response"). `shrinkage` is the pseudo-weight toward 0.
    `block_cells` bounds memory: the counts are gathered for a block of target concepts at a time
    (strata x targets x sources cells) and rows are processed `chunk_rows` at a time but never more than
    block_cells / C of them, so no array grows with C^2 x strata (about 32 MiB per float64 array)."""

    practice_edges: tuple[int, ...] = (0, 1, 2, 3, 5, 9)
    accuracy_edges: tuple[float, ...] = (0.4, 0.6, 0.8)
    experience_edges: tuple[int, ...] = (0, 5, 15, 40, 100)
    shrinkage: float = 20.0
    chunk_rows: int = 40_000
    block_cells: int = 4_000_000

    @property
    def n_context(self) -> int:
        """Strata per practice bucket: accuracy buckets (plus "no earlier response") x experience buckets."""
        return (len(self.accuracy_edges) + 2) * len(self.experience_edges)

    @property
    def n_strata(self) -> int:
        return len(self.practice_edges) * self.n_context


def run_starts(*keys: NDArray[np.generic]) -> NDArray[np.bool_]:
    """True where any of the aligned sorted `keys` differs from the previous element (and at 0); an empty
    log gives an empty mask rather than a lone True that indexes nothing."""
    size = keys[0].size
    new = np.zeros(size, dtype=bool)
    new[:1] = True
    for key in keys:
        new[1:] |= key[1:] != key[:-1]
    return new


@dataclass(frozen=True, eq=False)
class ResponseView:
    """A log as responses: one row per (response, concept), sorted by learner then response.

    row_response indexes the responses 0..R-1 (in learner, time order); resp_user / resp_correct /
    resp_first (index of the learner's first response) are per response.
    """

    row_response: IntArray
    row_concept: IntArray
    resp_user: IntArray
    resp_correct: FloatArray
    resp_first: IntArray
    n_concepts: int

    @classmethod
    def from_log(cls, log: ResponseLog, n_concepts: int | None = None) -> ResponseView:
        order = np.lexsort((log.skill, log.response, log.user))
        user, response, concept = log.user[order], log.response[order], log.skill[order]
        new = run_starts(response, user)
        row_response = np.cumsum(new) - 1
        starts = np.flatnonzero(new)
        resp_user = user[starts]
        new_user = run_starts(resp_user)
        resp_first = np.maximum.accumulate(np.where(new_user, np.arange(resp_user.size), 0))
        return cls(
            row_response.astype(np.int64),
            concept.astype(np.int64),
            resp_user.astype(np.int64),
            log.correct[order][starts].astype(np.float64),
            resp_first.astype(np.int64),
            int(n_concepts if n_concepts is not None else len(log.skill_labels)),
        )

    @property
    def n_responses(self) -> int:
        return int(self.resp_user.size)

    def chunks(self, size: int) -> Iterator[tuple[int, int]]:
        """[start, stop) response ranges of about `size` that never split a learner."""
        n = self.n_responses
        bounds = [0]
        for start in np.flatnonzero(self.resp_first == np.arange(n))[1:].tolist():
            if start - bounds[-1] >= size:
                bounds.append(start)
        bounds.append(n)
        yield from ((a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a)

    def practice_before(self, start: int, stop: int) -> NDArray[np.int32]:
        """(stop - start, C): how often the learner practised each concept before each response."""
        rows = (self.row_response >= start) & (self.row_response < stop)
        hot = np.zeros((stop - start, self.n_concepts), dtype=np.int32)
        hot[self.row_response[rows] - start, self.row_concept[rows]] = 1
        cumulative = np.cumsum(hot, axis=0, dtype=np.int32) - hot
        return cumulative - cumulative[self.resp_first[start:stop] - start]

    def accuracy_before(self) -> tuple[FloatArray, IntArray]:
        """Per response: the learner's share of right responses before it, and how many there were."""
        position = np.arange(self.n_responses) - self.resp_first
        cumulative = np.cumsum(self.resp_correct) - self.resp_correct
        earlier = cumulative - cumulative[self.resp_first]
        with np.errstate(invalid="ignore", divide="ignore"):
            accuracy = np.where(position > 0, earlier / np.maximum(position, 1), np.nan)
        return accuracy, position


@dataclass(frozen=True, eq=False)
class PairCounts:
    """Sufficient statistics of one block of target concepts, indexed [stratum, target B, source A]
    (treated) and [stratum, B] (all); B counts from the block's first target."""

    treat_n: FloatArray
    treat_y: FloatArray
    all_n: FloatArray
    all_y: FloatArray


@dataclass(frozen=True, eq=False)
class EmpiricalTransfer:
    """(C, C) matrices indexed [source A, target B]; the diagonal is 0 by definition."""

    effect: FloatArray  # shrunk, the training label
    raw: FloatArray  # unshrunk weighted stratum difference (NaN where no stratum had both groups)
    support: FloatArray  # sum of stratum precision weights
    naive_lift: FloatArray  # uncontrolled P(right on B | A before) - P(right on B | not)
    first_with_source: FloatArray  # first responses on B where A had been practised before (precedence)


@dataclass(frozen=True, eq=False)
class RowStrata:
    """Per (response, concept) row of a view: its stratum and outcome; and per learner and concept the
    first response that practised it (index + 1; 0 = never), which says whether A came before any row
    without a (responses x C) running count."""

    stratum: IntArray
    y: FloatArray
    user: IntArray
    first_practice: sp.csr_matrix

    @classmethod
    def from_view(cls, view: ResponseView, options: EmpiricalOptions) -> RowStrata:
        accuracy, position = view.accuracy_before()
        acc_bucket = np.where(
            position == 0,
            0,
            1 + np.searchsorted(options.accuracy_edges, np.nan_to_num(accuracy), side="right"),
        )
        experience = np.searchsorted(options.experience_edges, position, side="right") - 1
        context = acc_bucket * len(options.experience_edges) + experience
        practice, first_practice = practice_on_target(view)
        practice_bucket = np.searchsorted(options.practice_edges, practice, side="right") - 1
        return cls(
            practice_bucket * options.n_context + context[view.row_response],
            view.resp_correct[view.row_response],
            view.resp_user[view.row_response],
            first_practice,
        )


def practice_on_target(view: ResponseView) -> tuple[IntArray, sp.csr_matrix]:
    """Per row, how many earlier responses of the learner practised the row's concept (a response that
    lists a concept twice counts once); and the learners x concepts matrix of first responses (+ 1)."""
    user = view.resp_user[view.row_response]
    order = np.lexsort((view.row_response, view.row_concept, user))
    group = run_starts(user[order], view.row_concept[order])
    distinct = np.cumsum(run_starts(user[order], view.row_concept[order], view.row_response[order])) - 1
    practice = np.empty(order.size, dtype=np.int64)
    practice[order] = distinct - np.maximum.accumulate(np.where(group, distinct, 0))
    heads = order[group]
    first_practice = sp.csr_matrix(
        (view.row_response[heads] + 1, (user[heads], view.row_concept[heads])),
        shape=(int(view.resp_user.max(initial=-1)) + 1, view.n_concepts),
    )
    return practice, first_practice


def count_pairs(
    view: ResponseView, rows: RowStrata, targets: range, options: EmpiricalOptions | None = None
) -> PairCounts:
    """Counts of the rows whose concept is in `targets`, `chunk_rows` rows at a time (at most
    block_cells / C), so memory stays at (strata x targets + rows) x C."""
    options = options or EmpiricalOptions()
    c, width, n_strata = view.n_concepts, len(targets), options.n_strata
    treat_n = np.zeros((n_strata * width, c))
    treat_y = np.zeros((n_strata * width, c))
    all_n = np.zeros(n_strata * width)
    all_y = np.zeros(n_strata * width)
    in_block = np.flatnonzero((view.row_concept >= targets.start) & (view.row_concept < targets.stop))
    step = max(1, min(options.chunk_rows, options.block_cells // max(c, 1)))
    for start in range(0, in_block.size, step):
        chunk = in_block[start : start + step]
        target = view.row_concept[chunk]
        first = rows.first_practice[rows.user[chunk]].toarray()
        treated = ((first > 0) & (first <= view.row_response[chunk, None])).astype(np.float64)
        treated[np.arange(chunk.size), target] = 0.0
        key = rows.stratum[chunk] * width + (target - targets.start)
        y = rows.y[chunk]
        select = sp.csr_matrix(
            (np.ones(chunk.size), (np.arange(chunk.size), key)), shape=(chunk.size, n_strata * width)
        )
        treat_n += np.asarray(select.T @ treated)
        treat_y += np.asarray(select.T @ (treated * y[:, None]))
        all_n += np.bincount(key, minlength=n_strata * width)
        all_y += np.bincount(key, weights=y, minlength=n_strata * width)
    shape = (n_strata, width)
    return PairCounts(
        treat_n.reshape(*shape, c), treat_y.reshape(*shape, c), all_n.reshape(shape), all_y.reshape(shape)
    )


def estimate_block(counts: PairCounts, options: EmpiricalOptions | None = None) -> list[FloatArray]:
    """Stratified, precision-weighted, shrunk effects of one block of targets (see the module docstring):
    [effect, raw, support, naive lift, first responses with the source], each indexed [B, A]."""
    options = options or EmpiricalOptions()
    n_t, y_t = counts.treat_n, counts.treat_y
    n_c = counts.all_n[:, :, None] - n_t
    y_c = counts.all_y[:, :, None] - y_t
    both = (n_t > 0) & (n_c > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        diff = np.where(both, y_t / np.where(both, n_t, 1) - y_c / np.where(both, n_c, 1), 0.0)
        weight = np.where(both, n_t * n_c / np.where(both, n_t + n_c, 1), 0.0)
    support = weight.sum(axis=0)  # [B, A]
    numerator = (weight * diff).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(support > 0, numerator / np.where(support > 0, support, 1), np.nan)
        tn, tc = n_t.sum(axis=0), n_c.sum(axis=0)
        naive = np.where(
            (tn > 0) & (tc > 0),
            y_t.sum(axis=0) / np.maximum(tn, 1) - y_c.sum(axis=0) / np.maximum(tc, 1),
            0.0,
        )
    denominator = support + options.shrinkage
    effect = np.divide(numerator, denominator, out=np.zeros_like(numerator), where=denominator > 0)
    first = n_t[: options.n_context].sum(axis=0)  # practice bucket 0 = first response on B
    return [effect, raw, support, naive, first]


def target_blocks(n_concepts: int, options: EmpiricalOptions) -> Iterator[range]:
    """Consecutive ranges of target concepts whose counts fit in `block_cells`."""
    width = max(1, options.block_cells // (options.n_strata * max(n_concepts, 1)))
    for start in range(0, n_concepts, width):
        yield range(start, min(start + width, n_concepts))


def empirical_transfer(
    log: ResponseLog, n_concepts: int | None = None, options: EmpiricalOptions | None = None
) -> EmpiricalTransfer:
    """Counts and estimates, one block of target concepts at a time: the label for a set of learners' logs.
    An empty log gives no evidence: every effect and support 0."""
    options = options or EmpiricalOptions()
    view = ResponseView.from_log(log, n_concepts)
    rows = RowStrata.from_view(view, options)
    c = view.n_concepts
    out = [np.zeros((c, c)) for _ in range(5)]  # [A, B]
    for targets in target_blocks(c, options):
        block = estimate_block(count_pairs(view, rows, targets, options), options)
        for matrix, part in zip(out, block, strict=True):
            matrix[:, targets.start : targets.stop] = part.T
    for i, matrix in enumerate(out):
        np.fill_diagonal(matrix, np.nan if i == 1 else 0.0)
    return EmpiricalTransfer(*out)
