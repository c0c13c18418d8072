"""`kgplatform demo` run twice on one graph: the second run posts the very same answers (all already
stored, none rejected), and leaves one working demo key."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from kgplatform.auth.service import list_keys
from kgplatform.cli import app
from kgplatform.demo import DEMO_KEY_NAME, Demo
from kgplatform.graph.driver import Graph
from kgplatform.mastery import params_store
from kgplatform.settings import Settings


def demo_output(graph: Graph, settings: Settings, capsys: pytest.CaptureFixture[str], **sizes: int) -> str:
    out = io.StringIO()
    demo = Demo(settings, graph, Console(file=out, width=200), tasks_per_learner=6, **sizes)
    demo.import_curriculum()
    demo.ingest_answers()
    demo.issue_demo_key()
    return out.getvalue() + capsys.readouterr().out


def test_a_second_run_posts_the_same_answers_and_keeps_one_demo_key(
    graph: Graph, settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = demo_output(graph, settings, capsys, concepts=20, learners=10)
    assert "answers: 60 accepted, 0 already stored, 0 rejected" in first
    second = demo_output(graph, settings, capsys, concepts=20, learners=10)
    assert "answers: 0 accepted, 60 already stored, 0 rejected" in second
    assert "1 earlier demo key revoked" in second
    live = [k for k in list_keys(graph) if k.name == DEMO_KEY_NAME and not k.revoked]
    assert len(live) == 1
    # Other sizes make other records: new event ids, not conflicts with the stored ones.
    other = demo_output(graph, settings, capsys, concepts=20, learners=12)
    assert "72 accepted, 0 already stored, 0 rejected" in other
    # Another planner makes other records too (the simulated learners follow its plans): after an upgrade
    # the demo's answers were all conflicts, and the demo stopped ("the demo's own answers were rejected").
    monkeypatch.setattr("kgplatform.demo.PLANNER_VERSION", "planner-next")
    upgraded = demo_output(graph, settings, capsys, concepts=20, learners=10)
    assert "60 accepted, 0 already stored, 0 rejected" in upgraded


def test_the_tracer_stage_fits_on_the_demo_answers_and_traces_everyone_again(
    graph: Graph, settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Ingested under the default parameters, every learner's mastery is traced again under the fitted ones
    (a learner was otherwise replayed only at their next answer: the demo's plans used the defaults). The
    answers stage no longer warns that nothing was fitted (to run fit-tracer) just before its next stage
    fits."""
    own = settings.model_copy(update={"paths": settings.paths.model_copy(update={"models_dir": tmp_path})})
    out = io.StringIO()
    demo = Demo(own, graph, Console(file=out, width=200), concepts=20, learners=10, tasks_per_learner=6)
    demo.import_curriculum()
    demo.ingest_answers()
    demo.fit_tracer()
    fitted = params_store.load_current(own)
    assert fitted is not None
    assert f"tracer {fitted.model_version}: fitted 20 concepts on " in out.getvalue()
    assert f"mastery: 10 learners traced again under {fitted.model_version}" in out.getvalue()
    assert {row["model_version"] for row in graph.read("testing/list_all_mastery")} == {fitted.model_version}
    assert "no fitted tracer parameters" not in caplog.text


def test_the_stages_are_numbered_on_from_the_services_and_schema_to_the_api(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The API's stage was numbered 8 by hand, whatever the demo's stages were (a ninth made two 8s)."""
    stages = [("first", lambda: None), ("second", lambda: None)]
    monkeypatch.setattr(Demo, "stages", lambda self: stages)
    result = CliRunner().invoke(app, ["demo", "--no-serve"])
    assert result.exit_code == 0, result.output
    titles = re.findall(r"(\d+)\. (services|schema|first|second|API)\b", result.output)
    assert titles == [("1", "services"), ("2", "schema"), ("3", "first"), ("4", "second"), ("5", "API")]
