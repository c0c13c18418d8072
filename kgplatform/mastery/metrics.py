"""Prediction metrics for binary answers: AUC (ties averaged, as scikit-learn), RMSE and accuracy at 0.5."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgplatform.mastery.bkt import FloatArray


@dataclass(frozen=True)
class Metrics:
    auc: float
    rmse: float
    accuracy: float
    n: int


def roc_auc(labels: FloatArray, scores: FloatArray) -> float:
    """Area under the ROC curve: P(a random positive scores above a random negative), ties counting half."""
    positive = np.asarray(labels) >= 0.5
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    _, inverse, counts = np.unique(np.asarray(scores), return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    mean_rank = upper - (counts - 1) / 2.0  # 1-based average rank of each distinct score
    rank_sum = float(mean_rank[inverse][positive].sum())
    return (rank_sum - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg)


def score(labels: FloatArray, predicted: FloatArray) -> Metrics:
    labels = np.asarray(labels, dtype=np.float64)
    predicted = np.asarray(predicted, dtype=np.float64)
    if not np.all(np.isfinite(predicted)):
        # A NaN ranks highest in the AUC's ranking and would print a figure for a broken model.
        raise ValueError(f"{int(np.sum(~np.isfinite(predicted)))} predictions are not finite numbers")
    return Metrics(
        auc=roc_auc(labels, predicted),
        rmse=float(np.sqrt(np.mean((labels - predicted) ** 2))),
        accuracy=float(np.mean((predicted >= 0.5) == (labels >= 0.5))),
        n=int(labels.size),
    )
