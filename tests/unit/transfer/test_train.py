from __future__ import annotations

import numpy as np
import pytest

from kgplatform.transfer.train import TrainConfig, predict_matrix, train_model
from tests.unit.transfer.helpers import tiny_problem


@pytest.mark.parametrize("kind", ["gnn", "mlp", "mf"])
def test_training_reduces_the_loss_and_keeps_the_best_validation_epoch(kind: str) -> None:
    _, data, targets = tiny_problem()
    config = TrainConfig(
        kind=kind,
        hidden_channels=16,
        max_epochs=60,
        patience=60,
        progress=False,
        cold_dropout=0.0,
        message_share=0.0,
    )
    result = train_model(data, targets, targets, config)
    losses = [h["loss"] for h in result.history]
    assert len(losses) == 60
    assert np.mean(losses[-5:]) < 0.5 * losses[0]
    best = max(result.history, key=lambda h: h["score"])
    assert result.best_epoch == best["epoch"]
    predicted = predict_matrix(result, data)
    assert predicted.shape == (3, 3) and np.all(np.diag(predicted) == 0.0)


def test_same_seed_same_model() -> None:
    _, data, targets = tiny_problem()
    config = TrainConfig(hidden_channels=16, max_epochs=10, progress=False)
    a = predict_matrix(train_model(data, targets, targets, config), data)
    b = predict_matrix(train_model(data, targets, targets, config), data)
    np.testing.assert_array_equal(a, b)
