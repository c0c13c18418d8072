"""Turns raw import rows into a write plan and a per-row report, checking them against the graph.

Rules, each reported on the row it concerns: the field constraints of the API's own input models;
duplicate ids (and duplicate prerequisite pairs) within the file; references to concepts that are
neither in the file nor in the curriculum; ids owned by another curriculum (ids are unique across
the graph); self-loops; cycles in the file's edges together with the graph's existing edges.
A cycle is reported as a real path (a -> b -> c -> a) through an edge that closes it; the file's edges
on those paths that the curriculum does not store yet are reported (and, with `skip_invalid`, skipped),
not every edge of the strongly connected set they bind: one wrong edge in a re-imported curriculum of
thousands of concepts would otherwise blame thousands of edges (graph_checks.find_cycle_paths). In a
first import every edge on a cycle's path is named. Rows that depend on a skipped row (an edge
or a task naming an invalid concept) are invalid too, so a skipped import never writes half a row.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.graph_checks import (
    SHOWN_MEMBERS,
    find_cycle_paths,
    find_cycles,
    find_duplicates,
    shortened,
)
from kgplatform.curriculum.import_report import ROW_ENTITIES, Entity, ImportReport, RowError
from kgplatform.curriculum.io import RawDocument
from kgplatform.curriculum.models import STORED, STORED_ID, ConceptIn, CurriculumIn, PrerequisiteIn, TaskIn
from kgplatform.validation_messages import error_message, json_type_message
from kgplatform.wording import counted

MODELS: dict[Entity, type[BaseModel]] = {
    Entity.CONCEPT: ConceptIn,
    Entity.PREREQUISITE: PrerequisiteIn,
    Entity.TASK: TaskIn,
}


@dataclass
class ExistingGraph:
    """What the graph already holds that the file's rows are checked against."""

    # Concept ids of this curriculum, and prerequisite edges among them.
    concepts: set[str] = field(default_factory=set)
    edges: set[tuple[str, str]] = field(default_factory=set)
    # Owners of the file's ids that already exist anywhere (concept or task id -> curriculum id).
    concept_owners: dict[str, str] = field(default_factory=dict)
    task_owners: dict[str, str] = field(default_factory=dict)
    # The stored curriculum's fields, the defaults for a CSV import that names only the id.
    curriculum_name: str | None = None
    curriculum_description: str = ""


@dataclass
class ImportPlan:
    """The rows to write (only valid ones) and the report; `document` is None when nothing may be written."""

    report: ImportReport
    document: CurriculumDocument | None


def _key(entity: Entity, row: Any) -> str | tuple[str, str] | None:
    """The row's identity (id, or the prerequisite pair); None when it has no usable one."""
    if not isinstance(row, dict):
        return None
    if entity is Entity.PREREQUISITE:
        ends = (row.get("prerequisite"), row.get("concept"))
        return (ends[0], ends[1]) if isinstance(ends[0], str) and isinstance(ends[1], str) else None
    key = row.get("id")
    return key if isinstance(key, str) else None


def _label(entity: Entity, row: Any) -> str | None:
    key = _key(entity, row)
    if isinstance(key, tuple):
        return f"{key[0]}->{key[1]}"
    return None if key is None else str(key)


def _pydantic_errors(
    entity: Entity, index: int, row: Any, error: ValidationError, *, json_types: bool
) -> list[RowError]:
    """`json_types`: the row came typed (a JSON document, an importer), so a member of the wrong type is
    said as the API says it, what was sent and what to send; a CSV's cells are all text (a review,
    6 December 2026)."""
    found = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or None
        message = error_message(item, json_type_message if json_types else None)
        if entity is Entity.TASK and where == "concepts" and item["type"] in {"missing", "too_short"}:
            message = "a task must exercise at least one concept"
        if entity is Entity.PREREQUISITE and where is None and "self-loop" in message:
            where = "concept"
        found.append(
            RowError(entity=entity, row=index + 1, id=_label(entity, row), field=where, message=message)
        )
    return found


# Past this many, the note on ids that read alike stops listing them.
MAX_LISTED_LOOKALIKES = 10


def _lookalike_key(concept_id: str) -> str:
    """What ids that read alike share: letter case folded, runs of any spaces as one, none at either end."""
    return " ".join(unicodedata.normalize("NFC", concept_id).split()).casefold()


