"""The import's and export's door into Neo4j: what the graph already holds, and the batched upsert.

An import is one write transaction: curriculum, then concepts, edges and tasks in batched
`UNWIND ... MERGE` statements keyed on the constrained ids, then one audit entry with the counts and
one per stored concept, edge or task a row changed (old and new values, as an edit's entry has them);
none at all when it changed nothing (`changes_anything`).
All of it commits or none of it does, and the driver may retry the whole function on a transient
error, which is harmless because every statement is an idempotent MERGE.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, NoReturn

from neo4j import ManagedTransaction
from neo4j.time import DateTime
from pydantic import BaseModel

from kgplatform.curriculum import audit, store
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.import_report import ChangesSince, Entity, FieldChange, Outcome
from kgplatform.curriculum.import_validation import ExistingGraph
from kgplatform.curriculum.io import RawDocument
from kgplatform.curriculum.models import AuditAction, EntityType
from kgplatform.curriculum.service import concept_snapshot
from kgplatform.curriculum.tasks import task_snapshot
from kgplatform.curriculum.versions import CURRICULUM_ETAG_START, IF_MATCH, parse_import_if_match
from kgplatform.errors import Conflict, PreconditionFailed
from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.queries import query_text
from kgplatform.wording import counted

DEFAULT_BATCH_SIZE = 5000


def no_checkpoint(phase: str) -> None:
    """The default `checkpoint` of `write_import`: nothing stops an import (the API's, a worker's)."""


def no_progress(written: int, total: int) -> None:
    """The default `progress` of `write_import`: nobody watches (the API's, a worker's)."""


# The optional fields of each row: left out of a file, a stored entity keeps its value (`kept_fields`).
KEEPABLE_FIELDS = {
    Entity.CONCEPT: ("description", "tags", "difficulty"),
    Entity.PREREQUISITE: ("weight",),
    Entity.TASK: ("difficulty", "estimated_minutes"),
}
MERGE_QUERIES = {
    Entity.CONCEPT: "curriculum/import_merge_concepts",
    Entity.PREREQUISITE: "curriculum/import_merge_prerequisites",
    Entity.TASK: "curriculum/import_merge_tasks",
}


def _strings(values: Any) -> Iterator[str]:
    if isinstance(values, str):
        yield values
    elif isinstance(values, list):
        yield from (v for v in values if isinstance(v, str))


def referenced_ids(raw: RawDocument) -> tuple[list[str], list[str]]:
    """Every concept id the rows define or mention, and every task id they define."""
    concepts: set[str] = set()
    for row in raw.concepts:
        if isinstance(row, dict):
            concepts.update(_strings(row.get("id")))
    for row in raw.prerequisites:
        if isinstance(row, dict):
            concepts.update(_strings(row.get("prerequisite")))
            concepts.update(_strings(row.get("concept")))
    tasks: set[str] = set()
    for row in raw.tasks:
        if isinstance(row, dict):
            concepts.update(_strings(row.get("concepts")))
            tasks.update(_strings(row.get("id")))
    return sorted(concepts), sorted(tasks)


def load_existing(graph: Graph, curriculum_id: str, raw: RawDocument) -> ExistingGraph:
    """The curriculum's concepts and edges, and the owners of every id the rows name, in one read."""
    concept_ids, task_ids = referenced_ids(raw)

    def work(tx: ManagedTransaction) -> ExistingGraph:
        [found] = _run(tx, "curriculum/import_read_existing", curriculum_id=curriculum_id)
        existing = ExistingGraph(concepts=set(found["concepts"]), edges={(a, b) for a, b in found["edges"]})
        if found["curriculum"] is not None:
            existing.curriculum_name = found["curriculum"]["name"]
            existing.curriculum_description = found["curriculum"].get("description") or ""
        for row in _run(tx, "curriculum/import_find_owners", concept_ids=concept_ids, task_ids=task_ids):
            owners = existing.concept_owners if row["kind"] == "concept" else existing.task_owners
            owners[row["id"]] = row["curriculum_id"]
        return existing

    return graph.execute_read(work)


