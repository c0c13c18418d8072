"""`kgplatform ingest --dry-run`: exit codes and what is said, without services (a dry run connects to
nothing); the real run is tests/integration/mastery/test_ingest_file.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import run_main

GOOD = {
    "event_id": "e-1",
    "learner_id": "l-1",
    "task_id": "t-1",
    "correct": True,
    "answered_at": "2026-01-05T08:00:00Z",
}


def test_a_valid_file_checks_out_with_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps({**GOOD, "event_id": f"e-{n}"}) + "\n" for n in range(3)))
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run")
    assert code == 0, err
    assert (
        "checked (dry run, nothing stored)" in out
        and "3 rows in 1 batches" in out
        and "3 valid, 0 rejected" in out
    )


def test_a_bad_row_is_named_by_its_line_written_to_rejects_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "event_id,learner_id,task_id,correct,answered_at\n"
        "e-1,l-1,t-1,1,2026-01-05T08:00:00Z\n"
        "e-2,l 2,t-1,1,2026-01-05T08:00:00Z\n"
    )
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run_main(
        monkeypatch, capsys, "ingest", str(path), "--dry-run", "--rejects", str(rejects)
    )
    assert code == 1
    assert "line 3: invalid (learner_id)" in err and "1 valid, 1 rejected" in out
    [written] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert written["line"] == 3 and written["field"] == "learner_id" and written["event_id"] == "e-2"


def test_a_column_that_is_not_an_answer_field_is_one_line_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    path.write_text("user_id,problem_id,correct\n1,2,1\n")
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path))  # refused before connecting
    assert code == 2 and out == ""
    assert err.startswith("kgplatform: ") and "unknown column(s) 'user_id', 'problem_id'" in err
    assert err.count("\n") == 1


def test_rejects_naming_the_file_being_ingested_is_refused_before_it_is_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    code, _, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--rejects", str(path))
    assert code == 2 and "--rejects" in err
    assert path.read_text() == json.dumps(GOOD) + "\n"
