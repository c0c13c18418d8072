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
import re
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import maintenance, manager, neo4j_local
from kgplatform.services.processes import port_open, start_time
from kgplatform.settings import Settings
from kgplatform.wording import counted

Report = Callable[[str], None]
DUMP_SUFFIX = ".dump"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    offline_s: float  # how long Neo4j was stopped (0 when it was not running)
    pruned: tuple[Path, ...] = ()  # older backups deleted by `keep`


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    undo_path: Path | None  # the database as it was, dumped first (restoring it undoes this)
    no_undo: str | None  # why there is no undo file (--no-undo, or a database that could not be dumped)
    offline_s: float
    running: bool  # started again (it ran before): migrations can be applied now


def default_folder(settings: Settings) -> Path:
    return settings.services.state_dir / "backups"


def dump_file_name(database: str, at: datetime, label: str = "") -> str:
    """`neo4j-20261202T113000Z.dump`: sorts by time, and names the database it holds."""
    return f"{database}-{at.astimezone(UTC):%Y%m%dT%H%M%SZ}{label}{DUMP_SUFFIX}"


def _local_layout(settings: Settings) -> neo4j_local.Neo4jLayout:
    """This state folder's Neo4j, refused when the settings point elsewhere or another server holds the
    address (neither can be stopped from here for the dump), or while a killed backup's or restore's
    neo4j-admin still works on its store (a second dump or load would fail on its lock, or mix with it)."""
    neo = settings.neo4j
    refuse_remote(settings)
    layout = neo4j_local.layout_for(settings)
    if neo4j_local.running_pid(settings) is None and port_open(neo.host, neo.port):
        raise ServiceSetupFailed(
            f"the Neo4j answering at {neo.uri} was not started by this state folder "
            f"({settings.services.state_dir}): it cannot be stopped from here for the dump"
        )
    if refusal := neo4j_local.admin_tool_refusal(layout):
        raise ServiceSetupFailed(f"nothing was stopped: {refusal}")
    if not (layout.data_dir / "databases").exists():
        raise ServiceSetupFailed(
            f"no Neo4j database in {settings.services.state_dir}: run `kgplatform services up` first"
        )
    return layout


@contextmanager
def _offline(settings: Settings, operation: str, report: Report) -> Iterator[bool]:
    """Stops this state folder's Neo4j for the block when it runs, and starts it again after, also when the
    block failed or was interrupted, the stop included (a Ctrl-C while Neo4j shut down left it stopped).
    Yields whether it was running. When the block failed, a failed start is reported and the block's error
    raised: it says what became of the database (a start that timed out hid a failed load's message).
    Until Neo4j answers again, `services status` names the operation that stopped it."""
    running = neo4j_local.running_pid(settings) is not None
    # Only a server this stopped is "stopped for maintenance": one that was not running reads as it is.
    with maintenance.under_way(settings, operation) if running else nullcontext():
        failed = True
        try:
            if running:
                report("stopping Neo4j (Community edition dumps and loads only a stopped database)")
                neo4j_local.stop(settings)
            yield running
            failed = False
        finally:
            if running:
                neo4j_local.stop(settings)  # after an interrupted stop: waits until that server is gone
                report("starting Neo4j again")
                reason = neo4j_local.wait_until_ready(settings, neo4j_local.start(settings))
                if reason and failed:
                    report(f"Neo4j did not start again: {reason}")
                elif reason:
                    raise ServiceSetupFailed(f"neo4j: {reason}")


@contextmanager
def _interrupt_deferred(report: Report, undone: bool) -> Iterator[list[int]]:
    """A Ctrl-C (SIGINT) in the block is remembered (and said) instead of raised: a load cut short leaves an
    empty database, which Neo4j then serves (no curricula, every API key refused). Yields the signals
    received; the caller acts on them once the database is whole again."""
    received: list[int] = []
    then = "then the database as it was is loaded back" if undone else "there is no undo file to go back to"

    def remember(signum: int, _frame: object) -> None:
        received.append(signum)
        report(f"interrupted: the load finishes first (one cut short leaves an empty database), {then}")

    try:
        previous = signal.signal(signal.SIGINT, remember)
    except ValueError:  # not the main thread: there is no Ctrl-C to defer
        yield received
        return
    try:
        yield received
    finally:
        signal.signal(signal.SIGINT, previous)


