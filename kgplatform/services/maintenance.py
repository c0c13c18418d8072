"""A note in the state folder saying that a `services backup` or `restore` has stopped Neo4j on purpose.

Neo4j Community dumps and loads only a stopped database, so each backup takes the server away for 20 s or
more. Without this note `services status` read "not running" meanwhile, and an operator (or a probe built
on it) could not tell a planned stop from a crash, nor whether starting it by hand would collide with the
dump. The note names the command's process with its start time, as the pid files do. One left behind by a
process that was killed names no live process: that backup or restore stopped part-way with Neo4j stopped,
which `services status` says (`abandoned`) instead of a bare "not running", until `services up` starts
Neo4j again and deletes the note (`forget_abandoned`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime

from kgplatform.files import write_text_atomically
from kgplatform.services.processes import pid_alive, start_time
from kgplatform.settings import Settings

NOTE_NAME = "neo4j-maintenance.json"


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
            # Killed during the load, the database is empty or loaded in part, and Neo4j would serve it so.
            said += (
                "; the database may be loaded only in part: then run the restore again, or restore the "
                "undo file it dumped first (`-before-restore`)"
            )
        return said


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
