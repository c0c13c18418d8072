"""The figure of `kgplatform eval-transfer --plot`: the GNN's predicted transfer against the reference on the
held-out pairs (the baselines' figures in the legend), and, where measured, the tracer gain and the cold
start as bars (each learnt model's seeds as dots on its bar)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.transfer.evaluate import CEILING, LABELS, EvalReport
from kgplatform.transfer.metrics import PairMetrics

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GNN = LABELS["gnn"]
SCATTER_TITLE = "held-out pairs"
# On two lines, as the gain axis's label: on one, a figure without the cold-start panel (`--no-cold-start`)
# cut the tracer panel's right edge, title and label off (a 2-panel figure has no room to the right).
TRACER_TITLE = "tracer next-answer AUC gain with each transfer\n(test learners)"
MIN_GAIN_SPAN = 0.002  # AUC
COLD_TITLE = "cold start: concepts with no training answers"


def draw_transfer(report: EvalReport) -> Figure:
    """The figure (not saved). Refuses a report without held-out pairs: there is nothing to scatter."""
    if report.held_out is None or report.held_out.reference.size == 0:
        raise ValidationFailed(
            "nothing to plot: the evaluation has no held-out pairs with a reference", field="report"
        )
    # A Figure without pyplot draws with Agg on savefig and joins no global figure list.
    from matplotlib.figure import Figure

    panels = 1 + bool(report.tracer_table) + bool(report.cold_table)
    fig = Figure(figsize=(6.5 * panels, 7.5), layout="constrained")  # tall: the legend sits below
    axes = fig.subplots(1, panels, squeeze=False)[0]
    draw_scatter(axes[0], report)
    column = 1
    if report.tracer_table:
        draw_tracer_gain(axes[column], report)
        column += 1
    if report.cold_table:
        draw_cold_start(axes[column], report)
    seeds = report.info.get("seeds_per_variant", "?")
    fig.suptitle(
        f"{report.name}: transfer, {report.info.get('test_pairs', '?')} test pairs, {seeds} seed(s) per model"
    )
    return fig


def _figures(m: PairMetrics) -> str:
    return f"Spearman {m.spearman:.3f}, AUC top {m.auc_top:.3f}"


def draw_scatter(ax: Axes, report: EvalReport) -> None:
    """One point per test pair; every other model's figures on the same pairs in the legend."""
    held_out = report.held_out
    assert held_out is not None  # draw_transfer checked it
    gnn = report.pair_table.get(GNN)
    ax.scatter(
        held_out.reference,
        held_out.gnn,
        s=9,
        alpha=0.5,
        color="tab:blue",
        label=f"GNN: {_figures(gnn)}" if gnn else "GNN",
    )
    for name, m in report.pair_table.items():
        if name != GNN:
            # No marks of their own (the scatter is the GNN's): a legend line per model to compare with.
            ax.plot(
                [], [], linestyle="none", label=f"{'ceiling' if name == CEILING else name}: {_figures(m)}"
            )
    reference = str(report.info.get("reference", "reference"))
    ax.set_xlabel(f"{reference} (source -> target)")
    ax.set_ylabel("GNN predicted transfer")
    ax.set_title(SCATTER_TITLE)
    ax.grid(alpha=0.3)
    # Below the axes: inside, the models' lines covered the points they describe.
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(0.0, -0.14),
        fontsize="small",
        handlelength=0.8,
        title="on these pairs",
        title_fontsize="small",
    )


def draw_tracer_gain(ax: Axes, report: EvalReport) -> None:
    """Test AUC with each model's transfer minus without (one figure each: the scale is chosen once)."""
    rows = [g for g in report.tracer_table if g.name != "without transfer"]
    names = [g.name for g in rows]
    positions = np.arange(len(rows))
    ax.barh(positions, [g.gain for g in rows], color=["tab:blue" if n == GNN else "tab:grey" for n in names])
    for y, g in zip(positions, rows, strict=True):
        ax.annotate(f" {g.gain:+.4f}", (max(g.gain, 0.0), y), va="center", ha="left")
    # Gains are often of the order of 1e-5: on their own scale they looked like real bars (with a "1e-5"
    # offset over the label); at least +-MIN_GAIN_SPAN they read as the nothing they are.
    low, high = ax.get_xlim()
    ax.set_xlim(min(low, -MIN_GAIN_SPAN), max(high, MIN_GAIN_SPAN))
    ax.ticklabel_format(axis="x", style="plain", useOffset=False)
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(5))
    # The scale kept on validation learners: alpha 0 means the transfer was not used, so its gain is 0.
    names = [f"{g.name}\n(alpha {g.alpha:g})" for g in rows]
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(positions, names)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    without = next((g.test_auc for g in report.tracer_table if g.name == "without transfer"), float("nan"))
    ax.set_xlabel(f"AUC gain over the tracer without transfer ({without:.4f});\none run, no seed spread")
    ax.set_title(TRACER_TITLE)
    ax.grid(axis="x", alpha=0.3)


def draw_cold_start(ax: Axes, report: EvalReport) -> None:
    """Spearman of each model on the cold pairs; each learnt model's seeds alone as dots on its bar."""
    names = list(report.cold_table)
    positions = np.arange(len(names))
    ax.barh(
        positions,
        [report.cold_table[n].spearman for n in names],
        color=["tab:blue" if n == GNN else "tab:grey" for n in names],
        label="model (seeds averaged)",
    )
    labelled = False
    for y, name in zip(positions, names, strict=True):
        seeds = [m.spearman for m in report.cold_seeds.get(name, [])]
        if seeds:
            ax.scatter(
                seeds,
                np.full(len(seeds), y),
                color="black",
                s=14,
                zorder=3,
                label=None if labelled else "one seed",
            )
            labelled = True
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(positions, names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_xlabel(f"Spearman against the reference ({report.info.get('cold_pairs', '?')} cold pairs)")
    ax.set_title(COLD_TITLE)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.14), fontsize="small")  # below: bars fill the axes


def plot_transfer(report: EvalReport, path: Path) -> Path:
    """PNG of `draw_transfer` at `path` (its folder created)."""
    fig = draw_transfer(report)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, format="png")
    return path
