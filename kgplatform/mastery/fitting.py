"""Fits BKT parameters per concept by EM (Baum-Welch), vectorised over every sequence of every concept.

A sequence is one learner's answers on one concept, in time order. Sequences are laid out time-major and
sorted by length, so step t of the forward-backward pass is one numpy operation over the sequences still
running at t, whatever concept they belong to; the M-step sums per concept with `np.bincount`.
Forgetting over time is not part of this HMM (the logs have no timestamps); `forget_rate_per_day` is set
by the caller. BKT's per-answer forget is (`fit_forget`, on by default since 5 December 2026).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import (
    DEFAULT_FORGET_RATE_PER_DAY,
    DEFAULT_P_GUESS,
    DEFAULT_P_INIT,
    DEFAULT_P_LEARN,
    DEFAULT_P_SLIP,
    FloatArray,
    IntArray,
    TracerParams,
)
from kgplatform.mastery.tracing_batch import ObservationRows

TINY = 1e-12
FORGET_START = 0.05  # the fitted forget's starting point and prior (pyBKT's typical small forget)


@dataclass(frozen=True)
class FitOptions:
    """Bounds keep the solution meaningful: guess and slip below 0.5 (else "mastered" could mean "more
    often wrong"); prior_strength pseudo-answers pull concepts with little data toward the defaults."""

    max_iter: int = 60
    tol: float = 1e-5
    max_guess: float = 0.45
    max_slip: float = 0.45
    max_learn: float = 0.5
    min_probability: float = 1e-3
    # Least P(right | mastered) - P(right | not mastered) = 1 - slip - guess after each M-step (0: none).
    # Where the fit falls short, slip and guess shrink by one factor: an answer must tell mastered from
    # not mastered by that much (a non-degeneracy constraint, Baker, Corbett & Aleven 2008).
    min_separation: float = 0.0
    # Fit BKT's per-answer forget probability (pyBKT's `forgets`) per concept within [min_forget,
    # max_forget]; False keeps standard BKT (forget 0), as fitted before 5 December 2026. The floor 0.02 is
    # what lets 2-3 wrong answers bring a learner at the top below "mastered" (0.85) on every skill but
    # one of assist2009 (docs/tracing.md, "The ceiling of the stored mastery"); the free fit left 11.
    fit_forget: bool = True
    min_forget: float = 0.02
    max_forget: float = 0.2
    prior_strength: float = 2.0
    forget_rate_per_day: float = DEFAULT_FORGET_RATE_PER_DAY
    progress: bool = True

    def __post_init__(self) -> None:
        # 1 or more would leave slip and guess no room at all (both shrunk to 0).
        if not (np.isfinite(self.min_separation) and 0 <= self.min_separation < 1):
            raise ValidationFailed(
                f"min_separation must lie in [0, 1), not {self.min_separation}", field="min_separation"
            )
        # TracerParams refuses such a rate too, but only once the EM fit has run: say it before.
        if not (np.isfinite(self.forget_rate_per_day) and self.forget_rate_per_day >= 0):
            raise ValidationFailed(
                "forget_rate_per_day must be a number >= 0 (0: no forgetting), "
                f"not {self.forget_rate_per_day}",
                field="forget_rate_per_day",
            )


@dataclass(frozen=True)
class FitReport:
    iterations: int
    log_likelihood: float
    n_sequences: int
    n_observations: int
    seconds: float


@dataclass(frozen=True, eq=False)
class _Layout:
    """Observations time-major: block t holds step t of the sequences still running, longest first."""

    score: FloatArray  # (n_obs,)
    concept: IntArray  # (n_obs,) concept of each observation
    offsets: IntArray  # (T + 1,) block t is [offsets[t], offsets[t+1])
    seq_concept: IntArray  # (n_seq,) in rank order


def layout_sequences(rows: ObservationRows) -> _Layout:
    """Groups rows into (learner, concept) sequences in (time, answer) order and lays them out time-major."""
    order = np.lexsort((rows.answer, rows.time_days, rows.concept, rows.learner))
    learner, concept, score = rows.learner[order], rows.concept[order], rows.score[order]
    new_seq = np.concatenate([[True], (learner[1:] != learner[:-1]) | (concept[1:] != concept[:-1])])
    seq = np.cumsum(new_seq) - 1
    starts = np.flatnonzero(new_seq)
    position = np.arange(seq.size) - starts[seq]
    lengths = np.bincount(seq)
    rank_of_seq = np.empty(lengths.size, dtype=np.int64)
    rank_of_seq[np.argsort(-lengths, kind="stable")] = np.arange(lengths.size)
    active = np.bincount(position)  # sequences running at each step (non-increasing)
    offsets = np.concatenate([[0], np.cumsum(active)]).astype(np.int64)
    flat = offsets[position] + rank_of_seq[seq]
    out_score = np.empty(seq.size)
    out_score[flat] = score
    out_concept = np.empty(seq.size, dtype=np.int64)
    out_concept[flat] = concept
    seq_concept = np.empty(lengths.size, dtype=np.int64)
    seq_concept[rank_of_seq] = concept[starts]
    return _Layout(out_score, out_concept, offsets, seq_concept)


def fit_bkt(
    rows: ObservationRows,
    concept_ids: Sequence[str],
    options: FitOptions | None = None,
    model_version: str = "bkt-em",
) -> tuple[TracerParams, FitReport]:
    """Maximum-a-posteriori BKT parameters for every concept (`rows.concept` indexes `concept_ids`)."""
    options = options or FitOptions()
    started = time.perf_counter()
    n_concepts = len(concept_ids)
    if rows.score.size == 0:  # the layout would hold one phantom sequence and fail with a shape error
        raise ValidationFailed(
            "no answers to fit the tracer on (did every row lack a skill or a learner?)", field="data"
        )
    layout = layout_sequences(rows)
    theta = np.array([[DEFAULT_P_INIT, DEFAULT_P_LEARN, DEFAULT_P_SLIP, DEFAULT_P_GUESS, 0.0]] * n_concepts)
    if options.fit_forget:  # from 0 EM would never move it (no M->U transition ever expected)
        theta[:, 4] = FORGET_START
    prior = theta.copy()
    previous = -np.inf
    log_likelihood = -np.inf
    iterations = 0
    # disable=None: drawn on a terminal only (a log kept every redraw), as the transfer training's bar.
    bar = tqdm(
        range(options.max_iter), desc="BKT EM", disable=None if options.progress else True, leave=False
    )
    for step in bar:
        iterations = step + 1
        stats, log_likelihood = _expectation(layout, theta, n_concepts)
        theta = _maximisation(stats, prior, options)
        bar.set_postfix(loglik=f"{log_likelihood:.1f}")
        if np.isfinite(previous) and abs(log_likelihood - previous) <= options.tol * abs(previous):
            break
        previous = log_likelihood
    bar.close()
    params = TracerParams(
        tuple(concept_ids),
        theta[:, 0],
        theta[:, 1],
        theta[:, 2],
        theta[:, 3],
        np.full(n_concepts, options.forget_rate_per_day),
        model_version,
        p_forget=theta[:, 4],
    )
    report = FitReport(
        iterations,
        float(log_likelihood),
        int(layout.seq_concept.size),
        int(layout.score.size),
        time.perf_counter() - started,
    )
    return params, report


def _expectation(layout: _Layout, theta: FloatArray, n_concepts: int) -> tuple[FloatArray, float]:
    """Scaled forward-backward; returns per-concept expected counts (columns documented in _maximisation)."""
    p_init, p_learn, p_slip, p_guess, p_forget = (theta[:, k] for k in range(5))
    c, y, off = layout.concept, layout.score, layout.offsets
    # Emission likelihoods of each observation under "mastered" (m) and "not mastered" (u).
    e_m = y * (1 - p_slip[c]) + (1 - y) * p_slip[c]
    e_u = y * p_guess[c] + (1 - y) * (1 - p_guess[c])
    learn = p_learn[c]
    forget = p_forget[c]
    alpha_m = np.empty_like(y)
    alpha_u = np.empty_like(y)
    scale = np.empty_like(y)
    steps = off.size - 1
    block = slice(off[0], off[1])
    am, au = p_init[layout.seq_concept] * e_m[block], (1 - p_init[layout.seq_concept]) * e_u[block]
    for t in range(steps):
        block = slice(off[t], off[t + 1])
        if t:
            n = off[t + 1] - off[t]
            prev_m, prev_u = alpha_m[off[t - 1] : off[t - 1] + n], alpha_u[off[t - 1] : off[t - 1] + n]
            moved = prev_u * learn[off[t - 1] : off[t - 1] + n]
            lost = prev_m * forget[off[t - 1] : off[t - 1] + n]
            am, au = (prev_m + moved - lost) * e_m[block], (prev_u - moved + lost) * e_u[block]
        total = np.maximum(am + au, TINY)
        scale[block], alpha_m[block], alpha_u[block] = total, am / total, au / total
    beta_m = np.ones_like(y)
    beta_u = np.ones_like(y)
    xi_learn = np.zeros_like(y)  # expected U->M transitions leaving each observation
    xi_forget = np.zeros_like(y)  # expected M->U transitions leaving each observation
    for t in range(steps - 2, -1, -1):
        n = off[t + 2] - off[t + 1]
        here = slice(off[t], off[t] + n)
        nxt = slice(off[t + 1], off[t + 2])
        wm = e_m[nxt] * beta_m[nxt] / scale[nxt]
        wu = e_u[nxt] * beta_u[nxt] / scale[nxt]
        lrn, fgt = learn[here], forget[here]
        beta_m[here] = (1 - fgt) * wm + fgt * wu
        beta_u[here] = lrn * wm + (1 - lrn) * wu
        xi_learn[here] = alpha_u[here] * lrn * wm
        xi_forget[here] = alpha_m[here] * fgt * wu
    gamma_m = alpha_m * beta_m
    gamma_u = alpha_u * beta_u
    has_next = np.zeros(y.size, dtype=bool)
    for t in range(steps - 1):
        has_next[off[t] : off[t] + off[t + 2] - off[t + 1]] = True
    first = slice(off[0], off[1])
    stats = np.stack(
        [
            np.bincount(layout.seq_concept, gamma_m[first], n_concepts),
            np.bincount(layout.seq_concept, None, n_concepts).astype(float),
            np.bincount(c, xi_learn, n_concepts),
            np.bincount(c[has_next], gamma_u[has_next], n_concepts),
            np.bincount(c, gamma_m * (1 - y), n_concepts),
            np.bincount(c, gamma_m, n_concepts),
            np.bincount(c, gamma_u * y, n_concepts),
            np.bincount(c, gamma_u, n_concepts),
            np.bincount(c, xi_forget, n_concepts),
            np.bincount(c[has_next], gamma_m[has_next], n_concepts),
        ],
        axis=1,
    )
    return stats, float(np.log(scale).sum())


def _maximisation(stats: FloatArray, prior: FloatArray, options: FitOptions) -> FloatArray:
    """New (p_init, p_learn, p_slip, p_guess, p_forget) per concept: expected counts plus pseudo-counts."""
    k = options.prior_strength
    ratios = [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]  # numerator and denominator columns of each parameter
    theta = np.stack(
        [(stats[:, a] + k * prior[:, i]) / (stats[:, b] + k) for i, (a, b) in enumerate(ratios)], axis=1
    )
    lo = options.min_probability
    theta[:, 0] = np.clip(theta[:, 0], lo, 1 - lo)
    theta[:, 1] = np.clip(theta[:, 1], lo, options.max_learn)
    theta[:, 2] = np.clip(theta[:, 2], lo, options.max_slip)
    theta[:, 3] = np.clip(theta[:, 3], lo, options.max_guess)
    low_forget = max(lo, options.min_forget)
    theta[:, 4] = np.clip(theta[:, 4], low_forget, options.max_forget) if options.fit_forget else 0.0
    noise = theta[:, 2] + theta[:, 3]
    room = 1.0 - options.min_separation
    if options.min_separation > 0 and np.any(noise > room):
        shrink = np.minimum(1.0, room / noise)
        theta[:, 2] *= shrink
        theta[:, 3] *= shrink
    return theta