def _load(
    settings: Settings, layout: neo4j_local.Neo4jLayout, java: str, dump: Path, record: Path | None = None
) -> str | None:
    """Loads `dump` over the stopped database; None when done, else why not. The tool runs in a session of
    its own: a Ctrl-C at the terminal (sent to the whole foreground group) does not cut it short. `record`:
    where its exit status is written as it ends (deleted first: it must be this load's)."""
    load = ["database", "load", "--overwrite-destination=true", "--from-stdin", settings.neo4j.database]
    if record is not None:
        record.unlink(missing_ok=True)
    with dump.open("rb") as source:
        result = neo4j_local.run_admin(layout, java, load, stdin=source, own_session=True, record_exit=record)
    return None if result.returncode == 0 else neo4j_local.java_error(result.stderr)


def _trial_load(
    settings: Settings, layout: neo4j_local.Neo4jLayout, java: str, dump: Path, report: Report
) -> None:
    """Loads `dump` into a scratch folder of its own while Neo4j keeps running, and refuses it when that
    fails. `check_dump` reads only the header: a file cut short (a copy that ran out of disk) passed it and
    was found out by the real load, after the database had been stopped and dumped for the undo (35 s of
    outage, then undone). Costs the database's size in disk space, for the length of the load."""
    scratch = neo4j_local.Neo4jLayout(
        layout.lib_dir,
        Path(tempfile.mkdtemp(prefix=_owned_prefix(SCRATCH_PREFIX), dir=settings.services.state_dir)),
    )
    try:
        scratch.conf_dir.mkdir()
        (scratch.conf_dir / "neo4j.conf").write_text(
            f"server.directories.data={scratch.data_dir}\nserver.directories.logs={scratch.home / 'logs'}\n"
        )
        report(f"checking that {dump} loads whole, in a scratch folder (Neo4j keeps running meanwhile)")
        failure = _load(settings, scratch, java, dump)
    finally:
        shutil.rmtree(scratch.home, ignore_errors=True)
    if failure:
        raise ServiceSetupFailed(f"{dump} does not load ({failure}): nothing was stopped or replaced")


WORK_PREFIX, SCRATCH_PREFIX = ".dumping-", ".restore-check-"


def _owned_prefix(prefix: str) -> str:
    """`.dumping-PID-START-`: the folder names the process that made it, as the pid files do (processes.py),
    so that a later run can tell one whose process was killed (`_remove_abandoned`)."""
    pid = os.getpid()
    return f"{prefix}{pid}-{start_time(pid)}-"


def _remove_abandoned(folders: list[tuple[Path, str]], report: Report) -> None:
    """Deletes the work folders (`prefix` in `folder`) of backups and restores that were killed: a dump
    killed mid-way (cron's `timeout -s KILL`, the OOM killer) left neo4j-admin's file in one for ever, where
    `--keep` never looks, and a killed restore its scratch database. Only folders naming a process that is
    gone; one without an owner in its name (made before 5 December 2026) is left to the operator."""
    for folder, prefix in folders:
        if not folder.is_dir():
            continue
        for path in folder.glob(f"{prefix}*"):
            owner = re.fullmatch(rf"{re.escape(prefix)}(\d+)-(\d+)-.*", path.name)
            if owner is None or not path.is_dir() or start_time(int(owner[1])) == owner[2]:
                continue
            shutil.rmtree(path, ignore_errors=True)
            report(f"removed {path}, left by a backup or restore that was killed")


def _work_folder(folder: Path) -> Path:
    """The folder Neo4j dumps into, beside the target. Made before Neo4j is stopped: a folder that cannot be
    written (or is a file) is refused without an outage, not after the server was stopped for nothing."""
    return Path(tempfile.mkdtemp(prefix=_owned_prefix(WORK_PREFIX), dir=_private_folder(folder)))


def _dump(settings: Settings, layout: neo4j_local.Neo4jLayout, java: str, work: Path, target: Path) -> None:
    """Dumps the stopped database to `target` (readable by this user only: it holds every learner's
    answers and the API keys' hashes). Neo4j names its file after the database, so it is dumped into
    `work`, a folder of its own beside the target, and moved; a failed or interrupted dump leaves no file
    that looks like a backup."""
    database = settings.neo4j.database
    try:
        result = neo4j_local.run_admin(layout, java, ["database", "dump", database, f"--to-path={work}"])
        if result.returncode != 0:
            raise ServiceSetupFailed(f"Neo4j: the dump failed: {neo4j_local.admin_error(result)}")
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


