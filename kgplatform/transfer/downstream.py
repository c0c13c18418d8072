"""The downstream test of a transfer model: does the tracer predict next answers better with it?

BKT parameters are fitted on training learners (`mastery.fitting.fit_bkt`); held-out learners are replayed
from scratch (`mastery.tracing_batch.replay_rows`), and each response is predicted once, before any of its
rows is observed (a multi-skill response's rows share one answer key, so none of them leaks into another):
its probability is the mean over its concepts. Predicted transfer becomes tracer strengths by
`strengths_from_prediction`; the one scale `alpha` is chosen on validation learners, never on test ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.fitting import FitOptions, fit_bkt
from kgplatform.mastery.metrics import roc_auc
from kgplatform.mastery.tracing_batch import replay_rows
from kgplatform.transfer.empirical import FloatArray

ALPHAS = (0.02, 0.05, 0.1, 0.25, 0.5, 1.0)  # per practice of the source, so small values are expected
SOURCES_PER_TARGET = 5


@dataclass(frozen=True)
class TracerGain:
    name: str
    alpha: float
    valid_auc: float
    test_auc: float
    gain: float  # test AUC with this transfer minus without


def strengths_from_prediction(
    predicted: FloatArray,
    base_success: FloatArray,
    alpha: float,
    sources_per_target: int = SOURCES_PER_TARGET,
) -> tuple[np.ndarray, ...]:
    """(src, dst, strength): a predicted gain in P(right on B) as a share of the room above B's base rate,
    scaled by alpha, clipped to [0, 1]; each target keeps its strongest sources (sparse)."""
    n = predicted.shape[0]
    room = np.maximum(1.0 - base_success, 0.05)
    strength = np.clip(alpha * predicted / room[None, :], 0.0, 1.0)
    np.fill_diagonal(strength, 0.0)
    k = min(sources_per_target, n - 1)
    top = np.argsort(-strength, axis=0, kind="stable")[:k]  # (k, n): best sources per target column
    dst = np.tile(np.arange(n), k)
    src = top.ravel()
    s = strength[src, dst]
    keep = s > 0.005
    return src[keep].astype(np.int64), dst[keep].astype(np.int64), s[keep]


def next_answer_auc(params: TracerParams, log: ResponseLog, transfer: TransferEdges | None) -> float:
    """Leak-free next-answer AUC over responses of `log`'s learners, replayed from p_init."""
    result = replay_rows(log.observations(), params, transfer)
    _, response = np.unique(log.response, return_inverse=True)
    count = np.bincount(response)
    predicted = np.bincount(response, weights=result.predicted) / count
    correct = np.bincount(response, weights=log.correct) / count
    return roc_auc(correct, predicted)


def fit_tracer(train_log: ResponseLog, concept_ids: Sequence[str]) -> TracerParams:
    """Per-concept BKT by EM on training learners. Logs without timestamps count responses as days, so
    forgetting is switched off here (it would decay by answer count, not time)."""
    params, _ = fit_bkt(
        train_log.observations(), concept_ids, FitOptions(progress=False, forget_rate_per_day=0.0)
    )
    return params


def base_success(log: ResponseLog, n: int) -> FloatArray:
    total = np.bincount(log.skill, weights=log.correct, minlength=n)
    count = np.bincount(log.skill, minlength=n)
    return (total + 5 * log.correct.mean()) / (count + 5)


def tracer_gains(
    train_log: ResponseLog,
    valid_log: ResponseLog,
    test_log: ResponseLog,
    concept_ids: Sequence[str],
    predictions: Mapping[str, FloatArray],
    alphas: Sequence[float] = ALPHAS,
) -> list[TracerGain]:
    """One row per transfer source plus the tracer without transfer (gain 0 by definition)."""
    n = len(concept_ids)
    params = fit_tracer(train_log, concept_ids)
    base = base_success(train_log, n)
    without_valid = next_answer_auc(params, valid_log, None)
    without_test = next_answer_auc(params, test_log, None)
    rows = [TracerGain("without transfer", 0.0, without_valid, without_test, 0.0)]
    for name, predicted in predictions.items():
        alpha, valid_auc = best_alpha(params, base, valid_log, predicted, without_valid, alphas)
        edges = (
            TransferEdges.from_arrays(*strengths_from_prediction(predicted, base, alpha), n)
            if alpha
            else None
        )
        test_auc = next_answer_auc(params, test_log, edges)
        rows.append(TracerGain(name, alpha, valid_auc, test_auc, test_auc - without_test))
    return rows


def best_alpha(
    params: TracerParams,
    base: FloatArray,
    valid_log: ResponseLog,
    predicted: FloatArray,
    without_auc: float,
    alphas: Sequence[float] = ALPHAS,
) -> tuple[float, float]:
    """(alpha, validation AUC): the scale with the best next-answer AUC on validation learners; (0, the AUC
    without transfer) when no scale beats the tracer without it."""
    n = predicted.shape[0]
    best = (0.0, without_auc)
    for alpha in alphas:
        edges = TransferEdges.from_arrays(*strengths_from_prediction(predicted, base, alpha), n)
        auc = next_answer_auc(params, valid_log, edges)
        if auc > best[1]:
            best = (alpha, auc)
    return best
