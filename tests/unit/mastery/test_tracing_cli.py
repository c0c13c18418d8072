"""fit-tracer and eval-tracing as an operator runs them (in-process through typer's runner), on a tiny CSV."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.cli import mastery as mastery_cli
from kgplatform.errors import ValidationFailed
from kgplatform.mastery import params_store
from kgplatform.settings import get_settings

runner = CliRunner()


@pytest.fixture
def isolated_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    # No services in unit tests: fit-tracer's look at the graph finds none.
    monkeypatch.setattr(mastery_cli, "fitted_concepts_in_graph", lambda concept_ids: None)
    monkeypatch.setenv("KGP_PATHS__MODELS_DIR", str(tmp_path / "models"))
    monkeypatch.setenv("KGP_PATHS__DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def write_log(path: Path, learners: int = 60, seed: int = 0) -> Path:
    """An ASSISTments-style CSV: three named skills, learners who improve with practice."""
    rng = np.random.default_rng(seed)
    order = 0
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["order_id", "user_id", "problem_id", "skill_name", "correct"])
        for user in range(learners):
            known = rng.random(3) < 0.3
            for _ in range(int(rng.integers(8, 25))):
                skill = int(rng.integers(0, 3))
                order += 1
                right = rng.random() < (0.9 if known[skill] else 0.25)
                writer.writerow(
                    [
                        order,
                        f"u{user}",
                        f"p{skill}-{rng.integers(0, 5)}",
                        ["Area", "Ratio", "Sum"][skill],
                        int(right),
                    ]
                )
                known[skill] |= rng.random() < 0.25
    return path


def test_fit_tracer_writes_the_current_parameters(isolated_paths: Path) -> None:
    log = write_log(isolated_paths / "log.csv")
    result = runner.invoke(app, ["fit-tracer", "--data", str(log), "--forget-rate-per-day", "0.01"])
    assert result.exit_code == 0, result.output
    params = params_store.load_current(get_settings())
    assert params is not None and params.concept_ids == ("Area", "Ratio", "Sum")
    assert params.model_version in result.output
    np.testing.assert_allclose(params.forget_rate_per_day, 0.01)
    assert np.all(params.p_learn > 0.05)


def test_eval_tracing_prints_and_writes_every_model(isolated_paths: Path) -> None:
    log = write_log(isolated_paths / "log.csv")
    out = isolated_paths / "figures.json"
    result = runner.invoke(
        app, ["eval-tracing", "--data", str(log), "--folds", "1,2", "--no-pybkt", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "mean ± sd" in result.output
    # The field's figures are ASSIST2009's: beside a researcher's own log they compare nothing.
    assert "vs AKT" not in result.output
    # What was read and dropped is said (it was only in the JSON); 60 learners of write_log, none dropped.
    said = " ".join(result.output.split())
    assert "of 60 learners on 3 skills, ordered by order_id; 0 rows dropped" in said
    assert "the mastery the platform stores" in " ".join(result.output.split())  # wrapped at 80 columns
    document = json.loads(out.read_text())
    assert {(s["model"], s["protocol"]) for s in document["summary"]} == {
        (m, p)
        for m in ("ours", "ours-tracer-alone", "ours-no-transfer", "ours-no-tracer", "skill-success-rate")
        for p in ("leak-free", "leaky (row-by-row)")
    }
    assert sorted({f["fold"] for f in document["folds"]}) == [1, 2]


def test_eval_tracing_draws_the_plot_it_is_asked_for(isolated_paths: Path) -> None:
    """`--plot` writes a PNG of the run's folds; the JSON keeps the reliability bins it was drawn from."""
    log = write_log(isolated_paths / "log.csv")
    plot, out = isolated_paths / "plots" / "tracing.png", isolated_paths / "figures.json"
    result = runner.invoke(
        app,
        [
            "eval-tracing",
            "--data",
            str(log),
            "--folds",
            "1",
            "--no-pybkt",
            "--out",
            str(out),
            "--plot",
            str(plot),
        ],
    )
    assert result.exit_code == 0, result.output
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and "plot:" in result.output
    folds = json.loads(out.read_text())["folds"]
    tracer = next(f for f in folds if (f["model"], f["protocol"]) == ("ours-tracer-alone", "leak-free"))
    assert sum(tracer["calibration"]["count"]) == tracer["n"]


