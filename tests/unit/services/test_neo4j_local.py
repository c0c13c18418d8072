"""neo4j-admin, run for a backup or restore, ends with the process that runs it: a backup killed with -9
(cron's `timeout -s KILL`, the OOM killer) left its dump reading the store, and `services up` then started
Neo4j on it (the two fight over the store lock; a load left running writes under the server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import backup, manager, neo4j_local
from kgplatform.services.processes import pid_alive
from kgplatform.settings import Settings
from tests.unit.services.test_maintenance import killed_note
from tests.waits import wait_for

# The stand-in for `java ... AdminTool database dump`: says its pid, then works for a minute.
FAKE_JAVA = """#!/bin/sh
echo $$ > "$ADMIN_PID_FILE"
exec sleep 60
"""

# The backup's process: runs the admin tool as `services backup` does, and is killed while it runs.
BACKUP = """
import sys
from pathlib import Path
from kgplatform.services import neo4j_local

layout = neo4j_local.Neo4jLayout(Path(sys.argv[2]), Path(sys.argv[3]))
neo4j_local.run_admin(layout, sys.argv[1], ["database", "dump", "neo4j"], own_session=sys.argv[4] == "own")
"""


def run_and_kill_the_backup(tmp_path: Path, session: str, admin_tool_ends: str) -> None:
    """Fails, saying `admin_tool_ends`, unless the admin tool is gone within 5 s of its backup's kill -9 (it
    is killed here either way)."""
    java = tmp_path / "java"
    java.write_text(FAKE_JAVA)
    java.chmod(0o755)
    pid_file = tmp_path / "admin.pid"
    env = {**os.environ, "ADMIN_PID_FILE": str(pid_file), "PYTHONPATH": os.pathsep.join(sys.path)}
    backup = subprocess.Popen(
        [sys.executable, "-c", BACKUP, str(java), str(tmp_path / "lib"), str(tmp_path / "home"), session],
        env=env,
    )
    admin = None
    try:
        wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 20, "an admin tool to run")
        admin = int(pid_file.read_text())
        backup.kill()
        backup.wait()
        wait_for(lambda: not pid_alive(admin), 5, admin_tool_ends)
    finally:
        backup.kill()
        backup.wait()
        if admin is not None and pid_alive(admin):
            os.kill(admin, signal.SIGKILL)


def test_a_dump_ends_when_its_backup_is_killed(tmp_path: Path) -> None:
    run_and_kill_the_backup(tmp_path, "shared", "neo4j-admin to end with its killed backup")


def test_a_load_in_a_session_of_its_own_ends_when_its_restore_is_killed(tmp_path: Path) -> None:
    """A restore's load runs in a session of its own (a Ctrl-C must not cut it short): no group signal
    reaches it, but the restore's death does."""
    run_and_kill_the_backup(tmp_path, "own", "neo4j-admin to end with its killed restore")


def stand_in_dump(settings: Settings, seconds: float) -> subprocess.Popen:
    """A process that looks like `neo4j-admin database dump` on this state folder's store for `seconds`: an
    admin tool's command line, with the NEO4J_HOME that `run_admin` gives it."""
    home = neo4j_local.layout_for(settings).home
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import time; time.sleep({seconds})",
            neo4j_local.ADMIN_TOOL,
            "database",
            "dump",
            "x",
        ],
        env={**os.environ, "NEO4J_HOME": str(home)},
    )


@pytest.fixture
def left_dump(settings: Settings) -> Iterator[int]:
    """The `neo4j-admin database dump` a killed backup left running on this state folder's store: its pid,
    once `admin_tools_on` sees it."""
    process = stand_in_dump(settings, 60)
    try:
        # Popen returns once exec has begun: the new command line shows a moment later.
        wait_for(
            lambda: process.pid in dict(neo4j_local.admin_tools_on(neo4j_local.layout_for(settings))),
            5,
            "the stand-in's admin-tool command line",
        )
        yield process.pid
    finally:
        process.kill()
        process.wait()


def not_to_be_reached(*_: object) -> str:
    raise AssertionError("went on to start Neo4j (or dump it) while neo4j-admin still works on its store")


def test_neo4j_is_not_started_while_a_killed_backups_dump_still_runs(
    settings: Settings, left_dump: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`services up` started the server beside the dump: one of them failed on the store lock (or a load
    still writing was served half done)."""
    monkeypatch.setattr(neo4j_local, "find_java", not_to_be_reached)
    monkeypatch.setattr(neo4j_local, "START_GRACE_S", 0.5)
    with pytest.raises(ServiceSetupFailed) as refused:
        neo4j_local.start(settings)
    said = refused.value.message
    assert said.startswith(
        f"Neo4j was not started: `neo4j-admin database dump` (pid {left_dump}) still works"
    )
    assert f"`kill {left_dump}`" in said
    assert not neo4j_local.layout_for(settings).pid_file.exists()


def test_a_backup_is_refused_before_anything_stops_while_a_killed_ones_dump_still_runs(
    settings: Settings, left_dump: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    (neo4j_local.layout_for(settings).data_dir / "databases").mkdir(parents=True)
    monkeypatch.setattr(backup.neo4j_local, "find_java", not_to_be_reached)
    with pytest.raises(ServiceSetupFailed) as refused:
        backup.backup(settings)
    assert refused.value.message.startswith(
        f"nothing was stopped: `neo4j-admin database dump` (pid {left_dump}) still works"
    )


def test_status_names_the_admin_tool_a_killed_backup_left_and_the_backup(
    settings: Settings, left_dump: int
) -> None:
    """It read that `services up` starts Neo4j again, which would start it beside the dump."""
    killed_note(settings, "backup")
    row = next(row for row in manager.status(settings) if row.name == "neo4j")
    assert row.state is manager.State.NOT_RUNNING
    assert row.detail is not None and row.detail.startswith("`services backup` (pid ")
    assert f"was stopped part-way; `neo4j-admin database dump` (pid {left_dump}) still works" in row.detail
    assert "starts it again" not in row.detail


def test_an_admin_tool_on_another_state_folder_is_not_ours(settings: Settings, tmp_path: Path) -> None:
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time; time.sleep(60)",
            neo4j_local.ADMIN_TOOL,
            "database",
            "dump",
            "x",
        ],
        env={**os.environ, "NEO4J_HOME": str(tmp_path / "other" / "neo4j")},
    )
    try:
        wait_for(
            lambda: (
                other.pid
                in dict(
                    neo4j_local.admin_tools_on(neo4j_local.Neo4jLayout(Path(), tmp_path / "other" / "neo4j"))
                )
            ),
            5,
            "the other home's stand-in's admin-tool command line",
        )
        assert neo4j_local.admin_tools_on(neo4j_local.layout_for(settings)) == []
        assert neo4j_local.admin_tool_refusal(neo4j_local.layout_for(settings)) is None
    finally:
        other.kill()
        other.wait()


def test_a_tool_that_ends_within_the_grace_does_not_stop_neo4j_starting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A backup's own dump killed by a Ctrl-C may still be exiting when the backup starts Neo4j again."""
    ending = stand_in_dump(settings, 0.5)

    def started(*_: object) -> str:
        raise RuntimeError("started")

    monkeypatch.setattr(neo4j_local, "find_java", started)
    try:
        wait_for(lambda: neo4j_local.admin_tools_on(neo4j_local.layout_for(settings)), 5, "the stand-in dump")
        with pytest.raises(RuntimeError, match="started"):  # went on to start it once the tool was gone
            neo4j_local.start(settings)
    finally:
        ending.kill()
        ending.wait()