class _Validator:
    def __init__(self, raw: RawDocument, curriculum_id: str, existing: ExistingGraph) -> None:
        self.raw = raw
        self.curriculum_id = curriculum_id
        self.existing = existing
        self.errors: list[RowError] = list(raw.file_errors)
        self.bad: dict[Entity, set[int]] = {e: set() for e in ROW_ENTITIES}
        self.models: dict[Entity, dict[int, Any]] = {e: {} for e in ROW_ENTITIES}
        self._good: dict[Entity, dict[int, Any]] = {}  # valid rows by entity, dropped whenever `bad` grows
        self._by_lookalike: dict[str, str] | None = None  # made at the first unknown reference (_lookalike)

    def fail(self, entity: Entity, index: int, message: str, field: str | None = None) -> None:
        row = self.raw.rows_of(entity)[index]
        self.errors.append(
            RowError(entity=entity, row=index + 1, id=_label(entity, row), field=field, message=message)
        )
        self.bad[entity].add(index)
        self._good.pop(entity, None)

    def check_models(self, entity: Entity) -> None:
        for index, row in enumerate(self.raw.rows_of(entity)):
            if not isinstance(row, dict):
                self.fail(entity, index, "a row must be an object")
                continue
            for key in self.raw.repeated_keys.get(entity, {}).get(index, []):
                self.fail(entity, index, f"{key!r} is given more than once in the row; give it once", key)
            try:
                self.models[entity][index] = MODELS[entity].model_validate(
                    row, strict=False if self.raw.cells_are_text else None, context=self._context(entity, row)
                )
            except ValidationError as error:
                self.errors.extend(
                    _pydantic_errors(entity, index, row, error, json_types=not self.raw.cells_are_text)
                )
                self.bad[entity].add(index)
        self._good.pop(entity, None)

    def _context(self, entity: Entity, row: dict[str, Any]) -> dict[str, bool] | None:
        """`STORED_ID` for a row that updates an entity this curriculum already holds: the rules for new ids
        (NFC, no route action at the end, ...) are not applied to an id stored before them, or an export
        could not be imported back into its own curriculum (docs/api.md: "The rule is for new ids"). Its name,
        description and tags are written anew and still held to the rules for text."""
        owners = {Entity.CONCEPT: self.existing.concept_owners, Entity.TASK: self.existing.task_owners}
        known = owners.get(entity, {})
        row_id = row.get("id")
        return STORED_ID if isinstance(row_id, str) and known.get(row_id) == self.curriculum_id else None

    def check_duplicates(self, entity: Entity) -> None:
        """Every repeat of an id (or of a prerequisite pair) after its first row is an error."""
        keys = [_key(entity, row) for row in self.raw.rows_of(entity)]
        # A repeated pair is the row's (prerequisite, concept): named by its second member, as cycles are.
        what, field = ("prerequisite pair", "concept") if entity is Entity.PREREQUISITE else ("id", "id")
        for key, positions in find_duplicates(keys).items():
            if key is None:
                continue
            label = _label(entity, self.raw.rows_of(entity)[positions[0]])
            for index in positions[1:]:
                self.fail(
                    entity, index, f"duplicate {what} {label!r}: first at row {positions[0] + 1}", field
                )

    def check_owners(self, entity: Entity, owners: dict[str, str]) -> None:
        for index, model in self.models[entity].items():
            owner = owners.get(model.id)
            if owner is not None and owner != self.curriculum_id:
                self.fail(entity, index, f"id already belongs to curriculum {owner!r}", "id")

    def good(self, entity: Entity) -> dict[int, Any]:
        """The rows of `entity` that passed every check so far, by 0-based index."""
        if entity not in self._good:
            self._good[entity] = {i: m for i, m in self.models[entity].items() if i not in self.bad[entity]}
        return self._good[entity]

    def concept_problem(self, concept_id: str, file_rows: dict[str, int]) -> str | None:
        """Why `concept_id` cannot be referred to, or None when it can."""
        if concept_id in file_rows:
            index = file_rows[concept_id]
            if index in self.bad[Entity.CONCEPT]:
                return f"concept {concept_id!r} (row {index + 1}) is invalid"
            return None
        if concept_id in self.existing.concepts:
            return None
        owner = self.existing.concept_owners.get(concept_id)
        if owner is not None and owner != self.curriculum_id:
            return f"concept {concept_id!r} belongs to curriculum {owner!r}"
        if problem := self._other_unicode_form(concept_id, file_rows):
            return problem
        unknown = (
            f"unknown concept {concept_id!r}: neither in this file nor in curriculum {self.curriculum_id!r}"
        )
        if near := self._lookalike(concept_id, file_rows):
            return f"{unknown}; ids match exactly, and {near} differs from it only in letter case or spaces"
        return unknown

    def _lookalike(self, concept_id: str, file_rows: dict[str, int]) -> str | None:
        """The concept (in the file, else stored) whose id differs from `concept_id` only in letter case or
        in spaces, if any: a spreadsheet's autocorrect capitalises a cell's first letter, and a pasted cell
        keeps a space at its end, so "unknown concept 'algebra'" stood beside a concept 'Algebra'."""
        if self._by_lookalike is None:
            self._by_lookalike = {}
            for known in [*file_rows, *sorted(self.existing.concepts)]:
                self._by_lookalike.setdefault(_lookalike_key(known), known)
        near = self._by_lookalike.get(_lookalike_key(concept_id))
        if near is None or near == concept_id:
            return None
        if near in file_rows:
            return f"concept {near!r} (row {file_rows[near] + 1})"
        return f"concept {near!r} of curriculum {self.curriculum_id!r}"

    def _other_unicode_form(self, concept_id: str, file_rows: dict[str, int]) -> str | None:
        """References match ids exactly (a stored id may predate the NFC rule), but one that differs from
        a concept only in its Unicode form (pasted from a macOS file name, typed with a decomposing input
        method) looks the same in the report: "unknown concept 'café'" beside a visible concept 'café'."""
        composed = unicodedata.normalize("NFC", concept_id)
        if composed == concept_id:
            return None
        if composed in file_rows:
            where = f"concept {composed!r} (row {file_rows[composed] + 1})"
        elif composed in self.existing.concepts:
            where = f"concept {composed!r} of curriculum {self.curriculum_id!r}"
        else:
            return None
        return f"{concept_id!r} is in another Unicode form than {where}; write it in NFC, as that id is"

    def check_references(self) -> None:
        file_rows: dict[str, int] = {}
        for index, row in enumerate(self.raw.concepts):
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                file_rows.setdefault(row["id"], index)
        for index, edge in self.good(Entity.PREREQUISITE).items():
            for end in ("prerequisite", "concept"):
                problem = self.concept_problem(getattr(edge, end), file_rows)
                if problem:
                    self.fail(Entity.PREREQUISITE, index, problem, end)
                    break
        for index, task in self.good(Entity.TASK).items():
            problems = [p for c in task.concepts if (p := self.concept_problem(c, file_rows))]
            if problems:
                self.fail(Entity.TASK, index, "; ".join(problems), "concepts")

    def check_cycles(self) -> list[list[str]]:
        edges = self.good(Entity.PREREQUISITE)
        rows_of_edge = {(e.prerequisite, e.concept): i for i, e in edges.items()}
        # The stored graph has no cycle, so an edge it lacks closes any cycle found: those are the suspects.
        suspects = set(rows_of_edge) - self.existing.edges
        cycles = find_cycle_paths(list(self.existing.edges | set(rows_of_edge)), suspects)
        # Ids alone can be opaque (LectureBank's are numbers): name the file's concepts in the message.
        names = {m.id: m.name for m in self.good(Entity.CONCEPT).values()} if cycles else {}
        blamed: set[tuple[str, str]] = set()
        for cycle in cycles:
            # The file's edges on the cycle that the stored graph lacks: one of them is wrong (a stored
            # edge on the path is not news to the designer). A first import stores nothing yet, so every
            # file edge on the path is a suspect and each is named.
            on_cycle = [edge for edge in cycle.edges if edge in rows_of_edge]
            new_on_cycle = [edge for edge in on_cycle if edge in suspects]
            for edge in new_on_cycle or on_cycle:
                if edge not in blamed:
                    blamed.add(edge)
                    self.fail(
                        Entity.PREREQUISITE,
                        rows_of_edge[edge],
                        f"closes a {cycle.describe(names)}",
                        "concept",
                    )
        return [list(c.members) for c in cycles]

    def curriculum(self) -> CurriculumIn | None:
        given = dict(self.raw.curriculum or {})
        # An empty description cell of a curriculum.csv gives the default, as an empty cell of any row does
        # (the reader leaves empty cells out); only a file without the column keeps the stored description.
        # Else a zip export of a curriculum without a description imported elsewhere kept the description
        # there, where the same export as JSON cleared it.
        if "description" in self.raw.columns.get(Entity.CURRICULUM, frozenset()):
            given.setdefault("description", "")
        given.setdefault("id", self.curriculum_id)
        given.setdefault("name", self.existing.curriculum_name or self.curriculum_id)
        given.setdefault("description", self.existing.curriculum_description)
        if given["id"] != self.curriculum_id:
            self.errors.append(
                RowError(
                    entity=Entity.CURRICULUM,
                    id=str(given["id"]),
                    field="id",
                    message=f"the document is for curriculum {given['id']!r}, not {self.curriculum_id!r}",
                )
            )
            return None
        try:
            # An existing curriculum's own id is not held to rules made after it (see `_context`), nor its
            # stored name and description when the file keeps them: a CSV import naming only the id takes
            # them as defaults, and would be refused for a name stored before the rules for text.
            stored = None
            if self.existing.curriculum_name is not None:
                kept = (given.get("name"), given.get("description")) == (
                    self.existing.curriculum_name,
                    self.existing.curriculum_description,
                )
                stored = STORED if kept else STORED_ID
            return CurriculumIn.model_validate(given, context=stored)
        except ValidationError as error:
            for item in error.errors():
                self.errors.append(
                    RowError(
                        entity=Entity.CURRICULUM,
                        id=self.curriculum_id,
                        field=".".join(str(p) for p in item["loc"]) or None,
                        message=str(item["msg"]),
                    )
                )
            return None