def update_entries(
    entity: Entity,
    updated: Sequence[dict[str, Any]],
    batch: Sequence[dict[str, Any]],
    actor: str,
    curriculum_id: str,
) -> list[dict[str, Any]]:
    """One 'import' audit entry per stored entity an import row changed, with the values it replaced and
    the imported ones, as an edit's entry holds them: so a concept's, task's or edge's own trail shows the
    import (created rows are counted in the import's summary entry only; their own trail starts with
    their first change)."""
    if entity is Entity.PREREQUISITE:
        weights = {(row["prerequisite"], row["concept"]): row["weight"] for row in batch}
        return [
            audit.edge_entry(
                actor=actor,
                action=AuditAction.IMPORT,
                prerequisite=u["prerequisite"],
                concept=u["concept"],
                curriculum_id=curriculum_id,
                old_weight=u["before"],
                new_weight=weights[(u["prerequisite"], u["concept"])],
            )
            for u in updated
        ]
    kind, snapshot = _kind_and_snapshot(entity)
    entries = []
    for u in updated:
        # `after` is what was written: the row's values, and the stored ones of fields the file left out.
        before, after = u["before"], u["after"]
        old = snapshot(before)
        new = snapshot({**after, "version": before["version"] + 1})
        entries.append(
            audit.entry(
                actor=actor,
                action=AuditAction.IMPORT,
                entity_type=kind,
                entity_id=u["id"],
                curriculum_id=curriculum_id,
                old=old,
                new=new,
            )
        )
    return entries


def recreate_entries(
    entity: Entity, recreated: Sequence[dict[str, Any]], actor: str, curriculum_id: str
) -> list[dict[str, Any]]:
    """One 'import' entry per concept, task or edge a row created under the id of a deleted one. A created
    row has no entry of its own (`update_entries`), but this one has a trail already, ending in its delete:
    without an entry it read "deleted by bob" while the concept was there again, and nothing named who
    brought it back (the curriculum's import entry only counts the rows it created; a review, s35)."""
    if entity is Entity.PREREQUISITE:
        return [
            audit.edge_entry(
                actor=actor,
                action=AuditAction.IMPORT,
                prerequisite=r["prerequisite"],
                concept=r["concept"],
                curriculum_id=curriculum_id,
                new_weight=r["weight"],
            )
            for r in recreated
        ]
    kind, snapshot = _kind_and_snapshot(entity)
    entries = []
    for r in recreated:
        new = snapshot({**r["after"], "version": r["version"]})
        entries.append(
            audit.entry(
                actor=actor,
                action=AuditAction.IMPORT,
                entity_type=kind,
                entity_id=r["id"],
                curriculum_id=curriculum_id,
                new=new,
            )
        )
    return entries


def _kind_and_snapshot(entity: Entity) -> tuple[EntityType, Callable[[dict[str, Any]], dict[str, Any]]]:
    """An imported concept's or task's audit type, and what its entries' old/new hold: the snapshot an edit's
    entry holds, so that a field added to the entity reaches the import's entries too."""
    return (
        (EntityType.CONCEPT, concept_snapshot)
        if entity is Entity.CONCEPT
        else (EntityType.TASK, task_snapshot)
    )


def kept_fields(entity: Entity, row: BaseModel, columns: Mapping[Entity, frozenset[str]]) -> list[str]:
    """The optional fields a row leaves out, whose stored values an update keeps: for a JSON row the keys
    it lacks; for a CSV row the columns its file lacks (an empty cell in a column that is there gives the
    default, as in a new row). Without this, a file of ids and names would reset every description."""
    given = row.model_fields_set | columns.get(entity, frozenset())
    return [f for f in KEEPABLE_FIELDS[entity] if f not in given]


def curriculum_entry(actor: str, curriculum: dict[str, Any], before: dict[str, Any]) -> dict[str, Any]:
    """The 'import' entry of a curriculum whose name or description the document changed."""
    fields = ("name", "description")
    return audit.entry(
        actor=actor,
        action=AuditAction.IMPORT,
        entity_type=EntityType.CURRICULUM,
        entity_id=curriculum["id"],
        curriculum_id=curriculum["id"],
        old={f: before.get(f) for f in fields},
        new={f: curriculum.get(f) for f in fields},
    )


