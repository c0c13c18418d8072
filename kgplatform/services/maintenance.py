"""A note in the state folder saying that a `services backup` or `restore` has stopped Neo4j on purpose.

Neo4j Community dumps and loads only a stopped database, so each backup takes the server away for 20 s or
more. Without this note `services status` read "not running" meanwhile, and an operator (or a probe built
on it) could not tell a planned stop from a crash, nor whether starting it by hand would collide with the
dump. The note names the command's process with its start time, as the pid files do. One left behind by a
process that was killed names no live process: that backup or restore stopped part-way with Neo4j stopped,
which `services status` says (`abandoned`) instead of a bare "not running", until `services up` starts
Neo4j again and deletes the note (`forget_abandoned`).

A second note, `neo4j-load.json`, lies in the state folder while a restore's `neo4j-admin database load`
replaces the store, until the database is whole again (loaded, or loaded back from the undo file). One left
by a process that is gone, over a store written since, is a load cut short: Neo4j cannot open that database
(its recovery fails on the transaction logs), so `services up` waited 120 s for it, then printed Neo4j's
"DatabaseUnavailable", and `services status` read "already running" while every request got a 503
(`cut_short_load`). The load's exit status is written beside it (`neo4j-load.exit`) as the load ends, by a
process of its own (`recorded_exit`): a restore frozen or killed after its load ended is told apart.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kgplatform.files import write_text_atomically
from kgplatform.services.processes import pid_alive, start_time
from kgplatform.settings import Settings

NOTE_NAME = "neo4j-maintenance.json"
LOAD_NOTE_NAME = "neo4j-load.json"
LOAD_EXIT_NAME = "neo4j-load.exit"  # the exit status of the load under way, written as it ends


@dataclass(frozen=True)
class Maintenance:
    operation: str  # "backup" or "restore"
    pid: int
    since: datetime

    def describe(self) -> str:
        return f"`services {self.operation}` (pid {self.pid}, since {self.since:%Y-%m-%d %H:%M:%S} UTC)"

    def describe_abandoned(self) -> str:
        """What a killed backup or restore left, for the status of the Neo4j it stopped."""
        said = (
            f"{self.describe()} was stopped part-way (its process is gone) and left Neo4j stopped: "
            "`kgplatform services up` starts it again"
        )
        if self.operation == "restore":
            # Killed during its load, the restore leaves the load's note too, and that one is said instead.
            said += "; it was killed before or after its load, not during it: the database is whole"
        return said + self.then()

    def then(self) -> str:
        """What to run once Neo4j answers again, said with the note and when `services up` deletes it: killed
        after its load, a restore leaves the dump's database unmigrated; before or after, it had dropped the
        cached plans (it drops them before it stops Neo4j). The restore itself runs both once Neo4j is
        back, which a killed one never reached."""
        if self.operation != "restore":
            return ""
        return (
            "; then run `kgplatform migrate` (a dump from an older release lacks the migrations since) and "
            "`kgplatform recompute --all` (the restore dropped the cached plans)"
        )


@dataclass(frozen=True)
class CutShortLoad:
    """A restore's load of `dump` whose process is gone while the store was being replaced."""

    dump: Path
    # The database as it was before that restore; None: none was dumped (`no_undo` says why).
    undo: Path | None
    pid: int
    since: datetime
    no_undo: str | None = None  # why there is no undo file; None in a note from before 6 December 2026

    def describe(self) -> str:
        if self.undo is not None:
            back = f"`kgplatform services restore {self.undo}` loads the database as it was before it"
        else:  # a restore over a load cut short skips its undo dump too: not only --no-undo leaves none
            back = "there is no undo file" + (f" ({self.no_undo})" if self.no_undo else "")
        return (
            f"the load of {self.dump} by `services restore` (pid {self.pid}, since "
            f"{self.since:%Y-%m-%d %H:%M:%S} UTC) was cut short (its process is gone): the database is "
            f"loaded only in part and Neo4j cannot open it; {back}, or `kgplatform services restore "
            f"{self.dump}` loads that file again (either skips the undo dump: this database cannot give one)"
        )


