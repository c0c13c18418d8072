"""What an import says back: per-row errors, the cycles and self-loops found, and what changed.

The same object is the CLI's printout, the API's JSON answer and (as counts) the audit entry, so a
designer sees one account of an import wherever they started it.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from kgplatform.wording import counted


class Entity(StrEnum):
    FILE = "file"
    CURRICULUM = "curriculum"
    CONCEPT = "concept"
    PREREQUISITE = "prerequisite"
    TASK = "task"


ROW_ENTITIES = (Entity.CONCEPT, Entity.PREREQUISITE, Entity.TASK)


class RowError(BaseModel):
    """One problem with one row. `row` is 1-based within its entity's list; for a CSV row, `line` is the
    file line the row starts on (blank lines, rows of empty cells and cells spanning lines make it differ
    from row + 1)."""

    entity: Entity
    row: int | None = None
    line: int | None = None
    id: str | None = None
    field: str | None = None
    message: str

    def describe(self) -> str:
        where = f"{self.entity.value} row {self.row}" if self.row is not None else self.entity.value
        where += f" (line {self.line})" if self.line is not None else ""
        what = f" {self.id!r}" if self.id else ""
        field = f" [{self.field}]" if self.field else ""
        return f"{where}{what}{field}: {self.message}"


class Outcome(BaseModel):
    """What the write did to the rows of one entity; a second identical import is all `unchanged`."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


class FieldChange(BaseModel):
    """One stored value an import replaces (or, in a dry run, would replace)."""

    entity: Entity
    id: str
    field: str
    old: Any = None
    new: Any = None

    def describe(self) -> str:
        return f"{self.entity.value} {self.id!r} {self.field}: {self.old!r} -> {self.new!r}"


class ChangesSince(BaseModel):
    """The curriculum's audit entries newer than the export a file records (`based_on`): what an import of
    that file would overwrite unseen. `actor` and `at` are the newest entry's."""

    entries: int
    actors: list[str] = Field(default_factory=list)
    actor: str | None = None
    at: datetime | None = None

    def describe(self) -> str:
        when = f" at {self.at.isoformat()}" if self.at is not None else ""
        others = len(self.actors) - 1
        who = f"{self.actor} and {counted(others, 'other')}" if others > 0 else self.actor
        return f"{counted(self.entries, 'change')} since, the newest by {who}{when}"


# A report lists at most this many changed values (and says how many there were): enough to review a
# designer's edit, not a megabyte for a re-import that changes every row.
MAX_REPORTED_CHANGES = 200


class ImportReport(BaseModel):
    curriculum_id: str
    dry_run: bool
    skip_invalid: bool
    # True only when rows were written; a dry run or a refused import writes nothing.
    imported: bool = False
    # The valid rows were taken: written, or in a dry run written and rolled back. Then `errors` are rows
    # skipped (--skip-invalid), not a refusal, whether or not it was a dry run.
    accepted: bool = False
    summary: str = ""
    rows: dict[Entity, int] = Field(default_factory=dict)
    valid_rows: dict[Entity, int] = Field(default_factory=dict)
    skipped_rows: dict[Entity, int] = Field(default_factory=dict)
    errors: list[RowError] = Field(default_factory=list)
    self_loops: list[str] = Field(default_factory=list)
    # Each a cycle path in order, starting at its smallest id: the last member is a prerequisite of the first.
    cycles: list[list[str]] = Field(default_factory=list)
    outcome: dict[Entity, Outcome] = Field(default_factory=dict)
    # Stored values the rows replace, field by field (the first MAX_REPORTED_CHANGES; `changes_total`
    # counts them all): what a dry run lets a designer check before importing.
    changes: list[FieldChange] = Field(default_factory=list)
    changes_total: int = 0
    # Importer remarks about the source (collapsed duplicate rows, transitive reduction, ...).
    notes: list[str] = Field(default_factory=list)
    seconds: float | None = None
    # The curriculum's ETag that the rows were checked and written against (None when the import created
    # the curriculum, or wrote nothing). After a dry run, send it as the import's If-Match: the import is then
    # refused (412) if anyone changed the curriculum since, instead of also overwriting edits the dry run's
    # report never showed (the page does; a review, s35).
    etag: str | None = None
    # The ETag of the export the file says it was made from (`based_on`), when that export was of this
    # curriculum (a file imported into another, a copy, is not checked); `based_on_current` says whether the
    # curriculum is still in that state (None: not known, e.g. no `based_on`, or the curriculum is new), and
    # `changed_since` what changed since. A real import without If-Match or `overwrite` is refused (412)
    # when it is not; the page asks the designer before importing such a file.
    based_on: str | None = None
    based_on_current: bool | None = None
    changed_since: ChangesSince | None = None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    def counts(self) -> dict[str, dict[str, int]]:
        """created/updated/unchanged per entity, as plain data (the audit entry's `new`)."""
        return {entity.value: outcome.model_dump() for entity, outcome in self.outcome.items()}

    def lines(self, max_errors: int = 50) -> list[str]:
        """The report as text for the CLI: summary, counts, cycles, then the first `max_errors` errors."""
        out = [self.summary]
        read = ", ".join(counted(self.rows.get(e, 0), e.value) for e in ROW_ENTITIES)
        out.append(f"rows read: {read}")
        if any(self.skipped_rows.values()):
            out.append(
                "rows skipped: " + ", ".join(counted(n, e.value) for e, n in self.skipped_rows.items())
            )
        for entity, outcome in self.outcome.items():
            out.append(
                f"{entity.value}s: {outcome.created:,} created, {outcome.updated:,} updated, "
                f"{outcome.unchanged:,} unchanged"
            )
        shown = self.changes[:max_errors]
        out.extend(f"{'would change' if self.dry_run else 'changed'}: {c.describe()}" for c in shown)
        if self.changes_total > len(shown):
            out.append(f"... and {counted(self.changes_total - len(shown), 'more changed value')}")
        out.extend(f"self-loop: {loop}" for loop in self.self_loops)
        out.extend(f"cycle: {' -> '.join([*members, members[0]])}" for members in self.cycles)
        out.extend(f"note: {note}" for note in self.notes)
        label = "skipped" if self.accepted else "error"
        out.extend(f"{label}: {error.describe()}" for error in self.errors[:max_errors])
        if len(self.errors) > max_errors:
            out.append(f"... and {counted(len(self.errors) - max_errors, 'more error')}")
        if self.seconds is not None:
            out.append(f"took {self.seconds:.2f} s")
        return out
