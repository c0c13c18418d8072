"""The eval-tracing figure, drawn from small made-up fold scores: what it holds, not its pixels."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.calibration import bin_predictions
from kgplatform.mastery.eval_plot import LEAKY_TITLE, draw_tracing, plot_tracing
from kgplatform.mastery.evaluation import (
    LEAK_FREE,
    LEAKY,
    OURS,
    OURS_NO_TRACER,
    PYBKT,
    SUCCESS_RATE,
    TRACER_ALONE,
    FoldScore,
)
from kgplatform.mastery.metrics import Metrics

rng = np.random.default_rng(0)


def fold_score(fold: int, model: str, protocol: str, auc: float, bias: float = 0.0) -> FoldScore:
    predicted = rng.random(200)
    labels = (rng.random(200) < np.clip(predicted + bias, 0, 1)).astype(float)
    return FoldScore(fold, model, protocol, Metrics(auc, 0.4, 0.7, 200), bin_predictions(labels, predicted))


def made_up(folds: list[int]) -> list[FoldScore]:
    # Models in an order other than the plot's, so that the test sees the plot put them in its own.
    models = {SUCCESS_RATE: 0.62, PYBKT: 0.70, TRACER_ALONE: 0.72, OURS: 0.77}
    return [
        fold_score(fold, model, protocol, auc + 0.01 * fold + (0.05 if protocol == LEAKY else 0.0))
        for fold in folds
        for model, auc in models.items()
        for protocol in (LEAK_FREE, LEAKY)
    ]


def axes_titled(fig: object, title: str) -> object:
    return next(ax for ax in fig.axes if ax.get_title() == title)  # type: ignore[attr-defined]


def test_auc_points_per_fold_and_means_in_a_fixed_order_with_the_leaky_panel_apart(tmp_path: Path) -> None:
    scores = made_up([1, 2, 3])
    fig = draw_tracing(scores, "assist2009: next-answer prediction")
    leak_free = axes_titled(fig, "leak-free AUC, folds 1, 2, 3")
    assert [t.get_text() for t in leak_free.get_yticklabels()] == [TRACER_ALONE, OURS, PYBKT, SUCCESS_RATE]
    assert leak_free.get_xlabel().startswith("AUC")
    folds, means = leak_free.collections[0::2], leak_free.collections[1::2]
    assert [len(c.get_offsets()) for c in folds] == [3, 3, 3, 3]
    # The tracer's row (the top one, y = 0): its three fold AUCs and their mean.
    np.testing.assert_allclose(np.sort(folds[0].get_offsets()[:, 0]), [0.73, 0.74, 0.75])
    np.testing.assert_allclose(means[0].get_offsets(), [[0.74, 0.0]])
    assert [t.get_text() for t in leak_free.texts] == ["0.7400", "0.7900", "0.7200", "0.6400"]
    leaky = axes_titled(fig, LEAKY_TITLE)
    np.testing.assert_allclose(leaky.collections[1].get_offsets(), [[0.79, 0.0]])  # leaky means stay there
    assert "leak-free" not in LEAKY_TITLE and "LEAKY" in LEAKY_TITLE
    png = plot_tracing(scores, tmp_path / "sub" / "tracing.png", "t")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_reliability_diagram_pools_the_folds_of_the_tracer_and_the_references() -> None:
    scores = made_up([1, 2]) + [fold_score(1, OURS_NO_TRACER, LEAK_FREE, 0.7)]  # an ablation: left out
    fig = draw_tracing(scores, "t")
    reliability = axes_titled(fig, "reliability, leak-free held-out answers (folds pooled)")
    legend = [t.get_text() for t in reliability.get_legend().get_texts()]
    assert legend == ["perfectly calibrated", TRACER_ALONE, OURS, PYBKT, SUCCESS_RATE]
    assert reliability.get_xlim() == (0.0, 1.0) and reliability.get_ylabel() == "share answered right"
    counts = next(ax for ax in fig.axes if ax.get_ylabel() == "answers per bin")
    assert counts.get_xlabel() == "predicted probability of a right answer"
    # Two leak-free folds of 200 answers each, per model.
    assert [int(line.get_ydata().sum()) for line in counts.get_lines()] == [400] * 4


def test_one_fold_draws_its_point_as_its_mean() -> None:
    fig = draw_tracing(made_up([4]), "t")
    leak_free = axes_titled(fig, "leak-free AUC, fold 4")
    assert len(leak_free.collections[0].get_offsets()) == 1
    np.testing.assert_allclose(leak_free.collections[0].get_offsets(), leak_free.collections[1].get_offsets())


def test_without_leaky_scores_or_bins_it_still_draws_and_says_what_is_missing() -> None:
    scores = [
        FoldScore(1, PYBKT, LEAK_FREE, Metrics(0.7, 0.4, 0.7, 10)),
        FoldScore(1, TRACER_ALONE, LEAK_FREE, Metrics(0.72, 0.4, 0.7, 10)),
    ]
    fig = draw_tracing(scores, "t")
    assert all(ax.get_title() != LEAKY_TITLE for ax in fig.axes)
    reliability = axes_titled(fig, "reliability, leak-free held-out answers (folds pooled)")
    assert [t.get_text() for t in reliability.texts] == ["no calibration bins in this result"]


def test_a_fold_without_an_auc_draws_no_point_for_it() -> None:
    scores = made_up([1, 2])
    scores[0] = fold_score(1, SUCCESS_RATE, LEAK_FREE, float("nan"))  # all answers right: no AUC
    fig = draw_tracing(scores, "t")
    leak_free = axes_titled(fig, "leak-free AUC, folds 1, 2")
    success = leak_free.collections[-2]  # the last row's folds
    np.testing.assert_allclose(success.get_offsets(), [[0.64, 3.0]])


def test_an_empty_result_is_refused_naming_it() -> None:
    with pytest.raises(ValidationFailed, match="nothing to plot") as raised:
        draw_tracing([], "t")
    assert raised.value.field == "scores"
