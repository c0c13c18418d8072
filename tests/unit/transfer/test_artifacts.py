from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import NotFound
from kgplatform.transfer.artifacts import load_checkpoint, new_model_version, save_checkpoint, snapshot_hash
from kgplatform.transfer.train import TrainConfig, forward_pairs, predict_matrix, train_model
from tests.unit.transfer.helpers import tiny_problem


def test_checkpoint_round_trip_gives_the_same_predictions(tmp_path: Path) -> None:
    concepts, data, targets = tiny_problem()
    result = train_model(
        data, targets, targets, TrainConfig(hidden_channels=16, max_epochs=5, progress=False)
    )
    predicted = predict_matrix(result, data)
    strengths = np.clip(predicted, 0, 1)
    data_hash = snapshot_hash([np.arange(3)], concepts.concept_ids)
    version = new_model_version(data_hash)
    save_checkpoint(
        tmp_path,
        version,
        result,
        data,
        concepts.concept_ids,
        predicted,
        strengths,
        {"valid_spearman": 0.5},
        data_hash,
        {"source": "test"},
    )

    loaded = load_checkpoint(tmp_path)  # LATEST
    assert loaded.model_version == version and version.endswith(data_hash[:8])
    assert loaded.concept_ids == concepts.concept_ids
    assert loaded.config == result.config
    assert loaded.snapshot_hash == data_hash and loaded.metrics == {"valid_spearman": 0.5}
    np.testing.assert_array_equal(loaded.predicted, predicted)
    np.testing.assert_array_equal(loaded.strengths, strengths)
    pairs = targets.pairs
    again = forward_pairs(loaded.model, loaded.data, pairs).detach().numpy() * result.target_scale
    np.testing.assert_allclose(again, predicted[pairs[0], pairs[1]], rtol=1e-5, atol=1e-6)


def test_snapshot_hash_changes_with_the_data() -> None:
    assert snapshot_hash([np.array([1, 2])], ["a"]) != snapshot_hash([np.array([1, 3])], ["a"])
    assert snapshot_hash([np.array([1, 2])], ["a"]) != snapshot_hash([np.array([1, 2])], ["b"])


def test_missing_checkpoint_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFound):
        load_checkpoint(tmp_path)
