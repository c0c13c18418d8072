from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np
import pytest
from torch import nn
from torch_geometric.data import Data

from kgplatform.errors import PreconditionFailed
from kgplatform.transfer.data import ConceptTable, build_data
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.empirical import EmpiricalOptions, empirical_transfer
from kgplatform.transfer.evaluate import labelled
from kgplatform.transfer.model import PairMLP
from kgplatform.transfer.train import (
    PairTargets,
    TrainConfig,
    predict_ensemble,
    predict_matrix,
    train_ensemble,
    train_model,
)
from tests.unit.transfer.conftest import make_log
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


def test_ensemble_of_one_seed_is_the_single_model() -> None:
    _, data, targets = tiny_problem()
    config = TrainConfig(hidden_channels=16, max_epochs=10, progress=False)
    single = predict_matrix(train_model(data, targets, targets, config), data)
    np.testing.assert_array_equal(
        predict_ensemble(train_ensemble(data, targets, targets, config, 1), data), single
    )


def test_ensemble_averages_members_of_consecutive_seeds() -> None:
    _, data, targets = tiny_problem()
    config = TrainConfig(kind="mlp", hidden_channels=16, max_epochs=10, progress=False, seed=4)
    ensemble = train_ensemble(data, targets, targets, config, 3)
    assert [m.config.seed for m in ensemble.members] == [4, 5, 6]
    members = [predict_matrix(m, data) for m in ensemble.members]
    assert not np.array_equal(members[0], members[1])
    np.testing.assert_allclose(predict_ensemble(ensemble, data), np.mean(members, axis=0))
    assert ensemble.seconds == pytest.approx(sum(m.seconds for m in ensemble.members))
    assert len(ensemble.best_epochs) == 3
    # Fewer than 3 validation pairs: no rank correlation, the evaluation falls back to -inf for it.
    assert np.isnan(ensemble.valid_spearman) == (len(targets) < 3)


def test_ensemble_needs_a_seed() -> None:
    _, data, targets = tiny_problem()
    with pytest.raises(ValueError):
        train_ensemble(data, targets, targets, TrainConfig(progress=False), 0)


def test_no_message_share_means_no_measured_edges_anywhere() -> None:
    _, data, targets = tiny_problem()
    config = TrainConfig(hidden_channels=16, max_epochs=5, progress=False, message_share=0.0)
    result = train_model(data, targets, targets, config)
    assert result.message_pairs.size(1) == 0
    assert result.inference_data(data) is data
    with_edges = train_model(
        data, targets, targets, TrainConfig(hidden_channels=16, max_epochs=5, progress=False)
    )
    assert with_edges.inference_data(data).edge_index.size(1) == data.edge_index.size(1) + 2 * len(targets)


def test_a_model_factory_replaces_the_built_model_and_nothing_else() -> None:
    """Experiments (bench/bench_transfer_ablation.py) train their own modules through the same loop."""
    _, data, targets = tiny_problem()
    config = TrainConfig(kind="mlp", hidden_channels=16, max_epochs=10, progress=False)
    made: list[nn.Module] = []

    def factory(data: Data, config: TrainConfig) -> nn.Module:
        made.append(PairMLP(int(data.x.size(1)), int(data.pair_attr.size(-1)), config.hidden_channels, 0.0))
        return made[-1]

    ensemble = train_ensemble(data, targets, targets, config, 2, factory)
    assert [m.model for m in ensemble.members] == made and len(made) == 2
    # Training is otherwise the same: the built model with the factory's dropout trains to the same weights.
    built = train_model(data, targets, targets, replace(config, dropout=0.0))
    np.testing.assert_array_equal(predict_matrix(built, data), predict_matrix(ensemble.members[0], data))


@pytest.mark.parametrize("kind", ["gnn", "mlp"])
def test_predicting_in_batches_of_pairs_gives_the_whole_matrix(kind: str) -> None:
    _, data, targets = tiny_problem()
    result = train_model(
        data, targets, targets, TrainConfig(kind=kind, hidden_channels=8, max_epochs=3, progress=False)
    )
    whole = predict_matrix(result, data, batch_pairs=9)
    np.testing.assert_allclose(predict_matrix(result, data, batch_pairs=2), whole, rtol=1e-6, atol=1e-7)
    assert np.all(np.diag(whole) == 0.0) and np.count_nonzero(whole) == 6


def test_too_few_training_pairs_is_a_precondition_not_a_nan_model() -> None:
    _, data, targets = tiny_problem()
    one = PairTargets(targets.pairs[:, :1], targets.target[:1], targets.weight[:1])
    with pytest.raises(PreconditionFailed, match="at least 2"):
        train_model(data, one, targets, TrainConfig(max_epochs=2, progress=False))


def five_concept_problem() -> tuple[Data, PairTargets]:
    """Random answers on five concepts: enough measured pairs for a validation score (3 or more)."""
    rng = np.random.default_rng(3)
    sequences = [[(int(c), int(rng.random() < 0.6)) for c in rng.integers(0, 5, 8)] for _ in range(300)]
    log = make_log(sequences, 5)
    no_difficulty, edge = np.full(5, np.nan), (np.array([0]), np.array([1]))
    concepts = ConceptTable(log.skill_labels, log.skill_names, no_difficulty, *edge)
    options = EmpiricalOptions(shrinkage=5.0)
    transfer = empirical_transfer(log, 5, options)
    data, _ = build_data(concepts, log, transfer, hashed_encoder(8)(list(concepts.names)))
    return data, labelled(~np.eye(5, dtype=bool), transfer, 1e-9, options.shrinkage)