@pytest.mark.parametrize(
    ("name", "why"), [("tracing.svg", "must end in .png"), ("folder.png", "is a folder")]
)
def test_eval_tracing_refuses_a_bad_plot_path_before_reading_the_log(
    name: str, why: str, isolated_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kgplatform.mastery import datasets

    monkeypatch.setattr(datasets, "read_log", lambda _: pytest.fail("the log was read"))
    target = isolated_paths / name
    if why == "is a folder":
        target.mkdir()
    result = runner.invoke(app, ["eval-tracing", "--data", "x.csv", "--no-pybkt", "--plot", str(target)])
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and why in said and "--plot" in said


def test_eval_tracing_refuses_bad_folds(isolated_paths: Path) -> None:
    log = write_log(isolated_paths / "log.csv", learners=10)
    result = runner.invoke(app, ["eval-tracing", "--data", str(log), "--folds", "one", "--no-pybkt"])
    assert isinstance(result.exception, ValidationFailed) and result.exception.field == "folds"


def test_fit_tracer_names_either_skill_column_when_neither_is_there(isolated_paths: Path) -> None:
    """It asked for skill_name alone, though skill_id is accepted too (docs/tracing.md; a review, s30)."""
    log = isolated_paths / "log.csv"
    log.write_text("user_id,problem_id,correct\nu1,p1,1\n")
    with pytest.raises(ValidationFailed, match="lacks column\\(s\\) skill_id or skill_name$"):
        runner.invoke(app, ["fit-tracer", "--data", str(log)], catch_exceptions=False)


@pytest.mark.parametrize("rate", ["-1", "nan", "inf"])
def test_fit_tracer_refuses_a_bad_forget_rate_before_reading_or_fitting(
    rate: str, isolated_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--forget-rate-per-day -1` was refused only when the fitted parameters were stored, after the EM
    fit had run (a review, s30)."""
    from kgplatform.mastery import datasets

    monkeypatch.setattr(datasets, "read_log", lambda _: pytest.fail("the log was read"))
    log = write_log(isolated_paths / "log.csv", learners=5)
    with pytest.raises(ValidationFailed, match="forget_rate_per_day must be a number >= 0"):
        runner.invoke(
            app, ["fit-tracer", "--data", str(log), "--forget-rate-per-day", rate], catch_exceptions=False
        )
    assert params_store.load_current(get_settings()) is None


def test_eval_tracing_refuses_a_folder_as_out_before_reading_the_log(
    isolated_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--out FOLDER` failed when the figures were written, after the whole evaluation, and lost them."""
    from kgplatform.mastery import datasets

    monkeypatch.setattr(datasets, "read_log", lambda _: pytest.fail("the log was read"))
    log = write_log(isolated_paths / "log.csv", learners=5)
    result = runner.invoke(
        app, ["eval-tracing", "--data", str(log), "--no-pybkt", "--out", str(isolated_paths)]
    )
    said = " ".join(result.output.replace("│", " ").split())  # typer's error box wraps the line
    assert result.exit_code == 2 and "is a folder: give the JSON file's name" in said


def test_eval_tracing_refuses_no_pybkt_restarts(isolated_paths: Path) -> None:
    log = write_log(isolated_paths / "log.csv", learners=5)
    result = runner.invoke(app, ["eval-tracing", "--data", str(log), "--pybkt-fits", "0"])
    assert result.exit_code == 2 and "--pybkt-fits" in result.output


def test_eval_tracing_refuses_a_plot_under_a_file_before_reading_the_log(
    isolated_paths: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plot's folder is made only once the figures are in: a file in its way failed after the run."""
    from kgplatform.mastery import datasets

    monkeypatch.setattr(datasets, "read_log", lambda _: pytest.fail("the log was read"))
    (isolated_paths / "notes.txt").write_text("not a folder")
    target = isolated_paths / "notes.txt" / "plots" / "tracing.png"
    result = runner.invoke(app, ["eval-tracing", "--data", "x.csv", "--no-pybkt", "--plot", str(target)])
    said = " ".join(result.output.replace("│", " ").split())
    assert result.exit_code == 2 and "--plot" in said, said
    assert "notes.txt is a file, not a folder" in said, said


@pytest.mark.parametrize(
    ("found", "said"),
    [
        (None, "Neo4j could not be asked which fitted skills are concepts of the graph"),
        (set(), "none of the 3 fitted skills is a concept of the graph"),
        ({"Area", "Sum"}, "2 of the 3 fitted skills are concepts of the graph"),
    ],
)
def test_fit_tracer_says_how_many_fitted_skills_the_graph_uses(
    isolated_paths: Path, monkeypatch: pytest.MonkeyPatch, found: set[str] | None, said: str
) -> None:
    """A fit on a log whose skill ids are no concept ids (assist2009 beside a generated curriculum) changed
    no concept's parameters and still made every learner be replayed: fit-tracer said nothing of it."""
    asked: list[tuple[str, ...]] = []

    def in_graph(concept_ids: tuple[str, ...]) -> set[str] | None:
        asked.append(concept_ids)
        return found

    monkeypatch.setattr(mastery_cli, "fitted_concepts_in_graph", in_graph)
    log = write_log(isolated_paths / "log.csv")
    result = runner.invoke(app, ["fit-tracer", "--data", str(log)])
    assert result.exit_code == 0, result.output
    assert asked == [("Area", "Ratio", "Sum")]
    assert said in " ".join(result.output.split()), result.output
