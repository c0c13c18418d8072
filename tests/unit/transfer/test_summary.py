"""train-transfer's closing lines: figures a person reads, never a raw dict or a bare `nan`."""

from __future__ import annotations

import math

from kgplatform.transfer.summary import describe_retrain, describe_training, no_edge_reason

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


def test_a_retrain_outcome_is_one_line_for_each_way_it_ends() -> None:
    """`jobs show`'s retrain line: which model and how many edges, or why none, or why nothing was
    trained or published."""
    assert describe_retrain("v2", edges=1234, published=True, metrics=MEASURED) == (
        "published transfer model v2 with 1,234 edges"
    )
    assert describe_retrain("v1", edges=0, published=False, unchanged=True) == (
        "unchanged: the data are those transfer model v1 was trained on; nothing retrained, v1 stays"
    )
    assert describe_retrain("v3", edges=0, published=False, cancelled=True) == (
        "trained transfer model v3, not published: the job was cancelled while it trained"
    )
    assert describe_retrain("v3", edges=0, published=False).endswith("the retrain was asked not to write")


def test_a_model_published_without_edges_says_why_in_the_same_line() -> None:
    scale_zero = MEASURED | {"alpha": 0.0, "gain_confidence": 0.6}
    line = describe_retrain("v4", edges=0, published=True, metrics=scale_zero)
    assert line == (
        "published transfer model v4 with 0 edges, transfer off in every plan: "
        + no_edge_reason(scale_zero).removeprefix("no edge, ").replace(": tracing and planning use none", "")
    )
    assert line.count("use none") + line.count("transfer off") == 1, "said once"
    assert "ahead in only 60% of learner resamples (95% needed)" in line and "\n" not in line
    no_answers = describe_retrain("v5", edges=0, published=True, metrics={})
    assert no_answers.endswith("transfer scale not chosen (no training or validation answers)")
    floor = describe_retrain("v6", edges=0, published=True, metrics=MEASURED)
    assert floor.endswith("no concept pair's predicted transfer reached the smallest strength kept")