@contextmanager
def under_way(settings: Settings, operation: str) -> Iterator[None]:
    """Leaves the note for the block: from before Neo4j is stopped until it answers again."""
    note = settings.services.state_dir / NOTE_NAME
    pid = os.getpid()
    since = datetime.now(UTC).isoformat()
    write_text_atomically(
        note, json.dumps({"operation": operation, "pid": pid, "start": start_time(pid), "since": since})
    )
    try:
        yield
    finally:
        with suppress(FileNotFoundError):
            note.unlink()


def current(settings: Settings) -> Maintenance | None:
    """The backup or restore under way, or None (no note, an unreadable one, or its process is gone)."""
    found = _read(settings)
    return found[0] if found is not None and found[1] else None


def abandoned(settings: Settings) -> Maintenance | None:
    """The backup or restore whose note is left but whose process is gone (killed: SIGKILL, the OOM killer,
    a cron `timeout -s KILL`), or None. Its `finally` never ran: the Neo4j it stopped was not restarted."""
    found = _read(settings)
    return found[0] if found is not None and not found[1] else None


def forget_abandoned(settings: Settings) -> Maintenance | None:
    """Deletes the note of a killed backup or restore (once Neo4j runs again) and returns it; a note whose
    process still runs is left."""
    left = abandoned(settings)
    if left is not None:
        with suppress(FileNotFoundError):
            (settings.services.state_dir / NOTE_NAME).unlink()
    return left


def mark_loading(settings: Settings, dump: Path, undo: Path | None, no_undo: str | None = None) -> None:
    """Notes, before a load starts to replace the store, which dump it loads and where the undo file is (or,
    `no_undo`, why there is none)."""
    pid = os.getpid()
    write_text_atomically(
        settings.services.state_dir / LOAD_NOTE_NAME,
        json.dumps(
            {
                "dump": str(dump.resolve()),
                "undo": str(undo.resolve()) if undo is not None else None,
                "no_undo": no_undo if undo is None else None,
                "pid": pid,
                "start": start_time(pid),
                "since": datetime.now(UTC).isoformat(),
            }
        ),
    )


def load_exit_path(settings: Settings) -> Path:
    """Where the load under way has its exit status written as it ends (`recorded_exit`)."""
    return settings.services.state_dir / LOAD_EXIT_NAME


def clear_loading(settings: Settings) -> None:
    """The database is whole again (the load ended, or the database as it was was loaded back)."""
    (settings.services.state_dir / LOAD_NOTE_NAME).unlink(missing_ok=True)
    load_exit_path(settings).unlink(missing_ok=True)


def _load_ended_whole(settings: Settings) -> bool:
    """Whether the last load wrote that it ended with status 0: the database is the dump's, whole. A restore
    frozen or killed after its load ended left its note, and read as one killed during the load."""
    try:
        return load_exit_path(settings).read_text().strip() == "0"
    except OSError:
        return False


def cut_short_load(settings: Settings, store: Iterable[Path]) -> CutShortLoad | None:
    """The load whose note names a process that is gone and that wrote to `store` (the database's folders)
    after it began, or None. A load killed before it wrote anything (its Java still starting) left the
    database as it was: that note is deleted."""
    path = settings.services.state_dir / LOAD_NOTE_NAME
    try:
        fields = json.loads(path.read_text())
        pid = int(fields["pid"])
        since = datetime.fromisoformat(fields["since"])
        found = CutShortLoad(
            Path(fields["dump"]),
            Path(fields["undo"]) if fields["undo"] else None,
            pid,
            since,
            str(fields["no_undo"]) if fields.get("no_undo") else None,
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if pid_alive(pid) and start_time(pid) == fields.get("start"):
        return None  # still loading: the restore itself starts Neo4j once the database is whole
    if _load_ended_whole(settings):
        clear_loading(settings)
        return None
    began = since.timestamp()
    written = any(
        file.stat().st_mtime > began
        for folder in store
        if folder.is_dir()
        for file in folder.rglob("*")
        if file.is_file() and not file.name.endswith("_lock")
    )
    if not written:
        clear_loading(settings)
        return None
    return found


def _read(settings: Settings) -> tuple[Maintenance, bool] | None:
    """The note and whether the process it names still runs (its pid given to another process since: it
    does not), or None without a readable note."""
    try:
        fields = json.loads((settings.services.state_dir / NOTE_NAME).read_text())
        pid = int(fields["pid"])
        found = Maintenance(str(fields["operation"]), pid, datetime.fromisoformat(fields["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return found, pid_alive(pid) and start_time(pid) == fields.get("start")
