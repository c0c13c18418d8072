"""Pair-level metrics: how well predicted transfer ranks held-out pairs against their measured (or true)
transfer. Spearman rank correlation over the pairs, and AUC of "top pairs vs the rest" where the top pairs
are those above the 80th percentile of the reference (or, when most reference values are 0 as with a sparse
true transfer graph, the pairs with any transfer at all)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import spearmanr

from kgplatform.mastery.metrics import roc_auc
from kgplatform.transfer.empirical import FloatArray

TOP_QUANTILE = 0.8


@dataclass(frozen=True)
class PairMetrics:
    spearman: float
    auc_top: float
    n_pairs: int

    def as_row(self) -> dict[str, float]:
        return {"spearman": self.spearman, "auc_top": self.auc_top, "n_pairs": float(self.n_pairs)}


def top_labels(reference: FloatArray) -> FloatArray:
    threshold = float(np.quantile(reference, TOP_QUANTILE)) if reference.size else 0.0
    return (reference > threshold).astype(float) if threshold > 0 else (reference > 0).astype(float)


def pair_metrics(predicted: FloatArray, reference: FloatArray) -> PairMetrics:
    """Both 1-D over the same pairs. A constant prediction has no rank information: Spearman is reported as 0
    and AUC as 0.5 (what a random tie-break would give), instead of NaN."""
    predicted = np.asarray(predicted, dtype=float)
    reference = np.asarray(reference, dtype=float)
    if predicted.size < 3:
        return PairMetrics(float("nan"), float("nan"), int(predicted.size))
    if np.ptp(predicted) == 0:
        return PairMetrics(0.0, 0.5, int(predicted.size))
    rho = float(spearmanr(predicted, reference).statistic)
    return PairMetrics(rho, roc_auc(top_labels(reference), predicted), int(predicted.size))
