"""train-transfer's closing lines: figures a person reads, never a raw dict or a bare `nan`."""

from __future__ import annotations

import math

from kgplatform.transfer.summary import describe_training

MEASURED = {
    "valid_spearman": 0.4127,
    "seeds": 3,
    "best_epochs": [41, 57, 38],
    "epochs_run": [91, 107, 88],
    "train_seconds": 12.345,
    "train_pairs": 812,
    "valid_pairs": 203,
    "train_learners": 240,
    "valid_learners": 60,
    "alpha": 0.5,
    "valid_auc_without_transfer": 0.7051,
    "valid_auc_with_transfer": 0.7123,
    "best_alpha": 0.5,
    "valid_auc_best_alpha": 0.7123,
    "gain_confidence": 0.97,
}


def test_a_measured_model_reads_as_figures() -> None:
    lines = describe_training(MEASURED)
    assert lines == [
        "validation: Spearman 0.413 on 203 concept pairs",
        "data: 812 training pairs from 240 learners, 60 validation learners",
        "training: 3 seeds, best epochs 41, 57, 38, 12.3 s",
        "tracer: transfer scale 0.50: next-answer AUC 0.712 with transfer, 0.705 without "
        "(gain confidence 0.97)",
    ]


def test_an_unmeasured_spearman_says_why_instead_of_nan() -> None:
    lines = describe_training(MEASURED | {"valid_spearman": math.nan, "valid_pairs": 1})
    assert lines[0] == (
        "validation: Spearman not measured on 1 concept pairs "
        "(too few validation pairs, or their measured transfer all equal)"
    )
    assert not any("nan" in line for line in lines)


def test_a_scale_of_zero_names_the_best_scale_it_turned_down() -> None:
    lines = describe_training(MEASURED | {"alpha": 0.0, "best_alpha": 0.25, "gain_confidence": 0.61})
    assert lines[-1] == (
        "tracer: transfer scale 0: no edge, because transfer did not clearly raise the tracer's next-answer "
        "AUC on the 60 validation learners (the best scale, 0.25, gave 0.7123 against 0.7051 without "
        "transfer, ahead in only 61% of learner resamples (95% needed)): tracing and planning use none "
        "(docs/transfer.md)"
    )


def test_no_tracer_figures_says_the_scale_was_not_chosen() -> None:
    tracer_keys = {"alpha", "valid_auc_without_transfer", "valid_auc_with_transfer", "best_alpha"}
    metrics = {
        k: v
        for k, v in MEASURED.items()
        if k not in tracer_keys | {"valid_auc_best_alpha", "gain_confidence"}
    }
    assert (
        describe_training(metrics)[-1]
        == "tracer: transfer scale not chosen (no training or validation answers)"
    )
