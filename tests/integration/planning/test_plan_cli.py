"""`kgplatform plan` against real Neo4j and Redis: each task by its title and its concept by its name, above
their ids (since 5 December 2026 the plan carries them; the command printed bare ids)."""

from __future__ import annotations

import pytest
import redis

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from tests.cli_run import run_main

CURRICULUM = "plan-cli"
LEARNER = "plan-cli-learner"


def test_plan_names_tasks_and_concepts_above_their_ids(
    graph: Graph,
    redis_client: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    document = generate_curriculum(20, seed=5, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    MasteryService(MasteryStore(graph)).set_goals(LEARNER, [document.concepts[-1].id])
    titles = {t.id: t.title for t in document.tasks}
    names = {c.id: c.name for c in document.concepts}
    monkeypatch.setenv("COLUMNS", "200")  # wide enough that no title folds

    code, out, err = run_main(monkeypatch, capsys, "plan", LEARNER)

    assert code == 0, err
    lines = out.splitlines()
    shown = [(i, task) for i, line in enumerate(lines) for task in titles if f" {task} " in line]
    assert len(shown) >= 3, out
    for i, task in shown:
        concept = next(c for c in names if f" {c} " in lines[i])
        # The names on the line above the ids, in the same columns.
        assert titles[task] in lines[i - 1] and names[concept] in lines[i - 1], out
