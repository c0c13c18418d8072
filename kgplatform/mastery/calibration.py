"""Reliability (calibration) bins of predicted probabilities: per bin, how many answers, their mean
prediction and the share answered right. Kept as sums over fixed bins, so a fold of millions of answers
costs three short arrays and folds add up, instead of keeping every prediction for the diagram."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from kgplatform.mastery.bkt import FloatArray

BINS = 10  # equal-width bins over [0, 1]


@dataclass(frozen=True)
class Calibration:
    """Sums per bin `k` of [k / bins, (k + 1) / bins) (the last bin includes 1)."""

    count: tuple[int, ...]
    predicted_sum: tuple[float, ...]
    correct_sum: tuple[float, ...]

    @property
    def bins(self) -> int:
        return len(self.count)

    def mean_predicted(self) -> FloatArray:
        """Per bin; NaN for a bin without answers."""
        return _ratio(self.predicted_sum, self.count)

    def observed(self) -> FloatArray:
        """Share of right answers per bin; NaN for a bin without answers."""
        return _ratio(self.correct_sum, self.count)


def bin_predictions(labels: FloatArray, predicted: FloatArray, bins: int = BINS) -> Calibration:
    """The bins of one set of predictions (probabilities in [0, 1]) and their 0/1 outcomes."""
    predicted = np.asarray(predicted, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.float64)
    index = np.clip((predicted * bins).astype(np.int64), 0, bins - 1)
    return Calibration(
        tuple(int(c) for c in np.bincount(index, minlength=bins)),
        tuple(float(s) for s in np.bincount(index, predicted, minlength=bins)),
        tuple(float(s) for s in np.bincount(index, labels >= 0.5, minlength=bins)),
    )


def pool(calibrations: Iterable[Calibration]) -> Calibration | None:
    """The bins of several folds together (None for none); all must use the same number of bins."""
    items = list(calibrations)
    if not items:
        return None
    if len({c.bins for c in items}) > 1:
        raise ValueError(f"cannot pool calibrations of {sorted({c.bins for c in items})} bins")
    return Calibration(
        tuple(int(v) for v in np.sum([c.count for c in items], axis=0)),
        tuple(float(v) for v in np.sum([c.predicted_sum for c in items], axis=0)),
        tuple(float(v) for v in np.sum([c.correct_sum for c in items], axis=0)),
    )


def _ratio(numerator: tuple[float, ...], count: tuple[int, ...]) -> FloatArray:
    counts = np.asarray(count, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, np.asarray(numerator) / counts, np.nan)