def test_the_prediction_that_scored_validation_is_not_made_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """`train_ensemble` predicts every C x C pair to score the validation pairs, and the pipeline (and
    eval-transfer) then asked `predict_ensemble` for the same matrix: each member predicted twice (at 300
    concepts, 3.7 s of a retrain's predicting was the repeat). Other inputs are still predicted."""
    import kgplatform.transfer.train as train_module

    data, targets = five_concept_problem()
    assert len(targets) >= 3  # validation is scored, so the prediction is made during training
    calls: list[object] = []
    real = train_module.predict_matrix

    def counting(result: object, inputs: Data, *args: object, **kwargs: object) -> np.ndarray:
        calls.append(result)
        return real(result, inputs, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(train_module, "predict_matrix", counting)
    config = TrainConfig(kind="mlp", hidden_channels=16, max_epochs=5, progress=False)
    ensemble = train_ensemble(data, targets, targets, config, 2)
    assert len(calls) == 2
    predicted = predict_ensemble(ensemble, data)
    assert len(calls) == 2  # not predicted again
    np.testing.assert_array_equal(predicted, np.mean([real(m, data) for m in ensemble.members], axis=0))
    predicted[0, 1] = 99.0  # a copy: the caller may change it
    assert predict_ensemble(ensemble, data)[0, 1] != 99.0
    other = data.clone()
    np.testing.assert_array_equal(predict_ensemble(ensemble, other), predict_ensemble(ensemble, data))
    assert len(calls) == 4  # other inputs are predicted by the members


@pytest.mark.parametrize("kind", ["gnn", "mlp"])
def test_a_fixed_budget_trains_every_epoch_and_the_validation_pairs_decide_nothing(kind: str) -> None:
    """`early_stopping=False` (bench/bench_transfer_ablation.py --part stopping, rule R2): exactly
    `max_epochs` epochs whatever the patience, and the last epoch's weights: the same model whichever
    validation pairs it is given, where early stopping on opposite labels keeps another epoch."""
    data, targets = five_concept_problem()
    opposite = PairTargets(targets.pairs, -targets.target, targets.weight)
    fixed = TrainConfig(
        kind=kind, hidden_channels=16, max_epochs=12, patience=1, progress=False, early_stopping=False
    )
    a, b = train_model(data, targets, targets, fixed), train_model(data, targets, opposite, fixed)
    assert a.epochs_run == a.best_epoch == len(a.history) == 12
    assert a.best_valid_spearman == a.history[-1]["valid_spearman"]
    np.testing.assert_array_equal(predict_matrix(a, data), predict_matrix(b, data))
    stopped = replace(fixed, early_stopping=True, patience=12)
    c, d = train_model(data, targets, targets, stopped), train_model(data, targets, opposite, stopped)
    assert c.best_epoch != d.best_epoch
    assert not np.array_equal(predict_matrix(c, data), predict_matrix(d, data))


def test_each_member_of_an_ensemble_says_it_is_done_in_the_log(caplog: pytest.LogCaptureFixture) -> None:
    """The scheduled retrain runs in a worker without a bar: its log is where an operator watches it."""
    _, data, targets = tiny_problem()
    config = TrainConfig(kind="mlp", hidden_channels=8, max_epochs=3, progress=False, seed=7)
    with caplog.at_level(logging.INFO, logger="kgplatform.transfer.train"):
        train_ensemble(data, targets, targets, config, 2)
    lines = [r.getMessage() for r in caplog.records if r.name == "kgplatform.transfer.train"]
    heads = [line.split(":")[0] for line in lines]
    assert heads == ["transfer mlp 1/2 (seed 7)", "transfer mlp 2/2 (seed 8)"]
    assert all("epochs, best" in line for line in lines)


def test_the_progress_bar_is_drawn_on_a_terminal_only(capsys: pytest.CaptureFixture[str]) -> None:
    """Piped or logged (cron, `scripts/demo.sh | tee`, CI), each epoch's redraw was written out: the demo's
    stage 5 put 130 KB of carriage-returned bars into its log for 300 learners."""
    _, data, targets = tiny_problem()
    train_model(data, targets, targets, TrainConfig(hidden_channels=8, max_epochs=3, progress=True))
    assert "train gnn" not in capsys.readouterr().err  # pytest's capture is no terminal


def test_an_undefined_validation_spearman_is_not_reported_as_minus_one() -> None:
    """Validation pairs whose measured transfer is all equal have no rank correlation: it was stored as
    -1.0, which `train-transfer` printed as "Spearman -1.000" and `transfer list` as "spearman -1.000", a
    model ranking every pair backwards, where the summary has words for a figure that cannot be measured."""
    from kgplatform.transfer.summary import describe_training

    _, data, targets = tiny_problem()
    src, dst = np.nonzero(~np.eye(3, dtype=bool))  # all six ordered pairs, measured alike
    flat = PairTargets.from_arrays(src, dst, np.full(6, 0.01), np.ones(6))
    config = TrainConfig(kind="mlp", hidden_channels=8, max_epochs=3, progress=False)
    ensemble = train_ensemble(data, targets, flat, config, 1)
    assert np.isnan(ensemble.valid_spearman)
    line = describe_training({"valid_spearman": ensemble.valid_spearman, "valid_pairs": len(flat)})[0]
    assert "not measured" in line and "-1.000" not in line