def validate_import(
    raw: RawDocument, curriculum_id: str, existing: ExistingGraph, *, dry_run: bool, skip_invalid: bool
) -> ImportPlan:
    """Checks every row; the plan's document holds the rows to write, or None when the import is refused."""
    v = _Validator(raw, curriculum_id, existing)
    curriculum = v.curriculum()
    for entity in ROW_ENTITIES:
        v.check_models(entity)
        v.check_duplicates(entity)
    v.check_owners(Entity.CONCEPT, existing.concept_owners)
    v.check_owners(Entity.TASK, existing.task_owners)
    v.check_references()
    cycles = v.check_cycles()
    self_loops = [
        f"{row['prerequisite']}->{row['concept']}"
        for row in raw.prerequisites
        if isinstance(row, dict)
        and row.get("prerequisite") is not None
        and row.get("prerequisite") == row.get("concept")
    ]
    report = ImportReport(
        curriculum_id=curriculum_id,
        dry_run=dry_run,
        skip_invalid=skip_invalid,
        rows={e: len(raw.rows_of(e)) for e in ROW_ENTITIES},
        valid_rows={e: len(v.good(e)) for e in ROW_ENTITIES},
        errors=sorted(_with_lines(v.errors, raw), key=lambda e: (list(Entity).index(e.entity), e.row or 0)),
        self_loops=list(dict.fromkeys(self_loops)),
        cycles=cycles,
        notes=[*raw.notes, *_stored_edges_staying(raw, existing), *_lookalike_new_ids(raw, existing)],
    )
    blocking = bool(raw.file_errors) or curriculum is None
    if blocking or (report.errors and not skip_invalid):
        report.summary = _refusal(report, blocking)
        return ImportPlan(report, None)
    report.skipped_rows = {e: len(raw.rows_of(e)) - len(v.good(e)) for e in ROW_ENTITIES}
    document = CurriculumDocument(
        curriculum=curriculum,
        concepts=list(v.good(Entity.CONCEPT).values()),
        prerequisites=list(v.good(Entity.PREREQUISITE).values()),
        tasks=list(v.good(Entity.TASK).values()),
    )
    return ImportPlan(report, document)


