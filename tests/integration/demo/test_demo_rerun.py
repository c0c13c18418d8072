"""`kgplatform demo` run twice on one graph: the second run posts the very same answers (all already
stored, none rejected), and leaves one working demo key."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from kgplatform.auth.service import list_keys
from kgplatform.demo import DEMO_KEY_NAME, Demo
from kgplatform.graph.driver import Graph
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
