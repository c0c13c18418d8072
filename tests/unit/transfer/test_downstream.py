"""The tracer's downstream test of a transfer model: a scale is kept only when its gain holds up."""

from __future__ import annotations

import numpy as np

from kgplatform.transfer.downstream import (
    MIN_CONFIDENCE,
    MIN_VALID_LEARNERS,
    ResponsePredictions,
    base_success,
    choose_scale,
    fit_tracer,
    gain_confidence,
    response_predictions,
)
from tests.unit.transfer.conftest import transfer_log


def predictions(correct: list[float], predicted: list[float], learner: list[int]) -> ResponsePredictions:
    return ResponsePredictions(np.array(correct), np.array(predicted), np.array(learner))


def test_no_difference_never_counts_as_a_gain() -> None:
    rng = np.random.default_rng(0)
    same = predictions(
        list(rng.integers(0, 2, 300).astype(float)), list(rng.random(300)), list(np.repeat(np.arange(30), 10))
    )
    assert gain_confidence(same, same) == 0.0


def test_a_clearly_better_predictor_wins_every_resample() -> None:
    rng = np.random.default_rng(1)
    correct = rng.integers(0, 2, 400).astype(float)
    learner = list(np.repeat(np.arange(40), 10))
    noise = predictions(list(correct), list(rng.random(400)), learner)
    informed = predictions(list(correct), list(0.3 * rng.random(400) + 0.7 * correct), learner)
    assert gain_confidence(noise, informed) == 1.0
    assert gain_confidence(informed, noise) == 0.0


def test_a_gain_carried_by_one_learner_is_not_confident() -> None:
    """Resampling is by learner: one learner's responses, however many, are one draw."""
    rng = np.random.default_rng(2)
    correct = rng.integers(0, 2, 1000).astype(float)
    learner = np.repeat(np.arange(20), 50)
    base = rng.random(1000)
    better = base.copy()
    better[learner == 0] = correct[learner == 0]  # perfect on learner 0, the same elsewhere
    without = predictions(list(correct), list(base), list(learner))
    with_ = predictions(list(correct), list(better), list(learner))
    assert with_.auc() > without.auc()
    assert gain_confidence(without, with_) < MIN_CONFIDENCE


def test_real_transfer_is_kept_and_made_up_transfer_is_not() -> None:
    """In the log, practice on concept 0 lifts the first answer on 1 from 0.4 to 0.8; nothing helps 0."""
    train, valid = transfer_log(600, seed=0), transfer_log(600, seed=1)
    params = fit_tracer(train, train.skill_labels)
    base = base_success(train, 3)
    without = response_predictions(params, valid, None)
    real = np.zeros((3, 3))
    real[0, 1] = 0.4
    kept = choose_scale(params, base, valid, real, without)
    assert kept.alpha > 0 and kept.confidence >= MIN_CONFIDENCE
    assert kept.valid_auc > without.auc()
    made_up = np.zeros((3, 3))
    made_up[2, 0] = 0.4
    dropped = choose_scale(params, base, valid, made_up, without)
    assert dropped.alpha == 0.0 and dropped.valid_auc == without.auc()


def test_the_report_shows_how_often_the_best_scale_won() -> None:
    import io
    import json

    from rich.console import Console

    from kgplatform.transfer.downstream import TracerGain
    from kgplatform.transfer.evaluate import EvalReport
    from kgplatform.transfer.report import GNN, print_report, report_dict

    rows = [
        TracerGain("without transfer", 0.0, 0.70, 0.71, 0.0),
        TracerGain("GNN", 0.0, 0.70, 0.71, 0.0, confidence=0.62),  # best scale gained, not clearly
        TracerGain("MLP", 1.0, 0.7105, 0.7116, -0.0003, confidence=0.97),
    ]
    report = EvalReport("tiny", {}, rows, {}, {})
    out = io.StringIO()
    print_report(report, Console(file=out, width=200))
    lines = {line.split("│")[1].strip(): line for line in out.getvalue().splitlines() if line.count("│") > 3}
    assert "62%" in lines["GNN"] and "97%" in lines["MLP"] and "%" not in lines["without transfer"]
    assert json.loads(json.dumps(report_dict(report)))["tracer"][2]["confidence"] == 0.97
    # The verdict in words, a check a line (it was a Python dict); no pair tables here: not measured; a
    # tracer row named as the GNN's is read for its gain.
    gnn = TracerGain(GNN, 0.5, 0.70, 0.7102, 0.0002, confidence=0.96)
    out = io.StringIO()
    print_report(EvalReport("tiny", {}, [*rows, gnn], {}, {}), Console(file=out, width=200))
    said = out.getvalue().splitlines()
    verdict = said[said.index("verdict:") + 1 :]
    assert verdict == [
        "  the GNN beats every non-GNN baseline on held-out pairs' Spearman: not measured",
        "  on held-out pairs' AUC (top): not measured",
        "  on cold-start pairs' Spearman: not measured",
        "  on cold-start pairs' AUC (top): not measured",
        "  the tracer gains from the GNN's transfer: yes",
    ]


def test_no_scale_is_kept_on_too_few_validation_learners() -> None:
    """With one validation learner every resample is the same, so any gain 'won' all of them."""
    train = transfer_log(600, seed=0)
    valid = transfer_log(MIN_VALID_LEARNERS - 1, seed=1)
    params = fit_tracer(train, train.skill_labels)
    real = np.zeros((3, 3))
    real[0, 1] = 0.4
    without = response_predictions(params, valid, None)
    choice = choose_scale(params, base_success(train, 3), valid, real, without)
    assert choice.alpha == 0.0 and choice.confidence is None
    assert choice.best_alpha > 0 and choice.best_auc > choice.valid_auc  # it did gain: not trusted