def backup(
    settings: Settings, folder: Path | None = None, report: Report = lambda _: None, keep: int | None = None
) -> BackupResult:
    """Dumps the database the settings name into `folder` (default: the state folder's `backups/`). With
    `keep`, then deletes all but the newest `keep` backups there (`prune_backups`), the new one included."""
    if keep is not None and keep < 1:
        raise ValueError("keep must be at least 1: the backup just made is always kept")
    folder = folder or default_folder(settings)
    with manager.state_lock(settings):  # a `services up` or `down` meanwhile waits
        layout = _local_layout(settings)
        java = neo4j_local.find_java()
        # Before the room is measured: what a killed backup left there counts against it.
        _remove_abandoned([(folder, WORK_PREFIX), (settings.services.state_dir, SCRATCH_PREFIX)], report)
        _refuse_without_room(folder, settings.neo4j.database)
        target = folder / dump_file_name(settings.neo4j.database, datetime.now(UTC))
        work = _work_folder(folder)
        started = time.monotonic()
        try:
            with _offline(settings, "backup", report) as running:
                report(f"dumping database {settings.neo4j.database} to {target}")
                _dump(settings, layout, java, work, target)
        finally:
            shutil.rmtree(work, ignore_errors=True)  # an interrupted stop: never dumped into
        offline_s = time.monotonic() - started if running else 0.0  # until it answers again
        size = target.stat().st_size
        pruned = prune_backups(folder, settings.neo4j.database, keep) if keep is not None else []
    for old in pruned:
        report(f"deleted the older backup {old} (--keep {keep})")
    return BackupResult(target, size, offline_s, tuple(pruned))


def prune_backups(folder: Path, database: str, keep: int) -> list[Path]:
    """Deletes all but the newest `keep` backups of `database` in `folder` and returns them, oldest first.
    Only files named as `backup` names them count (`<database>-<UTC time>.dump`, so the name orders them by
    time): a restore's undo file (`-before-restore`), another database's backups and anything else an
    operator keeps there are never touched."""
    made = _backups_of(folder, database)
    old = made[: max(len(made) - keep, 0)]
    for path in old:
        path.unlink(missing_ok=True)  # another backup's prune may have been first
    return old


def _backups_of(folder: Path, database: str) -> list[Path]:
    """The files `backup` made of `database` in `folder`, oldest first (their names order them by time)."""
    named = re.compile(rf"{re.escape(database)}-\d{{8}}T\d{{6}}Z{re.escape(DUMP_SUFFIX)}")
    return sorted(path for path in folder.iterdir() if named.fullmatch(path.name) and path.is_file())


def _refuse_without_room(folder: Path, database: str) -> None:
    """Refuses, before Neo4j is stopped, a backup into a folder with less free space than the newest backup
    there: a database seldom shrinks, so the dump would fail after an outage for nothing (a nightly job on
    a disk that had filled up stopped Neo4j for 80 s, then failed). The first backup into a folder has
    nothing to compare with and goes ahead; a dump that fails all the same says why (`admin_error`)."""
    if not folder.is_dir():
        return
    made = _backups_of(folder, database)
    if not made:
        return
    newest = made[-1]
    needed, free = newest.stat().st_size, shutil.disk_usage(folder).free
    if free < needed:
        raise ServiceSetupFailed(
            f"{folder} has {free / 2**20:.1f} MiB free, less than the newest backup there ({newest}, "
            f"{needed / 2**20:.1f} MiB): the dump would not fit, so Neo4j was not stopped; free some space "
            "(or delete older backups there) or back up --to another folder"
        )


def refuse_remote(settings: Settings) -> None:
    """A Neo4j on another machine cannot be stopped, dumped or loaded from here."""
    neo = settings.neo4j
    if not neo.is_local:
        raise ServiceSetupFailed(
            f"Neo4j at {neo.uri} is not on this machine: back it up and restore it where it runs, with its "
            "own `neo4j-admin database dump` and `neo4j-admin database load`"
        )


