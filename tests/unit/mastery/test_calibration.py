"""Reliability bins: sums per fixed bin, so folds pool without keeping every prediction."""

from __future__ import annotations

import numpy as np
import pytest

from kgplatform.mastery.calibration import Calibration, bin_predictions, pool


def test_each_prediction_lands_in_its_bin_with_its_outcome() -> None:
    labels = np.array([0, 1, 1, 0, 1, 1])
    predicted = np.array([0.05, 0.15, 0.19, 0.55, 0.95, 1.0])  # 1.0 belongs to the last bin, not an 11th
    bins = bin_predictions(labels, predicted)
    assert bins.count == (1, 2, 0, 0, 0, 1, 0, 0, 0, 2)
    np.testing.assert_allclose(bins.mean_predicted()[[0, 1, 5, 9]], [0.05, 0.17, 0.55, 0.975])
    np.testing.assert_allclose(bins.observed()[[0, 1, 5, 9]], [0.0, 1.0, 0.0, 1.0])
    assert np.isnan(bins.observed()[2])  # an empty bin has no share right, not 0


def test_folds_pool_into_the_bins_of_all_their_predictions() -> None:
    rng = np.random.default_rng(3)
    predicted = rng.random(1000)
    labels = (rng.random(1000) < predicted).astype(float)
    pooled = pool(
        [bin_predictions(labels[:400], predicted[:400]), bin_predictions(labels[400:], predicted[400:])]
    )
    whole = bin_predictions(labels, predicted)
    assert pooled is not None and pooled.count == whole.count
    np.testing.assert_allclose(pooled.predicted_sum, whole.predicted_sum)
    np.testing.assert_allclose(pooled.correct_sum, whole.correct_sum)
    assert pool([]) is None


def test_bins_of_different_widths_are_not_pooled() -> None:
    five = Calibration((1,) * 5, (0.5,) * 5, (1.0,) * 5)
    with pytest.raises(ValueError, match="5, 10"):
        pool([five, bin_predictions(np.array([1.0]), np.array([0.5]))])
