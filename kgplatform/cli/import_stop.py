"""Ctrl-C during `import-curriculum` and `import-dataset`: the first is taken at the import's next checkpoint
(an import is one transaction, so stopping there rolls it back whole), a second stops at once; either way
one line says what was stored."""

from __future__ import annotations

import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any


class ImportStopped(Exception):
    """The first Ctrl-C, taken at an import's checkpoint: before its transaction committed."""


class StopAtCheckpoint:
    """Ctrl-C during `import-curriculum` (and each curriculum of `import-dataset`, whose line DatasetProgress
    words). An import is one transaction, so the first Ctrl-C is taken at its next checkpoint
    (`import_store.write_import`: before the write, between its statements, before the commit), where
    stopping rolls it back whole and the line printed can say that nothing was stored: a KeyboardInterrupt
    wherever it landed exited 130 with no word of it (and a second one, inside the driver, ended in a Neo4j
    protocol error, exit 2). A second Ctrl-C stops at once, and what it can say depends on the phase it hit.
    Outside the main thread (no signals there) a no-op."""

    # Said at the first Ctrl-C (`import-dataset` says its own: its curricula are stored one at a time).
    ANNOUNCE = "stopping the import; nothing is stored until it commits (Ctrl-C again stops at once)"

    def __init__(self, announce: str = ANNOUNCE) -> None:
        self.announce = announce
        self.requested = False
        self.phase = "reading"  # then 'writing', 'committing', 'done'
        # Whether any attempt reached its commit: the driver runs a failed import again from the start, and
        # an attempt whose commit was cut off may be stored though the phase is back at 'writing'.
        self.reached_commit = False
        self.curriculum_id = "ID"  # the import's, once known
        self.previous: Any = None

    def __enter__(self) -> StopAtCheckpoint:
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._interrupted)
        return self

    def _interrupted(self, signum: int, frame: object) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True
        print(f"kgplatform: {self.announce}", file=sys.stderr)

    def checkpoint(self, phase: str) -> None:
        if self.requested:
            raise ImportStopped
        self.phase = phase
        self.reached_commit = self.reached_commit or phase == "committing"

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def stopped_line(self) -> str:
        """After the first Ctrl-C, taken at a checkpoint: nothing was committed."""
        if self.phase == "reading":
            return "interrupted before the import wrote anything; nothing was stored"
        return "interrupted while importing; its one transaction was rolled back whole: nothing was stored"

    def failed_line(self, dry_run: bool) -> str:
        """After Neo4j failed mid-import (stopped, restarted, the connection cut): what was stored."""
        if dry_run:
            return "Neo4j failed during the dry run; a dry run stores nothing"
        if self.phase == "reading" and not self.reached_commit:
            return "Neo4j failed before the import wrote anything; nothing was stored"
        if self.reached_commit:
            return (
                "Neo4j failed as the import committed: it was stored whole or not at all (one transaction); "
                f"its audit trail (`GET /curricula/{self.curriculum_id}/audit`) says which, and running it "
                "again once Neo4j answers is harmless (a stored import reports its rows unchanged)"
            )
        return (
            "Neo4j failed while importing, before its one transaction committed: nothing was stored; run it "
            "again once Neo4j answers"
        )

    def at_once_line(self, dry_run: bool) -> str:
        """After a second Ctrl-C, wherever it landed."""
        if self.phase == "committing" and not dry_run:
            return (
                "interrupted while the import committed: it was stored whole or not at all (one transaction); "
                f"its audit trail (`GET /curricula/{self.curriculum_id}/audit`) says which"
            )
        if self.phase == "done" and not dry_run:
            return "interrupted after the import committed: it was stored whole (its report is not printed)"
        if self.phase == "reading":
            return "interrupted before the import wrote anything; nothing was stored"
        return "interrupted while importing, before its one transaction committed: nothing was stored"