def _lookalike_new_ids(raw: RawDocument, existing: ExistingGraph) -> list[str]:
    """A note on each concept the file creates whose id differs from another concept's (in the file or the
    curriculum) only in letter case or spaces: ids match exactly, so 'Fractions' beside 'fractions' is two
    concepts, which a designer who meant one learns only when learners' mastery splits between them."""
    new = [
        (index, concept_id)
        for index, row in enumerate(raw.concepts)
        if isinstance(row, dict)
        and isinstance(concept_id := row.get("id"), str)
        and concept_id not in existing.concepts
    ]
    if not new:  # a re-import: no need to read the curriculum's every id
        return []
    first: dict[str, tuple[str, str]] = {
        _lookalike_key(concept_id): (concept_id, f"concept {concept_id!r} of the curriculum")
        for concept_id in sorted(existing.concepts)
    }
    found = []
    for index, concept_id in new:
        key = _lookalike_key(concept_id)
        if key not in first:
            first[key] = (concept_id, f"concept {concept_id!r} (row {index + 1})")
        elif first[key][0] != concept_id:
            found.append(
                f"{concept_id!r} (row {index + 1}) differs from {first[key][1]} only in letter case or spaces"
            )
    if not found:
        return []
    listed = "; ".join(found[:MAX_LISTED_LOOKALIKES]) + (
        "; ..." if len(found) > MAX_LISTED_LOOKALIKES else ""
    )
    verb = "reads" if len(found) == 1 else "read"
    return [
        f"{counted(len(found), 'new concept id')} {verb} like another: {listed}. Ids match exactly, so each "
        "is a concept of its own; if one was meant, write it as that concept's id"
    ]


