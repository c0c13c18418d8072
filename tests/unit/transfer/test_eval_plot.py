"""The eval-transfer figure, drawn from a small made-up report (what it holds, not its pixels), and the
command drawing it on a tiny generated run."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.errors import ValidationFailed
from kgplatform.settings import get_settings
from kgplatform.transfer.downstream import TracerGain
from kgplatform.transfer.eval_plot import (
    COLD_TITLE,
    SCATTER_TITLE,
    TRACER_TITLE,
    draw_transfer,
    plot_transfer,
)
from kgplatform.transfer.evaluate import CEILING, LABELS, EvalReport, HeldOutPairs
from kgplatform.transfer.metrics import PairMetrics

GNN, MLP = LABELS["gnn"], LABELS["mlp"]


def made_up(tracer: bool = True, cold: bool = True) -> EvalReport:
    rng = np.random.default_rng(1)
    reference = rng.random(40)
    return EvalReport(
        "generated curriculum (made up)",
        {
            GNN: PairMetrics(0.31, 0.70, 40),
            MLP: PairMetrics(0.25, 0.66, 40),
            "prerequisite edges": PairMetrics(0.29, 0.71, 40),
            CEILING: PairMetrics(0.16, 0.68, 40),
        },
        [
            TracerGain("without transfer", 0.0, 0.77, 0.772, 0.0),
            TracerGain(GNN, 0.5, 0.775, 0.7724, 0.0004, 1.0),
            TracerGain(MLP, 0.0, 0.77, 0.772, 0.0, 0.5),
        ]
        if tracer
        else [],
        {
            GNN: PairMetrics(0.15, 0.71, 30),
            MLP: PairMetrics(0.14, 0.69, 30),
            "prerequisite edges": PairMetrics(0.16, 0.65, 30),
        }
        if cold
        else {},
        {"test_pairs": 40, "cold_pairs": 30, "reference": "true transfer", "seeds_per_variant": 3},
        HeldOutPairs(reference, reference + rng.normal(0, 0.3, 40)),
        cold_seeds={GNN: [PairMetrics(s, 0.7, 30) for s in (0.10, 0.15, 0.20)]} if cold else {},
    )


def axes_titled(fig: object, title: str) -> object:
    return next(ax for ax in fig.axes if ax.get_title() == title)  # type: ignore[attr-defined]


def test_the_gnn_against_the_truth_with_every_other_model_in_the_legend(tmp_path: Path) -> None:
    report = made_up()
    fig = draw_transfer(report)
    scatter = axes_titled(fig, SCATTER_TITLE)
    points = scatter.collections[0].get_offsets()
    assert len(points) == 40
    np.testing.assert_allclose(points[:, 0], report.held_out.reference)  # type: ignore[union-attr]
    assert scatter.get_xlabel() == "true transfer (source -> target)"
    assert scatter.get_ylabel() == "GNN predicted transfer"
    assert [t.get_text() for t in scatter.get_legend().get_texts()] == [
        "GNN: Spearman 0.310, AUC top 0.700",
        "MLP, same features: Spearman 0.250, AUC top 0.660",
        "prerequisite edges: Spearman 0.290, AUC top 0.710",
        "ceiling: Spearman 0.160, AUC top 0.680",
    ]
    png = plot_transfer(report, tmp_path / "sub" / "transfer.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_tracer_gain_and_cold_start_bars_with_each_seed_on_its_bar() -> None:
    fig = draw_transfer(made_up())
    tracer = axes_titled(fig, TRACER_TITLE)
    assert [t.get_text() for t in tracer.get_yticklabels()] == [f"{GNN}\n(alpha 0.5)", f"{MLP}\n(alpha 0)"]
    assert [round(p.get_width(), 4) for p in tracer.patches] == [0.0004, 0.0]
    assert "0.7720" in tracer.get_xlabel()  # the tracer without transfer, which the gains are over
    cold = axes_titled(fig, COLD_TITLE)
    assert [round(p.get_width(), 2) for p in cold.patches] == [0.15, 0.14, 0.16]
    seeds = cold.collections[0].get_offsets()
    np.testing.assert_allclose(seeds, [[0.10, 0], [0.15, 0], [0.20, 0]])  # on the GNN's bar
    assert "30 cold pairs" in cold.get_xlabel()


def test_gains_of_1e_5_are_drawn_on_a_scale_where_they_look_like_nothing() -> None:
    """Drawn on their own scale, gains of 1e-5 filled the axes as full bars, with a "1e-5" offset."""
    report = made_up()
    report.tracer_table = [
        TracerGain("without transfer", 0.0, 0.7711, 0.7720, 0.0),
        TracerGain("conditional success", 1.0, 0.7711, 0.77202, 0.00002),
    ]
    fig = draw_transfer(report)
    tracer = axes_titled(fig, TRACER_TITLE)
    low, high = tracer.get_xlim()
    assert low <= -0.002 and high >= 0.002
    fig.canvas.draw()  # the offset text is set when the ticks are laid out
    assert tracer.xaxis.get_offset_text().get_text() == ""


@pytest.mark.parametrize(("tracer", "cold"), [(True, True), (True, False), (False, True)])
def test_every_panel_lies_inside_the_figure(tracer: bool, cold: bool) -> None:
    """`eval-transfer --no-cold-start --plot` cut the tracer panel's right edge, its title and its label off
    (one-line title and label wider than the right-hand panel), as the generated curriculum's run showed."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    report = made_up(tracer, cold)
    if tracer:  # the generated curriculum's longest row name
        report.tracer_table.append(TracerGain("(oracle) the true transfer", 0.0, 0.77, 0.772, 0.0))
    fig = draw_transfer(report)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    figure = fig.bbox
    for ax in fig.axes:
        box = ax.get_tightbbox(canvas.get_renderer())
        assert box.x0 >= figure.x0 - 1 and box.x1 <= figure.x1 + 1, ax.get_title()
        assert box.y0 >= figure.y0 - 1 and box.y1 <= figure.y1 + 1, ax.get_title()


