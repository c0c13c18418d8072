"""`services status` while a backup or restore has stopped Neo4j: a planned stop says so, with the command
and since when, instead of "not running" as after a crash; a note left by a killed process says that it was
stopped part-way and that `services up` starts Neo4j again (which deletes the note)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from typer.testing import Result

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import maintenance, manager, neo4j_local
from kgplatform.services.processes import start_time
from kgplatform.settings import Settings


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


def test_the_cli_prints_the_operation_and_still_exits_3(
    settings: Settings, status_cli: Callable[[], Result]
) -> None:
    """Neo4j does not answer meanwhile: a script checking the exit code sees an outage, a person reading
    the table sees that it is planned and by whom."""
    with maintenance.under_way(settings, "restore"):
        result = status_cli()
    assert result.exit_code == 3, result.output
    assert "stopped for maintenance: `services restore` (pid" in " ".join(result.output.split())


def killed_note(settings: Settings, operation: str) -> None:
    """The note a backup or restore killed with -9 leaves: it names a process that is gone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    started = start_time(gone.pid)
    gone.wait()
    note = settings.services.state_dir / maintenance.NOTE_NAME
    note.parent.mkdir(parents=True, exist_ok=True)
    note.write_text(
        json.dumps(
            {"operation": operation, "pid": gone.pid, "start": started, "since": "2026-12-02T10:00:00+00:00"}
        )
    )


@pytest.mark.parametrize("operation", ["backup", "restore"])
def test_a_note_left_by_a_killed_backup_says_it_stopped_part_way_and_how_to_start_neo4j(
    settings: Settings, operation: str
) -> None:
    """kill -9 of a backup leaves Neo4j stopped and its note behind: status read a bare "not running", as
    after a crash. It is no maintenance under way (nothing will start Neo4j again), but says what stopped
    it and that `services up` starts it; a killed restore may have left a database loaded in part."""
    killed_note(settings, operation)
    assert maintenance.current(settings) is None
    row = neo4j_row(settings)
    assert row.state is manager.State.NOT_RUNNING
    assert row.detail is not None and row.detail.startswith(f"`services {operation}` (pid ")
    assert "stopped part-way (its process is gone) and left Neo4j stopped" in row.detail
    assert "`kgplatform services up` starts it again" in row.detail
    # Killed while it loaded, a restore leaves its load's note too (the tests below); without it the load
    # had not begun or had ended.
    assert ("the database is whole" in row.detail) is (operation == "restore")
    # What the restore runs once Neo4j is back, and a killed one never reached; a backup changed nothing.
    said_then = "then run `kgplatform migrate`" in row.detail and "`kgplatform recompute --all`" in row.detail
    assert said_then is (operation == "restore")
    redis_row = next(row for row in manager.status(settings) if row.name == "redis")
    assert redis_row.detail is None  # a backup stops Neo4j only


def test_the_cli_prints_a_killed_backup_and_exits_3(
    settings: Settings, status_cli: Callable[[], Result]
) -> None:
    killed_note(settings, "backup")
    result = status_cli()
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert "not running: `services backup` (pid" in said
    assert "`kgplatform services up` starts it again" in said


@pytest.mark.parametrize("operation", ["backup", "restore"])
def test_up_deletes_a_killed_backup_s_note_once_neo4j_runs_and_says_why_it_started(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, operation: str
) -> None:
    """Left in place, the note would blame the killed backup for any later crash. After a killed restore
    the row also says what that restore would have run once Neo4j was back: the note is gone after this,
    so `up` is the last place to say it."""
    killed_note(settings, operation)

    def started(name: str, address: str, *_: object) -> manager.ServiceStatus:
        return manager.ServiceStatus(name, address, manager.State.STARTED, 4242)

    monkeypatch.setattr(manager, "_bring_up", started)  # no servers: only what `up` does after them
    neo4j, redis = manager.up(settings)
    assert neo4j.detail is not None and neo4j.detail.startswith(f"after `services {operation}` (pid ")
    assert ("then run `kgplatform migrate`" in neo4j.detail) is (operation == "restore")
    assert redis.detail is None
    assert not (settings.services.state_dir / maintenance.NOTE_NAME).exists()
    assert neo4j_row(settings).detail is None  # a later stop reads as it is


