from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.mastery.models import GoalsIn
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.logs import goal_records, simulate_answer_logs
from kgplatform.planning.simulator import Population


def test_goal_records_are_the_simulated_learners_goals_in_the_goals_api_body(chain: ConceptGraph) -> None:
    records = list(goal_records(chain, n_learners=6, seed=2))
    population = Population.generate(chain, 6, seed=2)
    assert [r["learner_id"] for r in records] == [f"learner-{i:05d}" for i in range(6)]
    for row, record in enumerate(records):
        body = GoalsIn.model_validate({k: v for k, v in record.items() if k != "learner_id"})
        assert (
            sorted(chain.index[c] for c in body.concept_ids) == np.flatnonzero(population.goals[row]).tolist()
        )
    answered = {
        a["learner_id"]
        for a in simulate_answer_logs(
            chain, n_learners=6, n_tasks=3, seed=2, start=datetime(2026, 1, 5, tzinfo=UTC)
        )
    }
    assert answered <= {r["learner_id"] for r in records}


def test_simulate_logs_writes_answers_and_goals(tmp_path: Path) -> None:
    out = tmp_path / "answers.jsonl"
    result = CliRunner().invoke(
        app, ["simulate-logs", "--out", str(out), "--concepts", "12", "--learners", "4", "--tasks", "3"]
    )
    assert result.exit_code == 0, result.output
    goals = [json.loads(line) for line in (tmp_path / "answers.goals.jsonl").read_text().splitlines()]
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(goals) == 4 and all(set(g) == {"learner_id", "concept_ids"} for g in goals)
    assert any(g["concept_ids"] for g in goals)
    assert {a["learner_id"] for a in answers} <= {g["learner_id"] for g in goals}


def test_runs_that_give_other_records_give_other_event_ids(tmp_path: Path) -> None:
    """simulate-logs named only the seed in its ids: --concepts 10 and 30 both began with sim-0-0-0, for
    other tasks, so posting the second run to the same platform was refused as conflicts."""

    def first_event(*options: str) -> tuple[str, dict[str, object]]:
        out = tmp_path / f"{len(list(tmp_path.iterdir()))}.jsonl"
        result = CliRunner().invoke(app, ["simulate-logs", "--out", str(out), "--tasks", "2", *options])
        assert result.exit_code == 0, result.output
        first = json.loads(out.read_text().splitlines()[0])
        return str(first["event_id"]), first

    small, small_row = first_event("--concepts", "10")
    assert first_event("--concepts", "10") == (small, small_row)  # the same run: the same ids
    assert first_event("--concepts", "30")[0] != small
    assert first_event("--concepts", "10", "--start", "2026-03-01T08:00:00+00:00")[0] != small


def test_simulate_logs_refuses_a_curriculum_without_tasks_and_a_negative_seed(tmp_path: Path) -> None:
    empty = tmp_path / "no-tasks.json"
    assert (
        CliRunner()
        .invoke(
            app, ["generate-curriculum", "--concepts", "10", "--tasks-per-concept", "0", "--out", str(empty)]
        )
        .exit_code
        == 0
    )
    result = CliRunner().invoke(
        app, ["simulate-logs", "--out", str(tmp_path / "a.jsonl"), "--curriculum-file", str(empty)]
    )
    assert result.exit_code == 2 and "no tasks" in result.output, result.output
    negative = CliRunner().invoke(app, ["simulate-logs", "--out", str(tmp_path / "b.jsonl"), "--seed", "-1"])
    assert negative.exit_code == 2 and "--seed" in negative.output