def test_without_tracer_or_cold_start_only_the_scatter_is_drawn() -> None:
    fig = draw_transfer(made_up(tracer=False, cold=False))
    assert [ax.get_title() for ax in fig.axes] == [SCATTER_TITLE]


def test_a_report_without_held_out_pairs_is_refused_naming_it() -> None:
    report = made_up()
    report.held_out = HeldOutPairs(np.array([]), np.array([]))
    with pytest.raises(ValidationFailed, match="no held-out pairs") as raised:
        draw_transfer(report)
    assert raised.value.field == "report"


@pytest.fixture
def quick_training(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A few epochs per model (the command offers no option for it) and the embedding cache in tmp_path."""
    import kgplatform.transfer.train as train

    monkeypatch.setattr(train, "TrainConfig", functools.partial(train.TrainConfig, max_epochs=3, patience=2))
    monkeypatch.setenv("KGP_PATHS__DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def test_eval_transfer_draws_the_plot_it_is_asked_for(quick_training: Path) -> None:
    """The PNG is written; the JSON has each learnt model's seeds scored alone (the plot's dots)."""
    plot, out = quick_training / "plots" / "transfer.png", quick_training / "report.json"
    result = CliRunner().invoke(
        app,
        ["eval-transfer", "--data", "generated", "--concepts", "8", "--learners", "150", "--tasks", "12"]
        + ["--seeds", "2", "--plot", str(plot), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "plot:" in result.output
    document = json.loads(out.read_text())
    learnt = {GNN, MLP, LABELS["mf"]}
    for table in ("pairs_per_seed", "cold_start_per_seed"):
        assert set(document[table]) == learnt and all(len(v) == 2 for v in document[table].values())


def test_eval_transfer_refuses_a_bad_plot_path_before_evaluating(
    quick_training: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import kgplatform.transfer.generated as generated

    monkeypatch.setattr(generated, "generated_problem", lambda *_: pytest.fail("the evaluation ran"))
    result = CliRunner().invoke(
        app, ["eval-transfer", "--data", "generated", "--plot", str(quick_training / "transfer.jpg")]
    )
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "must end in .png" in said and "--plot" in said