def field_changes(entries: Sequence[dict[str, Any]]) -> list[FieldChange]:
    """The values the per-entity entries replace, field by field (versions left out: they always move)."""
    changes = []
    for e in entries:
        old, new = json.loads(e["old"] or "{}"), json.loads(e["new"] or "{}")
        for name in sorted((set(old) | set(new)) - {"version"}):
            if old.get(name) != new.get(name):
                changes.append(
                    FieldChange(
                        entity=Entity(e["entity_type"]),
                        id=e["entity_id"],
                        field=name,
                        old=old.get(name),
                        new=new.get(name),
                    )
                )
    return changes


@dataclass
class WriteResult:
    """What an import's write did: per-entity counts and, field by field, the stored values it replaced."""

    curriculum: Outcome
    outcome: dict[Entity, Outcome]
    changes: list[FieldChange] = field(default_factory=list)
    # The curriculum's ETag as the import found it, under its locks and before its writes (None for a
    # curriculum it creates): what a dry run's report was computed against (`ImportReport.etag`).
    etag: str | None = None
    # Against the file's `based_on` (the export it records): whether the curriculum is still in that state,
    # and what changed since (None when the file records none, or the import created the curriculum).
    based_on_current: bool | None = None
    changed_since: ChangesSince | None = None


def changes_anything(curriculum: Outcome, outcome: Mapping[Entity, Outcome]) -> bool:
    """Whether an import creates or updates the curriculum or any row (else it writes no audit entry)."""
    return not curriculum.unchanged or any(o.created or o.updated for o in outcome.values())


def _note_links(entity: Entity, result: Row, existed: set[str], linked: dict[str, list[str]]) -> None:
    """Adds to `linked` (concept id -> what happened to its links) what one merge batch did to the links of
    the concepts in `existed`."""

    def note(concept_id: str, what: str) -> None:
        if concept_id in existed:
            linked.setdefault(concept_id, []).append(what)

    if entity is Entity.PREREQUISITE:
        for edge, change in [(e, "added by an import") for e in result.get("created") or []] + [
            (e, "re-weighted by an import") for e in result.get("updated") or []
        ]:
            for end in (edge["prerequisite"], edge["concept"]):
                note(end, f"edge {store.edge_label(edge['prerequisite'], edge['concept'])} {change}")
    elif entity is Entity.TASK:
        for task in result.get("created") or []:
            for cid in task["concepts"]:
                note(cid, f"task {task['id']} added by an import")
        for task in result.get("updated") or []:
            for cid in set(task["before"]["concepts"]) | set(task["after"]["concepts"]):
                note(cid, f"task {task['id']} changed by an import")


