"""A `services restore` killed with -9 during its load, and what the operator meets next.

Before 6 December 2026 such a restore left a store that Neo4j cannot open (its recovery fails on the
transaction logs): `services up` waited 120 s and printed Neo4j's "DatabaseUnavailable", `services status`
then read "already running" (exit 0) while the API answered 503 to everything, and the restore that mends it
failed 3 minutes later on its undo dump, asking for `--no-undo`. Now the load leaves a note until the
database is whole: status names the dump and the undo file, `up` refuses at once, and a restore of either
file skips the undo dump that this database cannot give.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from kgplatform.errors import ServiceSetupFailed
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import PlanCache
from kgplatform.services import backup, maintenance, manager, neo4j_local
from kgplatform.settings import Settings
from tests.integration.kill import kill_and_wait
from tests.integration.services.test_backup import add_concept, concept_ids
from tests.unit.services.test_maintenance import neo4j_row
from tests.waits import wait_for

LOAD_NOTE = "neo4j-load.json"  # maintenance.LOAD_NOTE_NAME, spelt out: the test must run without it too
RESTORE = (
    "import sys; from pathlib import Path; from kgplatform.services import backup; "
    "from kgplatform.settings import get_settings; "
    "backup.restore(get_settings(), Path(sys.argv[1]), lambda: 0, undo_folder=Path(sys.argv[2]))"
)


@pytest.fixture
def load_note_cleared(settings: Settings, services_restored: None) -> Iterator[None]:
    """A failed test must not leave the note behind: every later `services up` would refuse."""
    yield
    (settings.services.state_dir / LOAD_NOTE).unlink(missing_ok=True)


def restore_killed_once_its_load_ran(
    settings: Settings, dump: Path, undo_folder: Path, *, freeze_its_recorder: bool
) -> None:
    """Runs a restore of `dump` and kills it (-9) once its load has run. A graph this small loads faster
    than a kill can land in it: the restore is frozen once its load runs (SIGSTOP, as Ctrl-Z freezes it), the
    load goes on to its end (and that end is written), then the restore is killed as a crash kills it.
    `freeze_its_recorder`: the process that records the load's exit is frozen too, so the end is never
    written (killed with the restore), as for a load killed part-way."""
    restoring = subprocess.Popen([sys.executable, "-c", RESTORE, str(dump), str(undo_folder)])
    try:
        layout = neo4j_local.layout_for(settings)

        # With Neo4j stopped: `database load --info` (the dump's check, before anything stops) runs on it too.
        def load_runs() -> bool:
            tools = [command for _, command in neo4j_local.admin_tools_on(layout)]
            return neo4j_local.running_pid(settings) is None and tools == ["database load"]

        wait_for(load_runs, 120, "its load began", poll_s=0.01)
        os.kill(restoring.pid, signal.SIGSTOP)
        if freeze_its_recorder:
            for child in children(restoring.pid):
                os.kill(child, signal.SIGSTOP)
        wait_for(lambda: not neo4j_local.admin_tools_on(layout), 120, "its neo4j-admin ended", poll_s=0.01)
        if not freeze_its_recorder:  # the end is written some milliseconds after the tool's exit
            ended = maintenance.load_exit_path(settings)
            wait_for(ended.exists, 30, "its recorder wrote the load's end", poll_s=0.01)
    finally:
        kill_and_wait(settings, restoring.pid)
        restoring.wait(timeout=10)


def children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def test_a_restore_killed_during_its_load_is_named_refused_by_up_and_mended_by_a_restore(
    graph: Graph,
    redis_client: redis.Redis,
    settings: Settings,
    load_note_cleared: None,
    tmp_path: Path,
) -> None:
    assert neo4j_local.running_pid(settings) is not None, "the tests' Neo4j was not started by `services up`"
    add_concept(graph, "before-dump")
    made = backup.backup(settings, tmp_path / "backups")
    add_concept(graph, "after-dump")

    note = settings.services.state_dir / LOAD_NOTE
    restore_killed_once_its_load_ran(settings, made.path, tmp_path, freeze_its_recorder=True)
    undo = next(tmp_path.glob("*-before-restore.dump"))

    row = neo4j_row(settings)
    assert row.state is manager.State.NOT_RUNNING
    assert row.detail is not None and row.detail.startswith(f"the load of {made.path} by `services restore`")
    assert f"`kgplatform services restore {undo}` loads the database as it was" in row.detail

    started = time.monotonic()
    with pytest.raises(ServiceSetupFailed, match=f"Neo4j was not started: the load of {made.path}"):
        manager.up(settings)
    assert time.monotonic() - started < 30  # it waited 120 s for a database that could not open
    assert neo4j_local.running_pid(settings) is None

    said: list[str] = []
    mended = backup.restore(
        settings, undo, PlanCache(redis_client).drop_all, report=said.append, undo_folder=tmp_path
    )
    assert mended.undo_path is None and not mended.running
    assert any(line.startswith("no undo file: the database is loaded only in part") for line in said)
    assert not note.exists()
    assert not (settings.services.state_dir / maintenance.NOTE_NAME).exists()  # the killed restore's
    manager.up(settings)
    assert concept_ids(graph, "before-dump", "after-dump") == {"before-dump", "after-dump"}


def test_a_restore_killed_after_its_load_ended_leaves_a_whole_database_that_up_starts(
    graph: Graph, settings: Settings, load_note_cleared: None, tmp_path: Path
) -> None:
    """Frozen (Ctrl-Z) or killed after its load ended but before it removed its note, a restore was taken
    for one killed during the load: `services up` refused the whole database it had loaded, and the
    operator was told to restore again, skipping the undo dump."""
    assert neo4j_local.running_pid(settings) is not None, "the tests' Neo4j was not started by `services up`"
    add_concept(graph, "before-dump")
    made = backup.backup(settings, tmp_path / "backups")
    add_concept(graph, "after-dump")
    restore_killed_once_its_load_ran(settings, made.path, tmp_path, freeze_its_recorder=False)

    row = neo4j_row(settings)
    assert row.state is manager.State.NOT_RUNNING
    assert row.detail is not None and "was stopped part-way" in row.detail, row.detail
    assert "not during it: the database is whole" in row.detail
    assert not (settings.services.state_dir / LOAD_NOTE).exists()
    manager.up(settings)
    assert concept_ids(graph, "before-dump", "after-dump") == {"before-dump"}  # the dump's, loaded whole
