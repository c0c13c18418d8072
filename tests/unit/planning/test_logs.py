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