def check_dump(settings: Settings, dump: Path) -> None:
    """Refuses a file that is not a dump this Neo4j can load, before anything is stopped or replaced; and a
    Neo4j on another machine first: the file was checked with this machine's neo4j-admin, which a state
    folder that never started Neo4j lacks ("is not a Neo4j dump this server can load: NEO4J_HOME path
    doesn't exist"), and a dump that passed was followed by the question whether to replace the remote
    database, before the refusal (a review, 6 December 2026)."""
    refuse_remote(settings)
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
    keep_undo: bool = True,
) -> RestoreResult:
    """Replaces the database the settings name with the one in `dump`. The database as it was is dumped
    first (into `undo_folder`, by default beside the other backups, named `-before-restore`), so a wrong
    file is undone by restoring that one. The dump is loaded into a scratch folder first (`_trial_load`), so
    a file cut short is refused before anything stops; a load that fails all the same (the disk filled up)
    is undone from the undo file at once, before Neo4j starts again. `keep_undo=False` skips
    that dump, for a database that cannot be dumped any more (a broken one); a failed load then leaves an
    empty database.
    `drop_cached_plans` is called after the load, before Neo4j answers again; it is called once before
    anything changes too, so a Redis that cannot be reached refuses the restore instead of leaving plans
    of the lost graph to be served."""
    with manager.state_lock(settings):
        layout = _local_layout(settings)
        check_dump(settings, dump)
        java = neo4j_local.find_java()
        folder = undo_folder or default_folder(settings)
        _remove_abandoned([(folder, WORK_PREFIX), (settings.services.state_dir, SCRATCH_PREFIX)], report)
        _trial_load(settings, layout, java, dump, report)
        no_undo = None if keep_undo else "--no-undo"  # why there is no undo file, when there is none
        if keep_undo and (cut := maintenance.cut_short_load(settings, neo4j_local.store_folders(settings))):
            # Its dump fails ("recovery not possible"), and that failure took 3 minutes to be told.
            no_undo = (
                f"the database is loaded only in part, by a restore killed during its load (pid {cut.pid}), "
                "and cannot be dumped"
            )
            report(f"no undo file: {no_undo}")
            keep_undo = False
        dropped = drop_cached_plans()
        undo = folder / dump_file_name(settings.neo4j.database, datetime.now(UTC), "-before-restore")
        work = _work_folder(folder) if keep_undo else None
        started = time.monotonic()
        try:
            with _offline(settings, "restore", report) as running:
                if work is not None:
                    report(f"dumping the database as it is to {undo} first (restore that file to undo)")
                    try:
                        _dump(settings, layout, java, work, undo)
                    except ServiceSetupFailed as error:
                        raise ServiceSetupFailed(
                            f"{error.message}; nothing was replaced (a database that cannot be dumped any "
                            "more is replaced without an undo file by `services restore --no-undo`)"
                        ) from error
                _replace(settings, layout, java, dump, undo if work is not None else None, report, no_undo)
                # Both drops count: the first took the plans there were (it said "dropped 0" after
                # dropping them all), the second those cached while the load ran.
                dropped += drop_cached_plans()
                report(f"dropped {counted(dropped, 'plan')} cached in Redis")
        finally:
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)  # an interrupted stop: never dumped into
        offline_s = time.monotonic() - started if running else 0.0  # until it answers again
    return RestoreResult(dump, undo if work is not None else None, no_undo, offline_s, running)


def _replace(
    settings: Settings,
    layout: neo4j_local.Neo4jLayout,
    java: str,
    dump: Path,
    undo: Path | None,
    report: Report,
    no_undo: str | None = None,
) -> None:
    """Loads `dump`; a load that fails is undone from `undo`. A Ctrl-C meanwhile cancels the restore once the
    load is over (a load cut short leaves an empty database, which Neo4j serves): the database as it was is
    loaded back, then KeyboardInterrupt raised. Without an undo file the restore goes on to its end.
    `no_undo`: why there is no undo file (`--no-undo`, or a database that could not be dumped), said with a
    failed load and noted for `services status`: a skipped undo dump read as though --no-undo was asked."""
    with _interrupt_deferred(report, undo is not None) as interrupted:
        report(f"loading {dump} into database {settings.neo4j.database}")
        # Until the database is whole again: a restore killed meanwhile leaves it loaded in part.
        maintenance.mark_loading(settings, dump, undo, no_undo)
        # Its exit is written by a process of its own: a restore frozen or killed after the load ended, before
        # the note is removed, was taken for one killed during it (`maintenance.cut_short_load`).
        ended = maintenance.load_exit_path(settings)
        failure = _load(settings, layout, java, dump, ended)
        whole = not failure
        if (failure or interrupted) and undo is not None:
            why = f"loading {dump} failed ({failure})" if failure else "interrupted"
            report(f"{why}: loading the database as it was back from {undo}")
            undo_failure = _load(settings, layout, java, undo, ended)
            whole = not undo_failure
            if undo_failure:
                failure = (failure or "interrupted") + (
                    f"; loading the database as it was back failed too ({undo_failure}): it is in {undo}"
                )
            elif failure:
                failure += f"; the database is as it was (it is in {undo} too)"
        elif failure:
            failure += f" (no undo file: {no_undo or '--no-undo'})"
        if whole:
            maintenance.clear_loading(settings)  # whole: loaded, or loaded back as it was
            maintenance.forget_abandoned(settings)  # a killed restore's note: its harm is undone
    if failure:
        raise ServiceSetupFailed(f"Neo4j: loading {dump} failed: {failure}")
    if interrupted and undo is not None:
        raise KeyboardInterrupt
