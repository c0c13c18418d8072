"""`services status` while a backup or restore has stopped Neo4j: a planned stop says so, with the command
and since when, instead of "not running" as after a crash; a note left by a killed process says nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.services import maintenance, manager
from kgplatform.services.processes import free_port, start_time
from kgplatform.settings import LocalServicesSettings, Neo4jSettings, RedisSettings, Settings, get_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    # Nothing listens on these ports and this state folder started nothing: both would read "not running".
    return Settings(
        _env_file=None,
        neo4j=Neo4jSettings(uri=f"bolt://127.0.0.1:{free_port()}"),
        redis=RedisSettings(url=f"redis://127.0.0.1:{free_port()}/0"),
        services=LocalServicesSettings(state_dir=tmp_path / "state"),
    )


def neo4j_row(settings: Settings) -> manager.ServiceStatus:
    return next(row for row in manager.status(settings) if row.name == "neo4j")


def test_status_during_a_backup_names_it_and_after_it_reads_not_running_again(settings: Settings) -> None:
    assert neo4j_row(settings).state is manager.State.NOT_RUNNING
    with maintenance.under_way(settings, "backup"):
        row = neo4j_row(settings)
        assert row.state is manager.State.MAINTENANCE
        assert row.detail is not None and row.detail.startswith(
            f"`services backup` (pid {os.getpid()}, since "
        )
        redis_row = next(row for row in manager.status(settings) if row.name == "redis")
        assert redis_row.state is manager.State.NOT_RUNNING  # a backup stops Neo4j only
    assert neo4j_row(settings).state is manager.State.NOT_RUNNING
    assert not (settings.services.state_dir / maintenance.NOTE_NAME).exists()


def test_the_cli_prints_the_operation_and_still_exits_3(settings: Settings) -> None:
    """Neo4j does not answer meanwhile: a script checking the exit code sees an outage, a person reading
    the table sees that it is planned and by whom."""
    env = {
        "KGP_NEO4J__URI": settings.neo4j.uri,
        "KGP_REDIS__URL": settings.redis.url,
        "KGP_SERVICES__STATE_DIR": str(settings.services.state_dir),
        "COLUMNS": "300",  # the table on one line per service
    }
    get_settings.cache_clear()  # the CLI must read `env`, not settings an earlier test left cached
    try:
        with maintenance.under_way(settings, "restore"):
            result = CliRunner().invoke(app, ["services", "status"], env=env, terminal_width=200)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 3, result.output
    assert "stopped for maintenance: `services restore` (pid" in " ".join(result.output.split())


def test_a_note_left_by_a_killed_backup_is_ignored(settings: Settings) -> None:
    """kill -9 of a backup leaves its note; the process it names is gone, so status reads not running."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    started = start_time(gone.pid)
    gone.wait()
    note = settings.services.state_dir / maintenance.NOTE_NAME
    note.parent.mkdir(parents=True)
    note.write_text(
        json.dumps(
            {"operation": "backup", "pid": gone.pid, "start": started, "since": "2026-12-02T10:00:00+00:00"}
        )
    )
    assert maintenance.current(settings) is None
    assert neo4j_row(settings).state is manager.State.NOT_RUNNING


def test_a_note_whose_pid_now_names_another_process_is_ignored(settings: Settings) -> None:
    """The pid of a killed backup given to another process: the start time no longer matches."""
    note = settings.services.state_dir / maintenance.NOTE_NAME
    note.parent.mkdir(parents=True)
    note.write_text(
        json.dumps(
            {"operation": "backup", "pid": os.getpid(), "start": "1", "since": "2026-12-02T10:00:00+00:00"}
        )
    )
    assert maintenance.current(settings) is None


@pytest.mark.parametrize("text", ["", "{", "[]", '{"operation": "backup"}', '{"pid": "x", "since": "no"}'])
def test_an_unreadable_note_is_no_maintenance(settings: Settings, text: str) -> None:
    note = settings.services.state_dir / maintenance.NOTE_NAME
    note.parent.mkdir(parents=True)
    note.write_text(text)
    assert maintenance.current(settings) is None
