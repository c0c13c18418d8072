"""`services backup | restore`: what they refuse before touching anything (no Neo4j or Java needed here;
the round trip on a real server is tests/integration/services/test_backup.py)."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app, main
from kgplatform.cli.services import refuse_while_workers_answer
from kgplatform.errors import Conflict, ServiceSetupFailed
from kgplatform.services import backup
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, Settings


def settings_for(tmp_path: Path, uri: str = "bolt://127.0.0.1:1") -> Settings:
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=uri),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )


def words(output: str) -> str:
    return " ".join(output.replace("│", " ").split())  # the error box wraps long lines


def test_dump_names_sort_by_time_in_utc_and_name_the_database() -> None:
    at = datetime(2026, 12, 2, 13, 5, 9, tzinfo=timezone(timedelta(hours=2)))
    assert backup.dump_file_name("neo4j", at) == "neo4j-20261202T110509Z.dump"
    assert backup.dump_file_name("kg", datetime(2026, 1, 2, tzinfo=UTC), "-before-restore") == (
        "kg-20260102T000000Z-before-restore.dump"
    )


def test_a_neo4j_on_another_machine_is_not_backed_up_from_here(tmp_path: Path) -> None:
    settings = settings_for(tmp_path, "neo4j://graph.example.invalid:7687")
    with pytest.raises(ServiceSetupFailed, match="not on this machine: back it up where it runs"):
        backup.backup(settings, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_a_state_folder_without_a_database_has_nothing_to_back_up(tmp_path: Path) -> None:
    with pytest.raises(ServiceSetupFailed, match="no Neo4j database in .*services up"):
        backup.backup(settings_for(tmp_path), tmp_path / "out")


def test_restore_of_a_missing_file_says_so_before_asking_anything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nope.dump"
    monkeypatch.setattr(sys, "argv", ["kgplatform", "services", "restore", str(missing)])
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    with pytest.raises(SystemExit) as exited:
        main()
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert captured.err == f"kgplatform: {missing}: no such file\n"
    assert "Replace Neo4j database" not in captured.out


def test_restore_asks_and_a_no_changes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dump = tmp_path / "old.dump"
    dump.write_bytes(b"dump")
    monkeypatch.setattr(backup, "check_dump", lambda settings, path: None)  # Java reads real dumps
    restored: list[Path] = []
    monkeypatch.setattr(backup, "restore", lambda settings, path, drop, report: restored.append(path))
    result = CliRunner().invoke(app, ["services", "restore", str(dump), "--ignore-workers"], input="n\n")
    assert result.exit_code == 1 and "Aborted" in result.output
    assert "Answers and edits stored since that dump are lost" in words(result.output)
    assert restored == []


class Inspect:
    def __init__(self, answers: dict[str, dict[str, str]] | None) -> None:
        self.answers = answers

    def ping(self) -> dict[str, dict[str, str]] | None:
        return self.answers


class Control:
    def __init__(self, answers: dict[str, dict[str, str]] | None) -> None:
        self.answers = answers

    def inspect(self, timeout: float) -> Inspect:
        return Inspect(self.answers)


def test_a_restore_is_refused_while_workers_answer() -> None:
    """They would keep what they read from the old graph, and could cache plans made from it."""
    answers = {"planning@a": {"ok": "pong"}, "training@b": {"ok": "pong"}}
    with pytest.raises(Conflict, match=r"2 Celery worker\(s\) answer \(planning@a, training@b\): stop them"):
        refuse_while_workers_answer(Control(answers))
    refuse_while_workers_answer(Control(None))  # nobody answered: no refusal
    refuse_while_workers_answer(Control({}))