def _stored_edges_staying(raw: RawDocument, existing: ExistingGraph) -> list[str]:
    """A note on the stored edges among the file's concepts that its prerequisites leave out: an import
    never deletes, so they stay. Re-importing AL-CPL with --transitive-reduction after a full import kept
    all 292 closed edges of a domain while the notes said "112 of 292 edges kept". A file without
    prerequisite rows (a sheet of concept names) says nothing about edges, and gets no note."""
    if not raw.prerequisites or not existing.edges:
        return []
    concepts = {row.get("id") for row in raw.concepts if isinstance(row, dict)}
    in_file = {key for row in raw.prerequisites if (key := _key(Entity.PREREQUISITE, row)) is not None}
    staying = sorted(
        edge for edge in existing.edges if edge not in in_file and edge[0] in concepts and edge[1] in concepts
    )
    if not staying:
        return []
    shown = shortened([f"{a}->{b}" for a, b in staying[:SHOWN_MEMBERS]], len(staying))
    are, stay = ("is", "stays") if len(staying) == 1 else ("are", "stay")
    return [
        f"{counted(len(staying), 'stored prerequisite edge')} among this file's concepts {are} not in the "
        f"file and {stay} (imports never delete: remove them with DELETE /prerequisites, or import into an "
        f"empty graph): {shown}"
    ]


def _with_lines(errors: list[RowError], raw: RawDocument) -> list[RowError]:
    """The errors of CSV rows with the file line each row starts on (`RawDocument.lines`)."""
    for error in errors:
        lines = raw.lines.get(error.entity)
        if lines and error.row is not None and error.row <= len(lines):
            error.line = lines[error.row - 1]
    return errors


def _refusal(report: ImportReport, blocking: bool) -> str:
    # Shortened: the summary is one line; the report lists every self-loop and cycle member in full.
    problems = [counted(len(report.errors), "error")]
    if report.self_loops:
        loops = report.self_loops
        problems.append(f"{counted(len(loops), 'self-loop')}: {shortened(loops[:SHOWN_MEMBERS], len(loops))}")
    for cycle in report.cycles[:SHOWN_MEMBERS]:
        rest = len(cycle) - SHOWN_MEMBERS
        more = [f"... and {rest} more"] if rest > 0 else []
        problems.append(f"a cycle {' -> '.join([*cycle[:SHOWN_MEMBERS], *more, cycle[0]])}")
    if len(report.cycles) > SHOWN_MEMBERS:
        problems.append(counted(len(report.cycles) - SHOWN_MEMBERS, "more cycle"))
    hint = (
        ""
        if blocking
        else "; fix them, or import with skip_invalid (--skip-invalid) to write only the valid rows"
    )
    verb = "would import nothing" if report.dry_run else "imported nothing"
    return f"{verb}: {'; '.join(problems)}{hint}"


def changes_since_validation(document: CurriculumDocument, current: ExistingGraph) -> list[str]:
    """What the rows would break in the curriculum as the write transaction sees it under its locks
    (`current`: the curriculum's concepts and edges now): concepts the rows name without defining that
    were deleted since validation (an edge or task link to them would silently not be written), and
    cycles the rows would close (a designer may have added an edge, or removed one the file repeats and
    added its reverse). Ids taken meanwhile by another curriculum are caught by the merge statements."""
    defined = {c.id for c in document.concepts} | current.concepts
    named = {p.prerequisite for p in document.prerequisites} | {p.concept for p in document.prerequisites}
    named |= {c for t in document.tasks for c in t.concepts}
    problems = [f"concept {cid!r} was deleted" for cid in sorted(named - defined)]
    edges = current.edges | {(p.prerequisite, p.concept) for p in document.prerequisites}
    return problems + [cycle.describe() for cycle in find_cycles(list(edges))]