def test_up_leaves_the_note_of_a_backup_still_under_way(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def running(name: str, address: str, *_: object) -> manager.ServiceStatus:
        return manager.ServiceStatus(name, address, manager.State.RUNNING_OURS, 4242)

    monkeypatch.setattr(manager, "_bring_up", running)
    with maintenance.under_way(settings, "backup"):
        neo4j, _ = manager.up(settings)
        assert neo4j.detail is None
        assert (settings.services.state_dir / maintenance.NOTE_NAME).exists()


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


def load_note_of_a_killed_restore(
    settings: Settings, undo: str | None = "/b/neo4j-x-before-restore.dump"
) -> None:
    """The note a restore killed with -9 during its load leaves: it names a process that is gone."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    started = start_time(gone.pid)
    gone.wait()
    note = settings.services.state_dir / maintenance.LOAD_NOTE_NAME
    note.parent.mkdir(parents=True, exist_ok=True)
    fields = {"dump": "/b/neo4j-old.dump", "undo": undo, "pid": gone.pid, "start": started}
    note.write_text(json.dumps({**fields, "since": "2026-12-02T10:00:00+00:00"}))


def write_store(settings: Settings) -> None:
    """What the load had written of the store when it was killed (after the note's time)."""
    store = neo4j_local.store_folders(settings)[0]
    store.mkdir(parents=True, exist_ok=True)
    (store / "neostore.nodestore.db").write_bytes(b"part")


def test_a_load_cut_short_is_named_with_both_remedies_and_neo4j_is_not_started_on_it(
    settings: Settings, status_cli: Callable[[], Result]
) -> None:
    """kill -9 of a restore during its load left a store that Neo4j cannot open: `services up` waited
    120 s and printed Neo4j's "DatabaseUnavailable", status then read "already running" (exit 0) while
    every request got a 503, and the note said only that the database "may be loaded only in part"."""
    load_note_of_a_killed_restore(settings)
    write_store(settings)
    said = " ".join(status_cli().output.split())
    assert "the load of /b/neo4j-old.dump by `services restore` (pid " in said
    assert "was cut short (its process is gone): the database is loaded only in part" in said
    assert "`kgplatform services restore /b/neo4j-x-before-restore.dump` loads the database as it was" in said
    assert status_cli().exit_code == 3
    with pytest.raises(ServiceSetupFailed, match="Neo4j was not started: the load of /b/neo4j-old.dump"):
        neo4j_local.start(settings)  # before Java is even looked for
    assert maintenance.cut_short_load(settings, neo4j_local.store_folders(settings)) is not None


def test_a_load_killed_before_it_wrote_the_store_left_the_database_whole(settings: Settings) -> None:
    """Its Java still starting: nothing of the store changed, so there is nothing to refuse."""
    write_store(settings)
    load_note_of_a_killed_restore(settings, undo=None)
    past = datetime(2026, 12, 2, 9, 0, tzinfo=UTC).timestamp()  # written before the note's time
    for file in neo4j_local.store_folders(settings)[0].iterdir():
        os.utime(file, (past, past))
    assert maintenance.cut_short_load(settings, neo4j_local.store_folders(settings)) is None
    assert not (settings.services.state_dir / maintenance.LOAD_NOTE_NAME).exists()
    assert neo4j_row(settings).detail is None


@pytest.mark.parametrize(("status", "cut_short"), [("0", False), ("1", True), ("", True)])
def test_a_load_whose_end_was_recorded_is_whole_whatever_became_of_its_restore(
    settings: Settings, status: str, cut_short: bool
) -> None:
    """A restore frozen (Ctrl-Z) or killed after its load ended, before it removed its note, was taken for
    one killed during the load: `services up` refused a whole database, and the operator restored again.
    The load's exit, written as it ends by a process of its own, tells them apart; a load that failed, or
    one whose end was never written, still reads as cut short."""
    load_note_of_a_killed_restore(settings)
    write_store(settings)
    maintenance.load_exit_path(settings).write_text(status)
    found = maintenance.cut_short_load(settings, neo4j_local.store_folders(settings))
    assert (found is not None) is cut_short
    assert (settings.services.state_dir / maintenance.LOAD_NOTE_NAME).exists() is cut_short
    if not cut_short:
        assert not maintenance.load_exit_path(settings).exists()
        assert neo4j_row(settings).detail is None
