"""The production pipeline's refusals and the data snapshot's identity (no database, tiny logs)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from kgplatform.errors import PreconditionFailed
from kgplatform.transfer.data import ConceptTable
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.pipeline import (
    PipelineOptions,
    fewest_concepts,
    log_hash,
    split_learners,
    train_transfer,
)
from kgplatform.transfer.train import TrainConfig, predict_matrix
from tests.unit.transfer.conftest import make_log, transfer_log

FAST = PipelineOptions(
    min_support=1.0, min_train_pairs=2, train=TrainConfig(hidden_channels=8, max_epochs=3, progress=False)
)


def concepts_of(n: int, src: list[int] | None = None, dst: list[int] | None = None) -> ConceptTable:
    return ConceptTable(
        tuple(f"c{i}" for i in range(n)),
        tuple(f"concept {i}" for i in range(n)),
        np.full(n, np.nan),
        np.array(src or [], np.int64),
        np.array(dst or [], np.int64),
    )


def embeddings(n: int) -> np.ndarray:
    return hashed_encoder(8)([f"concept {i}" for i in range(n)])


def test_a_log_of_one_learner_is_a_precondition_not_a_crash() -> None:
    """One learner: one side of the learner split is empty, which used to crash the label with an
    IndexError."""
    log = make_log([[(0, 1), (1, 0), (2, 1), (1, 1)]], 3)
    with pytest.raises(PreconditionFailed, match="at least 2"):
        train_transfer(concepts_of(3), log, embeddings(3), FAST)


@pytest.mark.parametrize("seed", range(6))
def test_the_split_puts_a_learner_on_each_side_when_there_are_two(seed: int) -> None:
    log = make_log([[(0, 1), (1, 0)], [(1, 1), (0, 0)]], 2)
    for share in (0.01, 0.2, 0.99):
        is_valid = split_learners(log, share, seed)
        assert sorted(is_valid.tolist()) == [False, True]


def test_the_split_keeps_the_seeded_draw_when_both_sides_have_learners() -> None:
    log = transfer_log(200)
    draws = np.random.default_rng([4, 21]).random(len(log.user_labels))
    np.testing.assert_array_equal(split_learners(log, 0.2, 4), draws < 0.2)


def test_answers_on_a_single_concept_are_a_precondition_not_a_nan_model() -> None:
    """No pair is measured, so there was nothing to learn: the target scale was NaN, every prediction NaN,
    and that model replaced the current one with no edges."""
    rng = np.random.default_rng(0)
    log = make_log([[(0, int(rng.random() < 0.5)) for _ in range(5)] for _ in range(40)], 3)
    with pytest.raises(PreconditionFailed, match="concept pairs"):
        train_transfer(concepts_of(3), log, embeddings(3), FAST)


def test_enough_pairs_train_a_finite_model_with_its_options() -> None:
    log = transfer_log(300)
    trained = train_transfer(
        concepts_of(3), log, embeddings(3), replace(FAST, seed=1), encoder="hashed-bag-of-words-8"
    )
    assert np.isfinite(trained.predicted).all() and trained.metrics["valid_learners"] > 0
    assert trained.options.seed == 1 and trained.encoder == "hashed-bag-of-words-8"


def test_the_published_prediction_is_the_mean_of_the_seeds_as_evaluated() -> None:
    """eval-transfer measures 3-seed averages; production must publish what was measured, not one of
    the three models."""
    log = transfer_log(300)
    trained = train_transfer(concepts_of(3), log, embeddings(3), FAST)
    members = trained.ensemble.members
    assert [m.config.seed for m in members] == [0, 1, 2] and trained.metrics["seeds"] == 3
    each = [predict_matrix(m, trained.data) for m in members]
    np.testing.assert_allclose(trained.predicted, np.mean(each, axis=0), rtol=1e-6, atol=1e-9)
    assert not np.allclose(each[0], each[1])  # the members differ, so the mean is not any one of them


def test_the_data_hash_does_not_depend_on_the_order_or_repetition_of_prerequisites() -> None:
    log = transfer_log(20)
    ordered = concepts_of(4, [0, 0, 1, 2], [1, 2, 3, 3])
    shuffled = concepts_of(4, [2, 1, 0, 0, 1], [3, 3, 2, 1, 3])  # another order, one edge twice
    assert log_hash(ordered, log) == log_hash(shuffled, log)
    assert log_hash(ordered, log) != log_hash(concepts_of(4, [0, 0, 1], [1, 2, 3]), log)


def test_the_fewest_concepts_give_enough_ordered_pairs() -> None:
    """retrain_from_graph's first check: 3 concepts give 6 ordered pairs, never the default 10."""
    assert [fewest_concepts(pairs) for pairs in (0, 1, 2, 3, 6, 7, 10, 12, 13)] == [2, 2, 2, 3, 3, 4, 4, 4, 5]
    assert PipelineOptions().min_train_pairs == 10 and fewest_concepts(10) == 4


def test_a_retrain_predicts_the_pairs_once_per_member(monkeypatch: pytest.MonkeyPatch) -> None:
    """The ensemble's prediction scored the validation pairs and is what is published: it used to be
    computed twice, each member predicting every C x C pair again (about 40 s at 1,000 concepts)."""
    import kgplatform.transfer.train as train_module

    calls: list[object] = []
    real = train_module.predict_matrix

    def counting(result: object, *args: object, **kwargs: object) -> np.ndarray:
        calls.append(result)
        return real(result, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(train_module, "predict_matrix", counting)
    rng = np.random.default_rng(3)
    sequences = [[(int(c), int(rng.random() < 0.6)) for c in rng.integers(0, 5, 8)] for _ in range(300)]
    log = make_log(sequences, 5)
    trained = train_transfer(concepts_of(5), log, embeddings(5), FAST)
    assert trained.metrics["valid_pairs"] >= 3 and trained.metrics["seeds"] == 3
    assert len(calls) == 3
