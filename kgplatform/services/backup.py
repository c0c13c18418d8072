"""`services backup | restore`: the local Neo4j database dumped to a file, and such a file loaded back.

Neo4j Community dumps and loads only a stopped database (online backup is an Enterprise feature), so both
stop the server this state folder started and start it again when it was running: the API and the workers
meet a Neo4j outage of a few seconds, which they ride out as any other (503 with Retry-After, retried
tasks). Only that local server is handled; a deployment's Neo4j (docker-compose's) is dumped by its own
`neo4j-admin database dump`, in the same format, which `restore` loads.

Redis is not backed up: its queues, job progress and cached plans are all made again from Neo4j. A restore
drops the plans cached there: they were made from the graph as it was after the dump (answers since are
gone with it), and a cache hit would serve them as fresh.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import manager, neo4j_local
from kgplatform.services.processes import port_open
from kgplatform.settings import Settings

Report = Callable[[str], None]
DUMP_SUFFIX = ".dump"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    offline_s: float  # how long Neo4j was stopped (0 when it was not running)


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    undo_path: Path  # the database as it was before, dumped first: restoring it undoes the restore
    offline_s: float
    running: bool  # started again (it ran before): migrations can be applied now


def default_folder(settings: Settings) -> Path:
    return settings.services.state_dir / "backups"


def dump_file_name(database: str, at: datetime, label: str = "") -> str:
    """`neo4j-20261202T113000Z.dump`: sorts by time, and names the database it holds."""
    return f"{database}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{label}{DUMP_SUFFIX}"


def _local_layout(settings: Settings) -> neo4j_local.Neo4jLayout:
    """This state folder's Neo4j, refused when the settings point elsewhere or another server holds the
    address: neither can be stopped from here for the dump."""
    neo = settings.neo4j
    if not neo.is_local:
        raise ServiceSetupFailed(
            f"Neo4j at {neo.uri} is not on this machine: back it up where it runs, with its own "
            "`neo4j-admin database dump` (restore loads that file)"
        )
    layout = neo4j_local.layout_for(settings)
    if neo4j_local.running_pid(settings) is None and port_open(neo.host, neo.port):
        raise ServiceSetupFailed(
            f"the Neo4j answering at {neo.uri} was not started by this state folder "
            f"({settings.services.state_dir}): it cannot be stopped from here for the dump"
        )
    if not (layout.data_dir / "databases").exists():
        raise ServiceSetupFailed(
            f"no Neo4j database in {settings.services.state_dir}: run `kgplatform services up` first"
        )
    return layout


@contextmanager
def _offline(settings: Settings, report: Report) -> Iterator[bool]:
    """Stops this state folder's Neo4j for the block when it runs, and starts it again after, also when the
    block failed. Yields whether it was running."""
    running = neo4j_local.running_pid(settings) is not None
    if running:
        report("stopping Neo4j (Community edition dumps and loads only a stopped database)")
        neo4j_local.stop(settings)
    try:
        yield running
    finally:
        if running:
            report("starting Neo4j again")
            reason = neo4j_local.wait_until_ready(settings, neo4j_local.start(settings))
            if reason:
                raise ServiceSetupFailed(f"neo4j: {reason}")


def _dump(settings: Settings, layout: neo4j_local.Neo4jLayout, java: str, target: Path) -> None:
    """Dumps the stopped database to `target` (readable by this user only: it holds every learner's
    answers and the API keys' hashes). Neo4j names its file after the database, so it is dumped into a
    folder of its own beside the target and moved; a failed or interrupted dump leaves no file that looks
    like a backup."""
    database = settings.neo4j.database
    work = Path(tempfile.mkdtemp(prefix=".dumping-", dir=target.parent))
    try:
        result = neo4j_local.run_admin(layout, java, ["database", "dump", database, f"--to-path={work}"])
        if result.returncode != 0:
            raise ServiceSetupFailed(f"Neo4j: the dump failed: {neo4j_local.java_error(result.stderr)}")
        dumped = work / f"{database}{DUMP_SUFFIX}"
        dumped.chmod(0o600)
        os.link(dumped, target)  # never over an existing file (two backups in the same second)
    except FileExistsError as error:
        raise ServiceSetupFailed(f"{target} exists already: try again in a second") from error
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _private_folder(folder: Path) -> Path:
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    return folder


def backup(settings: Settings, folder: Path | None = None, report: Report = lambda _: None) -> BackupResult:
    """Dumps the database the settings name into `folder` (default: the state folder's `backups/`)."""
    folder = _private_folder(folder or default_folder(settings))
    with manager.state_lock(settings):  # a `services up` or `down` meanwhile waits
        layout = _local_layout(settings)
        java = neo4j_local.find_java()
        target = folder / dump_file_name(settings.neo4j.database, datetime.now(UTC))
        started = time.monotonic()
        with _offline(settings, report) as running:
            report(f"dumping database {settings.neo4j.database} to {target}")
            _dump(settings, layout, java, target)
        offline_s = time.monotonic() - started if running else 0.0  # until it answers again
    return BackupResult(target, target.stat().st_size, offline_s)


def check_dump(settings: Settings, dump: Path) -> None:
    """Refuses a file that is not a dump this Neo4j can load, before anything is stopped or replaced."""
    if not dump.is_file():
        raise ServiceSetupFailed(f"{dump}: no such file")
    layout = neo4j_local.layout_for(settings)
    with dump.open("rb") as source:
        result = neo4j_local.run_admin(
            layout,
            neo4j_local.find_java(),
            ["database", "load", "--info", "--from-stdin", settings.neo4j.database],
            stdin=source,
        )
    if result.returncode != 0:
        raise ServiceSetupFailed(
            f"{dump} is not a Neo4j dump this server can load: {neo4j_local.java_error(result.stderr)}"
        )


def restore(
    settings: Settings,
    dump: Path,
    drop_cached_plans: Callable[[], int],
    report: Report = lambda _: None,
    undo_folder: Path | None = None,
) -> RestoreResult:
    """Replaces the database the settings name with the one in `dump`. The database as it was is dumped
    first (into `undo_folder`, by default beside the other backups, named `-before-restore`), so a wrong
    file is undone by restoring that one.
    `drop_cached_plans` is called after the load, before Neo4j answers again; it is called once before
    anything changes too, so a Redis that cannot be reached refuses the restore instead of leaving plans
    of the lost graph to be served."""
    with manager.state_lock(settings):
        layout = _local_layout(settings)
        check_dump(settings, dump)
        drop_cached_plans()
        java = neo4j_local.find_java()
        undo = _private_folder(undo_folder or default_folder(settings)) / dump_file_name(
            settings.neo4j.database, datetime.now(UTC), "-before-restore"
        )
        started = time.monotonic()
        with _offline(settings, report) as running:
            report(f"dumping the database as it is to {undo} first (restore that file to undo)")
            _dump(settings, layout, java, undo)
            report(f"loading {dump} into database {settings.neo4j.database}")
            database = settings.neo4j.database
            load = ["database", "load", "--overwrite-destination=true", "--from-stdin", database]
            with dump.open("rb") as source:
                result = neo4j_local.run_admin(layout, java, load, stdin=source)
            if result.returncode != 0:
                raise ServiceSetupFailed(
                    f"Neo4j: loading {dump} failed: {neo4j_local.java_error(result.stderr)} (the database as "
                    f"it was is in {undo})"
                )
            report(f"dropped {drop_cached_plans()} plan(s) cached in Redis")
        offline_s = time.monotonic() - started if running else 0.0  # until it answers again
    return RestoreResult(dump, undo, offline_s, running)