class WriteProgress:
    """Lines on stderr while `import-curriculum` writes a file of more than one statement batch: 95,866 rows
    took 20-100 s, the commit alone about 16 s, without a word. After each batch, how far the writes are;
    after the last, that the commit (or a dry run's rollback) follows."""

    def __init__(self, label: str, dry_run: bool, threshold: int, stop: StopAtCheckpoint) -> None:
        self.label, self.dry_run, self.threshold, self.stop = label, dry_run, threshold, stop
        self.started = time.monotonic()

    def __call__(self, written: int, total: int) -> None:
        # After a Ctrl-C the batch in flight still ends; "N rows written" then read as if it went on.
        if total <= self.threshold or self.stop.requested:
            return
        line = (
            f"{self.label}: {written:,} of {total:,} rows written ({time.monotonic() - self.started:.0f} s)"
        )
        if written == total:
            line += (
                "; rolling the dry run back"
                if self.dry_run
                else "; committing (one transaction: nothing is stored until it ends)"
            )
        print(line, file=sys.stderr, flush=True)


@dataclass
class DatasetProgress:
    """Which of a dataset's curricula `import-dataset` has stored, for the line its Ctrl-C prints. Each
    curriculum is its own transaction (AL-CPL has four): those committed before the Ctrl-C stay stored whole,
    the one being written is rolled back whole at its next checkpoint, and the rest are not started."""

    dataset: str
    curricula: list[str]  # in the order they are imported
    dry_run: bool = False
    stored: list[str] = field(default_factory=list)  # committed, in order
    current: str | None = None  # the one being read, checked or written

    ANNOUNCE = (
        "stopping the import; the curricula stored so far stay, the one being written is not stored (Ctrl-C "
        "again stops at once)"
    )

    def stopped_line(self, phase: str) -> str:
        """After the first Ctrl-C, taken at a checkpoint (`phase` the one it stopped: the current curriculum
        was rolled back whole if it was being written) or between two curricula."""
        if phase in ("writing", "committing"):
            where = f" while importing {self.current}, whose transaction was rolled back whole"
        elif self.current is not None:
            where = f" before {self.current} was written"
        else:
            where = " after the last curriculum"
        return f"{self.dataset}: interrupted{where}; {self._outcome(unsure=None)}"

    def at_once_line(self, phase: str) -> str:
        """After a second Ctrl-C, wherever it landed: during a commit the current curriculum may be stored."""
        unsure = self.current if phase == "committing" and not self.dry_run else None
        return f"{self.dataset}: interrupted at once; {self._outcome(unsure)}"

    def failed_line(self, phase: str, reached_commit: bool) -> str:
        """After Neo4j failed (stopped, restarted, the connection cut): the curricula committed before stay;
        the current one is stored whole or not at all once an attempt of it reached its commit (the driver
        runs a failed transaction again, so `reached_commit` is per curriculum, not the phase alone)."""
        if self.dry_run:
            return f"{self.dataset}: Neo4j failed during the dry run; a dry run stores nothing"
        unsure = self.current if reached_commit else None
        if unsure is not None:
            where = f" as {unsure} committed"
        elif self.current is not None and phase in ("writing", "committing"):
            where = f" while importing {self.current}, whose transaction was not committed"
        elif self.current is not None and self.stored:
            where = f" before {self.current} was written"
        else:
            where = " before anything was written"
        return (
            f"{self.dataset}: Neo4j failed{where}; {self._outcome(unsure)}; run it again once Neo4j answers "
            "(a curriculum stored whole reports its rows unchanged)"
        )

    def _outcome(self, unsure: str | None) -> str:
        if self.dry_run:
            return "a dry run stores nothing"
        parts = []
        if self.stored:
            parts.append(f"stored whole: {', '.join(self.stored)}")
        elif unsure is None:
            parts.append("nothing was stored")
        if unsure is not None:
            parts.append(
                f"{unsure} stored whole or not at all (its audit trail, `GET /curricula/{unsure}/audit`, "
                "says which)"
            )
        rest = [c for c in self.curricula if c not in self.stored and c != unsure]
        if rest:
            parts.append(f"not stored: {', '.join(rest)}")
        return "; ".join(parts)
