"""The figure of `kgplatform eval-tracing --plot`: AUC per model over the folds run (leak-free, and the leaky
row-by-row protocol apart), and a reliability diagram of the held-out answers with its bin counts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.calibration import pool
from kgplatform.mastery.evaluation import (
    LEAK_FREE,
    LEAKY,
    OURS,
    OURS_NO_TRACER,
    OURS_NO_TRANSFER,
    PYBKT,
    SUCCESS_RATE,
    TRACER_ALONE,
    FoldScore,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

# Top to bottom, the same in every run: the platform's own tracer first, the references last, so that two
# figures (a one-fold check and the full run) read alike.
MODEL_ORDER = (TRACER_ALONE, OURS, OURS_NO_TRANSFER, OURS_NO_TRACER, PYBKT, SUCCESS_RATE)
# The reliability diagram shows the tracer against the references; the ablations would only crowd it.
CALIBRATED_MODELS = (TRACER_ALONE, OURS, PYBKT, SUCCESS_RATE)
LEAKY_TITLE = "LEAKY (row by row): for contrast only"


def ordered_models(scores: list[FoldScore]) -> list[str]:
    present = list(dict.fromkeys(s.model for s in scores))
    return [m for m in MODEL_ORDER if m in present] + [m for m in present if m not in MODEL_ORDER]


def draw_tracing(scores: list[FoldScore], title: str) -> Figure:
    """The figure (not saved): refuses an empty result, draws one fold as its points and mean alike."""
    if not scores:
        raise ValidationFailed("nothing to plot: the evaluation has no fold scores", field="scores")
    # A Figure without pyplot draws with Agg on savefig and joins no global figure list (nothing to close,
    # no display needed on a server).
    from matplotlib.figure import Figure

    models = ordered_models(scores)
    leaky = any(s.protocol == LEAKY for s in scores)
    fig = Figure(figsize=(15, 5.8), layout="constrained")
    grid = fig.add_gridspec(
        2, 3 if leaky else 2, width_ratios=[3, 2, 3] if leaky else [3, 3], height_ratios=[3, 1]
    )
    folds = sorted({s.fold for s in scores})
    fold_words = f"fold {folds[0]}" if len(folds) == 1 else f"folds {', '.join(map(str, folds))}"
    draw_auc(fig.add_subplot(grid[:, 0]), scores, models, LEAK_FREE, f"leak-free AUC, {fold_words}")
    if leaky:
        draw_auc(fig.add_subplot(grid[:, 1]), scores, models, LEAKY, LEAKY_TITLE, labels=False)
    column = 2 if leaky else 1
    reliability = fig.add_subplot(grid[0, column])
    draw_reliability(reliability, fig.add_subplot(grid[1, column], sharex=reliability), scores)
    fig.suptitle(title)
    return fig


def draw_auc(
    ax: Axes, scores: list[FoldScore], models: list[str], protocol: str, title: str, labels: bool = True
) -> None:
    """One row per model: a small dot per fold and a bar for the mean of the folds."""
    rows = np.arange(len(models))
    for row, model in zip(rows, models, strict=True):
        # A fold whose test answers are all right (or all wrong) has no AUC (NaN): no point for it.
        aucs = [
            s.metrics.auc
            for s in scores
            if s.model == model and s.protocol == protocol and np.isfinite(s.metrics.auc)
        ]
        if not aucs:
            continue
        ax.scatter(
            aucs, np.full(len(aucs), row), s=22, color="tab:blue", alpha=0.6, zorder=3, label="one fold"
        )
        mean = float(np.mean(aucs))
        # The figure itself, for a reader who wants the number and not only the position.
        ax.annotate(f"{mean:.4f}", (mean, row), xytext=(0, 9), textcoords="offset points", ha="center")
        ax.scatter(
            [mean],
            [row],
            s=260,
            marker="|",
            linewidths=2.5,
            color="black",
            zorder=4,
            label="mean",
        )
    ax.set_yticks(rows, models if labels else [""] * len(models))
    ax.set_ylim(len(models) - 0.5, -0.5)  # first model on top
    ax.set_xlabel("AUC (next answer, held-out learners)")
    ax.set_title(title, color="tab:red" if protocol == LEAKY else "black")
    ax.grid(axis="x", alpha=0.3)
    handles, names = ax.get_legend_handles_labels()
    unique = dict(zip(names, handles, strict=True))
    if unique:
        ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize="small")


def draw_reliability(ax: Axes, counts_ax: Axes, scores: list[FoldScore]) -> None:
    """Mean prediction against the share right per bin (leak-free, all folds pooled); counts below."""
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="perfectly calibrated")
    drawn = False
    for model in [m for m in CALIBRATED_MODELS if any(s.model == m for s in scores)]:
        pooled = pool(
            s.calibration for s in scores if s.model == model and s.protocol == LEAK_FREE and s.calibration
        )
        if pooled is None:
            continue
        predicted, observed = pooled.mean_predicted(), pooled.observed()
        filled = np.asarray(pooled.count) > 0
        line = ax.plot(predicted[filled], observed[filled], marker="o", markersize=4, label=model)[0]
        centres = (np.arange(pooled.bins) + 0.5) / pooled.bins
        counts_ax.step(centres, pooled.count, where="mid", color=line.get_color())
        drawn = True
    if not drawn:
        ax.text(0.5, 0.5, "no calibration bins in this result", ha="center", va="center")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_ylabel("share answered right")
    ax.set_title("reliability, leak-free held-out answers (folds pooled)")
    ax.legend(loc="upper left", fontsize="small")
    ax.grid(alpha=0.3)
    ax.tick_params(labelbottom=False)
    counts_ax.set_xlabel("predicted probability of a right answer")
    counts_ax.set_ylabel("answers per bin")
    counts_ax.grid(alpha=0.3)


def plot_tracing(scores: list[FoldScore], path: Path, title: str) -> Path:
    """PNG of `draw_tracing` at `path` (its folder created)."""
    fig = draw_tracing(scores, title)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, format="png")
    return path
