from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.mastery.models import MAX_CLOCK_AHEAD, AnswerIn, GoalsIn
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.logs import answers_span, goal_records, simulate_answer_logs
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


def _logs_from(tmp_path: Path, start: datetime, tasks: int) -> tuple[int, str, Path]:
    out = tmp_path / f"{start:%Y%m%dT%H%M%S}.jsonl"
    arguments = [
        "simulate-logs",
        "--out",
        str(out),
        "--concepts",
        "6",
        "--learners",
        "3",
        "--tasks",
        str(tasks),
    ]
    result = CliRunner().invoke(app, [*arguments, "--start", start.isoformat()], terminal_width=300)
    return result.exit_code, result.output, out


def test_simulate_logs_refuses_a_start_whose_answers_post_answers_would_refuse(tmp_path: Path) -> None:
    """A start an hour ago wrote 30 tasks' answers dated up to 7.4 days later, past the day ahead that
    POST /answers accepts, and a start in 1969 answers before 1970: the log was written without a word
    and its rows rejected only when posted. Both are refused naming --start; nothing is written."""
    now = datetime.now(UTC)
    for start, words in (
        (now - timedelta(hours=1), "day ahead"),
        (datetime(1969, 12, 31, tzinfo=UTC), "1970"),
        # The epoch itself: a first answer dated at the start is refused as a missing time.
        (datetime(1970, 1, 1, tzinfo=UTC), "1970"),
    ):
        code, output, out = _logs_from(tmp_path, start, 30)
        assert code == 2 and "--start" in output and words in output, output
        assert not out.exists()


def test_simulate_logs_at_the_latest_start_writes_only_answers_post_answers_accepts(tmp_path: Path) -> None:
    """The latest start the refusal offers is accepted, and every answer of that log passes AnswerIn."""
    start = (datetime.now(UTC) + MAX_CLOCK_AHEAD - answers_span(30)).replace(microsecond=0)
    code, output, out = _logs_from(tmp_path, start, 30)
    assert code == 0, output
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert rows and max(datetime.fromisoformat(r["answered_at"]) for r in rows) > start + timedelta(days=7)
    for row in rows:
        AnswerIn.model_validate(row)
