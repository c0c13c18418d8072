"""A note in the state folder saying that a `services backup` or `restore` has stopped Neo4j on purpose.

Neo4j Community dumps and loads only a stopped database, so each backup takes the server away for 20 s or
more. Without this note `services status` read "not running" meanwhile, and an operator (or a probe built
on it) could not tell a planned stop from a crash, nor whether starting it by hand would collide with the
dump. The note names the command's process with its start time, as the pid files do: one left behind by a
process that was killed names no live process and is ignored.
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
    try:
        fields = json.loads((settings.services.state_dir / NOTE_NAME).read_text())
        pid = int(fields["pid"])
        found = Maintenance(str(fields["operation"]), pid, datetime.fromisoformat(fields["since"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not pid_alive(pid) or start_time(pid) != fields.get("start"):
        return None
    return found