def _batches(rows: Sequence[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield list(rows[start : start + size])


def _run(tx: ManagedTransaction, query: str, /, **params: Any) -> list[Row]:
    return [record.data() for record in tx.run(query_text(query), params)]


def write_import(
    graph: Graph,
    document: CurriculumDocument,
    *,
    actor: str,
    recheck: Callable[[ExistingGraph], None],
    notes: Sequence[str] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    commit: bool = True,
    columns: Mapping[Entity, frozenset[str]] | None = None,
    if_match: str | None = None,
    based_on: str | None = None,
    overwrite: bool = False,
    skipped: Mapping[Entity, int] | None = None,
    checkpoint: Callable[[str], None] = no_checkpoint,
    progress: Callable[[int, int], None] = no_progress,
) -> WriteResult:
    """Writes the rows and, if anything changed, the 'import' audit entries (rolled back unless `commit`):
    the curriculum's and each entity's outcome, and the values replaced. `columns`: the CSV files' columns
    (`kept_fields`). `if_match`: the curriculum's ETag as exported, parsed as an edit's is (a weak `W/`
    form matches); a curriculum changed since is a 412, nothing written. `based_on`: the ETag of the export
    the file records it was made from, of this curriculum; without If-Match (which wins) and `overwrite`, a
    real import of a file based on an older state is a 412 too, naming what changed since. `skipped`: the
    rows `skip_invalid` left out, per entity, which the summary entry names. `checkpoint`
    is called with the phase about to start ('writing' before each statement batch, 'committing' once the
    work is done): raising there rolls the transaction back whole (the CLI's Ctrl-C, `cli.curriculum`).
    `progress` is called with the rows written so far and the total after each statement batch."""
    accepted = parse_import_if_match(if_match)  # before any write: a header naming nothing is a 422
    data = document.model_dump(mode="json")
    curriculum_id = document.curriculum.id
    sections = {
        Entity.CONCEPT: data["concepts"],
        Entity.PREREQUISITE: data["prerequisites"],
        Entity.TASK: data["tasks"],
    }
    models = {
        Entity.CONCEPT: document.concepts,
        Entity.PREREQUISITE: document.prerequisites,
        Entity.TASK: document.tasks,
    }
    for entity, rows in sections.items():
        for row, model in zip(rows, models[entity], strict=True):
            row["keep"] = kept_fields(entity, model, columns or {})

    # The concepts of other curricula the rows point at (not the document's own): their curricula are
    # locked with this one. Usually none, and then no query.
    referenced = sorted(
        (
            {r["prerequisite"] for r in data["prerequisites"]}
            | {r["concept"] for r in data["prerequisites"]}
            | {c for t in data["tasks"] for c in t.get("concepts") or ()}
        )
        - {c["id"] for c in data["concepts"]}
    )

    def work(tx: ManagedTransaction) -> WriteResult:
        checkpoint("writing")
        # The first locks, as for every curriculum writer: the curricula, in id order, before anything
        # else. MERGE locks an unchanged curriculum node only at the end (the audit entries): without
        # this, a concept created meanwhile, or a second import into a curriculum without concepts or
        # tasks yet (nothing below to lock), passed the If-Match check with the same ETag and was then
        # overwritten; and an edit holding the curriculum could deadlock with the import (a review, 1
        # December). A curriculum that does not exist yet is serialised by the MERGE's unique index.
        store.lock_owning_curricula(tx, curriculum_ids=[curriculum_id], concept_ids=referenced)
        [row] = _run(tx, "curriculum/import_merge_curriculum", **data["curriculum"])
        curriculum = Outcome(**{row["outcome"]: 1})
        replaced: list[dict[str, Any]] = []  # the audit entries of rows that changed a stored entity
        recreated: list[dict[str, Any]] = []  # those of rows that created a deleted concept's or task's id
        if row["outcome"] == "updated":
            replaced.append(curriculum_entry(actor, data["curriculum"], row["before"]))
        # Validation read the graph before this transaction. Lock what the import may change, read the
        # curriculum's concepts and edges again under those locks and let the caller re-check the rows
        # against them (a concept deleted, an edge added meanwhile); raising rolls everything back. Ids
        # taken meanwhile by another curriculum come back as 'taken' below.
        [locked] = _run(tx, "curriculum/import_lock_concepts", curriculum_id=curriculum_id)
        _run(tx, "curriculum/import_lock_tasks", curriculum_id=curriculum_id)
        # Read under the locks and before this import's own audit entries: an edit committed since the
        # export (or the dry run) the If-Match came from moved it.
        found_etag = None if row["outcome"] == "created" else curriculum_etag(tx, curriculum_id)
        check_if_match(curriculum_id, accepted, found_etag)
        # The file's own record of its export: the guard of a file edited offline for days, whose ETag
        # header the designer no longer has. Reported by every run; refusing only a real import that sent
        # neither If-Match nor `overwrite`. A curriculum the import creates has nothing to overwrite.
        based_on_current, changed_since = compare_with_export(tx, curriculum_id, based_on, found_etag)
        if changed_since is not None and commit and accepted is None and not overwrite:
            raise PreconditionFailed(
                f"the curriculum changed since this file was exported ({based_on}; now "
                f"{found_etag}): {changed_since.describe()}; nothing was written: export it again "
                "and reapply your changes, or import with ?overwrite=true (the CLI: --overwrite) to "
                "replace those changes with the file's rows",
                field="based_on",
                current_etag=found_etag,
                based_on=based_on,
                changed_since=changed_since.model_dump(mode="json"),
            )
        rows = _run(tx, "curriculum/read_curriculum_prerequisites", curriculum_id=curriculum_id)
        recheck(
            ExistingGraph(
                concepts=set(locked["ids"]), edges={(r["prerequisite"], r["concept"]) for r in rows}
            )
        )
        outcome = {entity: Outcome() for entity in sections}
        total, written = sum(len(rows) for rows in sections.values()), 0
        relinked = 0  # task rows changing which concepts stored answers reach (import_merge_tasks)
        # What the import did to the links of concepts that existed before it: each such concept's version
        # moves, as for an edit (store.links_changed says why); concepts it creates start where they start.
        existed = set(locked["ids"])
        linked: dict[str, list[str]] = {}
        for entity, rows in sections.items():
            counts = outcome[entity].model_dump()
            for batch in _batches(rows, batch_size):
                checkpoint("writing")
                for result in _run(tx, MERGE_QUERIES[entity], curriculum_id=curriculum_id, rows=batch):
                    if result["outcome"] == "taken":
                        raise Conflict(
                            f"{counted(result['n'], f'{entity.value} id')} "
                            f"{'was' if result['n'] == 1 else 'were'} taken by another curriculum while "
                            "importing; nothing was written",
                            field="curriculum_id",
                        )
                    counts[result["outcome"]] += result["n"]
                    relinked += result.get("relinked") or 0
                    changed = result.get("updated") or []
                    replaced += update_entries(entity, changed, batch, actor, curriculum_id)
                    _note_links(entity, result, existed, linked)
                    if result.get("recreated"):
                        recreated += recreate_entries(entity, result["recreated"], actor, curriculum_id)
                written += len(batch)
                progress(written, total)
            outcome[entity] = Outcome(**counts)
        store.links_changed(tx, linked)
        # An import that changes nothing leaves no entry, as a save that changes no field leaves none. The
        # export's ETag and planning's curriculum stamp are the newest entry: an identical re-import (a
        # repeated CLI run, a redelivered job) moved both, so a guarded import of an export made before
        # it was a 412 over nothing, and every cached plan of the curriculum was computed again.
        if changes_anything(curriculum, outcome):
            summary = {
                "curriculum": curriculum.model_dump(),
                **{e.value: o.model_dump() for e, o in outcome.items()},
                "notes": list(notes),
            }
            # How the import was guarded, in its trail: the export the file records, and an override.
            if based_on is not None:
                summary["based_on"] = based_on
                summary["based_on_current"] = based_on_current
            if overwrite:
                summary["overwrite"] = True
            # A partial import says so in its trail: the report naming the skipped rows ends with the
            # request, and the counts alone read as the whole file imported.
            if skipped and any(skipped.values()):
                summary["skipped"] = {e.value: n for e, n in skipped.items() if n}
            entry = audit.entry(
                actor=actor,
                action=AuditAction.IMPORT,
                entity_type=EntityType.CURRICULUM,
                entity_id=curriculum_id,
                curriculum_id=curriculum_id,
                new=summary,
            )
            store.write_audit(tx, [entry, *replaced, *recreated], linked)
        # The revision is global: a bump replays every learner on the platform in full at their next
        # answer, so only a change of what answers reach counts (as store.create_task and update_task
        # do), not a new task id or a retitled task (a review, s28).
        if relinked:
            store.bump_revision(tx)
        checkpoint("committing")
        return WriteResult(
            curriculum,
            outcome,
            field_changes(replaced),
            etag=found_etag,
            based_on_current=based_on_current,
            changed_since=changed_since,
        )

    with graph.session() as session:
        if commit:
            return session.execute_write(work)
        # A dry run does the very same writes and rolls them back, so its counts are the real ones. It runs
        # as a managed transaction, ended by raising its result (the driver rolls back a transaction whose
        # work raises): so a deadlock it loses to an import or an edit is run again, by the driver or by the
        # API's retry, and the error a failed one raises is the one behind the driver's wrapper
        # (`graph.driver.UnwrappingSession`). It began a transaction of its own until a review, 7 December
        # 2026, and a deadlock it lost failed it at once, where the same import run for real was run again.
        try:
            return session.execute_write(_rolled_back(work))
        except _DryRunDone as done:
            return done.result


class _DryRunDone(Exception):
    """Carries a dry run's result out of its transaction, which raising it rolls back."""

    def __init__(self, result: WriteResult) -> None:
        super().__init__("dry run done")
        self.result = result


def _rolled_back(
    work: Callable[[ManagedTransaction], WriteResult],
) -> Callable[[ManagedTransaction], NoReturn]:
    def run_then_roll_back(tx: ManagedTransaction) -> NoReturn:
        raise _DryRunDone(work(tx))

    return run_then_roll_back


def check_if_match(curriculum_id: str, accepted: set[str] | None, current: str | None) -> None:
    """412 unless the curriculum's ETag now (`current`; None: it does not exist, or the import is creating
    it) is one the import's If-Match accepts (`accepted`; None: no If-Match, nothing to check)."""
    if accepted is None:
        return
    if current is None:
        # RFC 9110: If-Match, "*" included, fails where there is no current state: the import would create
        # the curriculum the header claimed to have read (a review, 1 December).
        raise PreconditionFailed(
            f"curriculum {curriculum_id!r} does not exist, so it cannot be at the version If-Match "
            "names; nothing was written: send the file without If-Match to create it",
            field=IF_MATCH,
            current_etag=None,
        )
    if "*" not in accepted and current not in accepted:
        raise PreconditionFailed(
            f"the curriculum changed since the export you sent (its ETag is now {current}); "
            "nothing was written: export it again and reapply your changes",
            field=IF_MATCH,
            current_etag=current,
        )


def check_if_match_first(graph: Graph, curriculum_id: str, if_match: str | None) -> None:
    """`check_if_match` in a read of its own, before the file's rows are judged: RFC 9110 §13.2.1 has a
    server evaluate preconditions before it processes the request content, and judging the rows (against
    the stored curriculum too) is that processing. The import's transaction checks again under its locks."""
    accepted = parse_import_if_match(if_match)
    if accepted is None:
        return
    check_if_match(curriculum_id, accepted, graph.execute_read(lambda tx: curriculum_etag(tx, curriculum_id)))


def curriculum_etag(tx: ManagedTransaction, curriculum_id: str) -> str | None:
    """The ETag of the curriculum as a whole, when it last changed (`curriculum/get_curriculum_stamp`);
    None when it does not exist. Run in the import's own transaction, or in a read of its own."""
    rows = _run(tx, "curriculum/get_curriculum_stamp", curriculum_id=curriculum_id)
    return f'{CURRICULUM_ETAG_START}{rows[0]["changed_at"].iso_format()}"' if rows else None


def compare_with_export(
    tx: ManagedTransaction, curriculum_id: str, based_on: str | None, found_etag: str | None
) -> tuple[bool | None, ChangesSince | None]:
    """Whether the curriculum is still in the state of the export a file records (`based_on`), and if not
    what changed since; (None, None) when there is nothing to compare (no record, or no such curriculum)."""
    if based_on is None or found_etag is None:
        return None, None
    if found_etag == based_on:
        return True, None
    return False, changes_since(tx, curriculum_id, based_on)


def read_staleness(
    graph: Graph, curriculum_id: str, based_on: str | None
) -> tuple[bool | None, ChangesSince | None]:
    """`compare_with_export` in a read of its own: for an import refused before any write (rows with
    errors), whose designer should still learn that the file is older than the curriculum before fixing
    the rows, not after."""
    if based_on is None:
        return None, None

    def work(tx: ManagedTransaction) -> tuple[bool | None, ChangesSince | None]:
        return compare_with_export(tx, curriculum_id, based_on, curriculum_etag(tx, curriculum_id))

    return graph.execute_read(work)


def changes_since(tx: ManagedTransaction, curriculum_id: str, etag: str) -> ChangesSince:
    """The curriculum's audit entries newer than the time `etag` (a curriculum ETag) names. An ETag whose
    time cannot be read (a file's record edited by hand) counts every entry."""
    try:
        since = DateTime.from_iso_format(etag.removeprefix(CURRICULUM_ETAG_START).removesuffix('"'))
    except (ValueError, TypeError, AttributeError):
        since = DateTime(1, 1, 1, tzinfo=UTC)
    [row] = _run(tx, "curriculum/read_changes_since", curriculum_id=curriculum_id, since=since)
    at = row["at"].to_native() if row["at"] is not None else None
    return ChangesSince(entries=row["entries"], actors=sorted(row["actors"]), actor=row["actor"], at=at)
