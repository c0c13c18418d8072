"""The curriculum's only door into Neo4j: named queries, and the locked read-decide-write transactions.

Every change runs as one managed write transaction: lock the nodes involved, read them, let the
caller's pure `decide` function (from `service`) check versions and rules and compose the audit
entries, then write the change and its audit entries. Locks are always taken in one order, the owning
curricula first (`lock_owning_curricula`), then concepts and tasks, so two writers do not deadlock (the
one exception, a concept that moved to another curriculum while a writer waited, is in that function).
Because the lock comes before the read, a concurrent writer waits and then sees the committed result,
so version checks cannot both pass. Transactions take the graph's timeout (see `Graph`).
A `decide` that raises rolls the transaction back, so a refused change writes nothing. The driver
may re-run the whole function on a transient error (e.g. a deadlock), which is why `decide` is pure.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, TypeVar

from neo4j import ManagedTransaction
from neo4j import exceptions as neo4j_errors

from kgplatform.audit import cursor
from kgplatform.audit.cursor import After
from kgplatform.audit.window import Window
from kgplatform.curriculum.audit import explain
from kgplatform.curriculum.models import AuditFilter
from kgplatform.errors import Conflict
from kgplatform.graph import torn_rows
from kgplatform.graph.driver import Graph, Row, plain_rows
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native

T = TypeVar("T")
EntityKind = Literal["concept", "task"]
AuditRows = list[dict[str, Any]]
# Owner reads before giving up on a concept that keeps moving between curricula (lock_owning_curricula).
OWNER_LOOKUPS = 3


def _run(tx: ManagedTransaction, query: str, /, **params: Any) -> list[Row]:
    return [native(record.data()) for record in tx.run(query_text(query), params)]


def _write(graph: Graph, work: Callable[[ManagedTransaction], T]) -> T:
    """`work` in one write transaction, bounded by the graph's transaction timeout (see `Graph`)."""
    try:
        return graph.execute_write(work)
    except neo4j_errors.ConstraintError as error:
        # Two creators raced for one id; the loser learns it here, after the pre-check passed.
        raise Conflict(f"an id is already taken: {error.message}", field="id") from error


def _read(graph: Graph, work: Callable[[ManagedTransaction], T]) -> T:
    return graph.execute_read(work)


def links_changed(tx: ManagedTransaction, changes: dict[str, list[str]]) -> None:
    """Moves the version (the ETag) of each concept whose links changed, noting what changed: `changes`
    maps a concept id to what happened to its links ("edge a → b added"). A delete removes a concept's
    links with it, so one read before another designer linked something to it must not pass its If-Match
    (cypher/curriculum/bump_concept_links.cypher says why, and why the version rather than a stamp of its
    own)."""
    if changes:
        rows = [{"id": cid, "what": what} for cid, what in sorted(changes.items()) if what]
        _run(tx, "curriculum/bump_concept_links", changes=rows)


def edge_label(prerequisite: str, concept: str) -> str:
    """An edge as a concept's link changes name it (here and in an import's)."""
    return f"{prerequisite} → {concept}"


def _locked_concept(row: Row) -> dict[str, Any]:
    """The concept as `decide` sees it: with the last changes of its links, which a 412 names."""
    return {**row["concept"], "link_changes": list(row.get("link_changes") or [])}


def bump_revision(tx: ManagedTransaction) -> None:
    """Counts a change to which concepts the answers of a task reach (cypher/curriculum/
    bump_curriculum_revision.cypher says why), in the transaction making it."""
    _run(tx, "curriculum/bump_curriculum_revision")


def lock_owning_curricula(
    tx: ManagedTransaction,
    *,
    curriculum_ids: Sequence[str] = (),
    concept_ids: Sequence[str] = (),
    task_ids: Sequence[str] = (),
) -> None:
    """Write-locks, in id order, the given curricula and those the given concepts and tasks belong to:
    the first lock of every writer, before any concept or task (cypher/curriculum/lock_curricula).

    The owners are read without a lock, so between that read and the lock a concept can be deleted and
    created again under its id in another curriculum. They are read again once locked: an owner whose lock
    we hold can no longer lose the concept (a delete locks it), so a second read that names only locked
    curricula is final. One that names another is locked too, out of id order; a deadlock that causes is
    detected by Neo4j and the managed transaction reruns."""
    locked: set[str] = set()
    wanted = set(curriculum_ids) | _owners(tx, concept_ids, task_ids)
    for _ in range(OWNER_LOOKUPS):
        missing = wanted - locked
        if not missing:
            return
        _run(tx, "curriculum/lock_curricula", ids=sorted(missing))
        locked |= missing
        wanted = set(curriculum_ids) | _owners(tx, concept_ids, task_ids)
    if wanted <= locked:
        return
    raise Conflict(
        "a concept or task moved to another curriculum while this change waited for its locks; try again",
        field="id",
    )


def _owners(tx: ManagedTransaction, concept_ids: Sequence[str], task_ids: Sequence[str]) -> set[str]:
    ids: set[str] = set()
    if concept_ids:
        ids |= _curricula_of(tx, "curriculum/find_concept_curricula", concept_ids)
    if task_ids:
        ids |= _curricula_of(tx, "curriculum/find_task_curricula", task_ids)
    return ids


def _curricula_of(tx: ManagedTransaction, query: str, ids: Sequence[str]) -> set[str]:
    """The curricula of these concepts or tasks, as read without locks. A row's curriculum can read null (a
    node deleted while the statement read it gives the properties not read yet as null: docs/curricula.md),
    and a task creation once failed so in CI's browser test, a TypeError sorting the ids to lock and a 500
    (7 December 2026; why the concept's curriculum read null there is not known: no concept was being
    deleted). Such a row names no curriculum to lock; the owners are read again under the locks, and the
    writer's own reads under them decide what the node is."""
    rows = _run(tx, query, ids=sorted(set(ids)))
    return {r["curriculum_id"] for r in rows if r["curriculum_id"] is not None}


def _created_version(tx: ManagedTransaction, kind: str, entity_id: str) -> int:
    """The version a create under this id stores: 1, or one after a deleted concept's or task's of the id
    (`create_concept.cypher`), so that its audit entry says the version the entity really has."""
    retired = _run(tx, "curriculum/get_retired_version", key=f"{kind}:{entity_id}")
    return int(retired[0]["version"]) + 1 if retired else 1


def write_audit(
    tx: ManagedTransaction, entries: AuditRows, moved: dict[str, list[str]] | None = None
) -> None:
    """Writes the change's entries, linked to the concepts whose versions it moved (`moved`, what
    `links_changed` was given) where no entry in their trail says so already (`audit.explain`): a link
    change moves a concept's ETag, and the 412 that follows sent the designer to a trail that did not
    show it (a review, 3 December)."""
    if entries:
        _run(tx, "curriculum/create_audit_entries", entries=explain(entries, moved or {}))


# --- curricula ---------------------------------------------------------------------------------


def get_curriculum(graph: Graph, curriculum_id: str) -> dict[str, Any] | None:
    rows = graph.read("curriculum/get_curriculum", id=curriculum_id)
    return native(rows[0]["curriculum"]) if rows else None


def list_curricula(graph: Graph) -> list[dict[str, Any]]:
    rows = graph.read("curriculum/list_curricula")
    return [{**native(r["curriculum"]), "concepts": r["concepts"]} for r in rows]


def create_curriculum(
    graph: Graph, props: dict[str, Any], decide: Callable[[dict[str, Any] | None], AuditRows]
) -> dict[str, Any]:
    def work(tx: ManagedTransaction) -> dict[str, Any]:
        existing = _run(tx, "curriculum/get_curriculum", id=props["id"])
        audit = decide(existing[0]["curriculum"] if existing else None)
        created = _run(tx, "curriculum/create_curriculum", **props)[0]["curriculum"]
        write_audit(tx, audit)
        return dict(created)

    return _write(graph, work)


# --- rows of nodes deleted while they were read --------------------------------------------------


# The fields a stored concept or task always has (a concept's difficulty may be null), as the single and
# list reads give them and as the whole-curriculum read's document rows do: a row without one may be of a
# node deleted while it was read (`torn_rows`). Every stored task exercises a concept (deleting its last
# concept deletes the task), and a task's concepts read after its delete are none.
REQUIRED_FIELDS: dict[EntityKind, frozenset[str]] = {
    "concept": frozenset(
        {"id", "curriculum_id", "name", "description", "tags", "version", "created_at", "updated_at"}
    ),
    "task": frozenset(
        {"id", "curriculum_id", "title", "kind", "difficulty", "estimated_minutes", "version", "created_at"}
        | {"updated_at"}
    ),
}
DOCUMENT_FIELDS: dict[EntityKind, frozenset[str]] = {
    "concept": frozenset({"id", "name", "description", "tags"}),
    "task": frozenset({"id", "title", "kind", "difficulty", "estimated_minutes"}),
}
NON_EMPTY_FIELDS: dict[EntityKind, tuple[str, ...]] = {"concept": (), "task": ("concepts",)}


def whole_rows(
    tx: ManagedTransaction, kind: EntityKind, rows: list[Row], required: frozenset[str] | None = None
) -> list[Row]:
    """`rows` (of concepts or tasks, read in `tx`; their fields `required`, by default a node's own) less
    those of nodes deleted while the statement read them: a statement after the read sees the delete
    (`torn_rows`; a review, 6 December 2026)."""

    def find_gone(ids: list[str]) -> list[str]:
        asked = {"concept_ids": ids if kind == "concept" else [], "task_ids": ids if kind == "task" else []}
        (gone,) = _run(tx, "curriculum/find_gone_entities", **asked)
        return gone["concepts"] + gone["tasks"]

    required = REQUIRED_FIELDS[kind] if required is None else required
    return torn_rows.without_torn(rows, required, find_gone, NON_EMPTY_FIELDS[kind])


def _whole_page(graph: Graph, kind: EntityKind, query: str, /, **params: Any) -> tuple[int, list[Row]]:
    """A page of concepts or tasks (`query` gives its total and items) less the rows of nodes deleted while
    it was read (`whole_rows`); such a node was counted in the total too, which leaves it out as well."""

    def work(tx: ManagedTransaction) -> tuple[int, list[Row]]:
        (row,) = _run(tx, query, **params)
        items = row["items"]
        whole = whole_rows(tx, kind, items)
        return row["total"] - (len(items) - len(whole)), whole

    return _read(graph, work)


def _one_whole(tx: ManagedTransaction, kind: EntityKind, rows: list[Row]) -> dict[str, Any] | None:
    whole = whole_rows(tx, kind, [row[kind] for row in rows])
    return whole[0] if whole else None


# --- concepts ----------------------------------------------------------------------------------


def get_concept(graph: Graph, concept_id: str) -> dict[str, Any] | None:
    """The concept, or None when unknown or deleted while it was read (`whole_rows`)."""
    return _read(
        graph, lambda tx: _one_whole(tx, "concept", _run(tx, "curriculum/get_concept", id=concept_id))
    )


def find_concepts(graph: Graph, ids: Sequence[str]) -> dict[str, str]:
    """Existing concept ids among `ids`, each with its curriculum id."""
    return {r["id"]: r["curriculum_id"] for r in graph.read("curriculum/find_concept_ids", ids=list(ids))}


@dataclass(frozen=True)
class ConceptWrite:
    """What `decide` wants written: the concept's field values and the audit entries; nothing at all
    when `unchanged` (a save that changes no field keeps the version, so nobody's If-Match goes stale)."""

    props: dict[str, Any]
    audit: AuditRows
    unchanged: bool = False


def create_concept(
    graph: Graph,
    curriculum_id: str,
    concept_id: str,
    decide: Callable[[dict[str, Any] | None, dict[str, Any] | None, int], ConceptWrite],
) -> dict[str, Any]:
    """`decide(curriculum, existing_concept, version)` sees whether the curriculum exists and the id is
    free, and the version the new concept gets (after a deleted one's of the same id)."""

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock_owning_curricula(tx, curriculum_ids=[curriculum_id])
        curriculum = _run(tx, "curriculum/get_curriculum", id=curriculum_id)
        existing = _run(tx, "curriculum/get_concept", id=concept_id)
        change = decide(
            curriculum[0]["curriculum"] if curriculum else None,
            existing[0]["concept"] if existing else None,
            _created_version(tx, "concept", concept_id),
        )
        created = _run(tx, "curriculum/create_concept", curriculum_id=curriculum_id, props=change.props)
        write_audit(tx, change.audit)
        return dict(created[0]["concept"])

    return _write(graph, work)


def update_concept(
    graph: Graph, concept_id: str, decide: Callable[[dict[str, Any] | None], ConceptWrite]
) -> dict[str, Any]:
    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock_owning_curricula(tx, concept_ids=[concept_id])
        locked = _run(tx, "curriculum/lock_concept", id=concept_id)
        change = decide(_locked_concept(locked[0]) if locked else None)
        if change.unchanged:
            return dict(locked[0]["concept"])
        updated = _run(tx, "curriculum/update_concept", id=concept_id, props=change.props)
        write_audit(tx, change.audit)
        return dict(updated[0]["concept"])

    return _write(graph, work)


@dataclass(frozen=True)
class ConceptLinks:
    """A locked concept and everything attached to it, as `decide` sees it before a delete."""

    concept: dict[str, Any] | None
    incoming: list[dict[str, Any]] = field(default_factory=list)
    outgoing: list[dict[str, Any]] = field(default_factory=list)
    tasks: list[dict[str, Any]] = field(default_factory=list)
    # Learner data that goes with the concept (its HAS_GOAL and MASTERY relationships).
    learners_with_goal: int = 0
    mastery_values: int = 0


@dataclass(frozen=True)
class ConceptDeletion:
    """What `decide` wants removed besides the concept, and the audit entries."""

    delete_task_ids: list[str]
    bump_task_ids: list[str]
    audit: AuditRows


def delete_concept(
    graph: Graph, concept_id: str, decide: Callable[[ConceptLinks], ConceptDeletion]
) -> ConceptDeletion:
    def work(tx: ManagedTransaction) -> ConceptDeletion:
        lock_owning_curricula(tx, concept_ids=[concept_id])
        locked = _run(tx, "curriculum/lock_concept", id=concept_id)
        if not locked:
            return decide(ConceptLinks(concept=None))
        _run(tx, "curriculum/lock_concept_tasks", id=concept_id)
        links = _run(tx, "curriculum/inspect_concept_links", id=concept_id)[0]
        deletion = decide(
            ConceptLinks(
                concept=_locked_concept(locked[0]),
                incoming=links["incoming"],
                outgoing=links["outgoing"],
                tasks=links["tasks"],
                learners_with_goal=links["learners_with_goal"],
                mastery_values=links["mastery_values"],
            )
        )
        if deletion.delete_task_ids:
            _run(tx, "curriculum/delete_tasks", ids=deletion.delete_task_ids)
        _run(tx, "curriculum/delete_concept", id=concept_id)
        if links["tasks"]:  # they lose this concept or go: what their answers reach changes
            bump_revision(tx)
        if deletion.bump_task_ids:
            _run(tx, "curriculum/bump_task_versions", ids=deletion.bump_task_ids)
        # The other ends of its edges, and the other concepts of the tasks that lost it, lost a link.
        others: dict[str, list[str]] = {}
        for edge in links["incoming"] + links["outgoing"]:
            other = edge["prerequisite"] if edge["concept"] == concept_id else edge["concept"]
            others.setdefault(other, []).append(
                f"edge {edge_label(edge['prerequisite'], edge['concept'])} removed ({concept_id} deleted)"
            )
        for task in links["tasks"]:
            if task["id"] in deletion.bump_task_ids:
                for other in task["concepts"]:
                    if other != concept_id:
                        others.setdefault(other, []).append(
                            f"task {task['id']} no longer exercises {concept_id} ({concept_id} deleted)"
                        )
        links_changed(tx, others)
        write_audit(tx, deletion.audit, others)
        return deletion

    return _write(graph, work)


def list_concepts(
    graph: Graph, curriculum_id: str, *, text: str | None, tags: list[str], offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    return _whole_page(
        graph,
        "concept",
        "curriculum/list_concepts",
        curriculum_id=curriculum_id,
        text=text,
        tags=tags,
        offset=offset,
        limit=limit,
    )


def expand_neighbours(graph: Graph, concept_id: str, depth: int, *, towards_prerequisites: bool) -> list[Row]:
    """Breadth-first up to `depth` steps in one direction, one batched query per step, one read
    transaction: every edge met (prerequisite, concept, weight, name of the reached concept, step)."""
    name = "curriculum/expand_prerequisites" if towards_prerequisites else "curriculum/expand_dependants"
    reached_key = "prerequisite" if towards_prerequisites else "concept"

    def work(tx: ManagedTransaction) -> list[Row]:
        seen = {concept_id}
        frontier = [concept_id]
        edges: list[Row] = []
        for step in range(1, depth + 1):
            if not frontier:
                break
            rows = _run(tx, name, ids=frontier)
            edges.extend({**row, "step": step} for row in rows)
            frontier = sorted({row[reached_key] for row in rows} - seen)
            seen.update(frontier)
        return edges

    return _read(graph, work)


# --- prerequisites -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PrerequisiteContext:
    """Both endpoints locked: which exist (id -> curriculum), the edge if present, a closing path."""

    found: dict[str, str]
    existing: dict[str, Any] | None
    cycle_path: list[str] | None


def _prerequisite_context(
    tx: ManagedTransaction, prerequisite: str, concept: str, *, check_cycle: bool
) -> PrerequisiteContext:
    ids = sorted({prerequisite, concept})
    # The path query reads the whole curriculum, and every writer locks it first anyway
    # (curriculum/lock_curricula says why).
    lock_owning_curricula(tx, concept_ids=ids)
    found = {r["id"]: r["curriculum_id"] for r in _run(tx, "curriculum/lock_concepts", ids=ids)}
    if len(found) < 2:
        return PrerequisiteContext(found=found, existing=None, cycle_path=None)
    existing = _run(tx, "curriculum/find_prerequisite", prerequisite=prerequisite, concept=concept)
    path = (
        _run(tx, "curriculum/find_cycle_path", prerequisite=prerequisite, concept=concept)
        if check_cycle
        else []
    )
    return PrerequisiteContext(
        found=found, existing=existing[0] if existing else None, cycle_path=path[0]["path"] if path else None
    )


def add_prerequisite(
    graph: Graph,
    prerequisite: str,
    concept: str,
    weight: float,
    decide: Callable[[PrerequisiteContext], AuditRows],
) -> dict[str, Any]:
    """Locks the curricula, then both concepts, before the duplicate and cycle checks: two concurrent
    additions that would together close a cycle (a->b and b->a, or a->b and c->d with b->c and d->a
    stored) then run one after the other, and the second sees the first edge in its path query; without
    the locks both path checks could pass on the old graph."""

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        audit = decide(_prerequisite_context(tx, prerequisite, concept, check_cycle=True))
        created = _run(
            tx, "curriculum/create_prerequisite", prerequisite=prerequisite, concept=concept, weight=weight
        )
        what = [f"edge {edge_label(prerequisite, concept)} added"]
        links_changed(tx, {prerequisite: what, concept: what})
        write_audit(tx, audit, {prerequisite: what, concept: what})
        return created[0]

    return _write(graph, work)


def get_prerequisite(graph: Graph, prerequisite: str, concept: str) -> dict[str, Any] | None:
    rows = graph.read("curriculum/find_prerequisite", prerequisite=prerequisite, concept=concept)
    return native(rows[0]) if rows else None


def change_prerequisite_weight(
    graph: Graph,
    prerequisite: str,
    concept: str,
    weight: float,
    decide: Callable[[PrerequisiteContext], AuditRows],
) -> dict[str, Any]:
    """Both concepts locked before the edge is read and its ETag checked, as for an addition: a change
    and a removal (or another change) of one edge run one after the other. No entry: the weight was
    already `weight`, and nothing is written."""

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        context = _prerequisite_context(tx, prerequisite, concept, check_cycle=False)
        audit = decide(context)
        if not audit:
            return {"prerequisite": prerequisite, "concept": concept, **(context.existing or {})}
        changed = _run(
            tx,
            "curriculum/update_prerequisite_weight",
            prerequisite=prerequisite,
            concept=concept,
            weight=weight,
        )
        old = (context.existing or {}).get("weight")
        what = [f"edge {edge_label(prerequisite, concept)} weight {old!r} → {weight!r}"]
        links_changed(tx, {prerequisite: what, concept: what})
        write_audit(tx, audit, {prerequisite: what, concept: what})
        return changed[0]

    return _write(graph, work)


def remove_prerequisite(
    graph: Graph, prerequisite: str, concept: str, decide: Callable[[PrerequisiteContext], AuditRows]
) -> None:
    def work(tx: ManagedTransaction) -> None:
        audit = decide(_prerequisite_context(tx, prerequisite, concept, check_cycle=False))
        _run(tx, "curriculum/delete_prerequisite", prerequisite=prerequisite, concept=concept)
        what = [f"edge {edge_label(prerequisite, concept)} removed"]
        links_changed(tx, {prerequisite: what, concept: what})
        write_audit(tx, audit, {prerequisite: what, concept: what})

    _write(graph, work)


# --- tasks -------------------------------------------------------------------------------------


def get_task(graph: Graph, task_id: str) -> dict[str, Any] | None:
    """The task, or None when unknown or deleted while it was read (`whole_rows`)."""
    return _read(graph, lambda tx: _one_whole(tx, "task", _run(tx, "curriculum/get_task", id=task_id)))


@dataclass(frozen=True)
class TaskContext:
    """A task (locked, or None when absent) and the requested concepts that exist (locked); for a create,
    the version the new task gets (after a deleted one's of the same id)."""

    task: dict[str, Any] | None
    found_concepts: dict[str, str]
    created_version: int = 1


@dataclass(frozen=True)
class TaskWrite:
    """As `ConceptWrite`, with the task's concept list."""

    props: dict[str, Any]
    concepts: list[str]
    audit: AuditRows
    unchanged: bool = False


def create_task(
    graph: Graph,
    curriculum_id: str,
    task_id: str,
    concept_ids: Sequence[str],
    decide: Callable[[dict[str, Any] | None, TaskContext], TaskWrite],
) -> dict[str, Any]:
    """`decide(curriculum, context)`: the concepts are locked so none is deleted under the new task."""

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock_owning_curricula(tx, curriculum_ids=[curriculum_id], concept_ids=concept_ids)
        curriculum = _run(tx, "curriculum/get_curriculum", id=curriculum_id)
        found = {
            r["id"]: r["curriculum_id"]
            for r in _run(tx, "curriculum/lock_concepts", ids=sorted(set(concept_ids)))
        }
        existing = _run(tx, "curriculum/get_task", id=task_id)
        created_version = _created_version(tx, "task", task_id)
        change = decide(
            curriculum[0]["curriculum"] if curriculum else None,
            TaskContext(
                task=existing[0]["task"] if existing else None,
                found_concepts=found,
                created_version=created_version,
            ),
        )
        created = _run(
            tx,
            "curriculum/create_task",
            curriculum_id=curriculum_id,
            props=change.props,
            concepts=change.concepts,
        )
        # A RetiredId (a version to continue from) says the id was deleted as surely as its delete entry
        # does, and outlives that entry when `audit archive` moves it to a file.
        if created_version > 1 or _run(tx, "curriculum/count_task_deletions", id=task_id)[0]["deletions"]:
            bump_revision(tx)
        added = {cid: [f"task {task_id} added"] for cid in change.concepts}
        links_changed(tx, added)
        write_audit(tx, change.audit, added)
        return dict(created[0]["task"])

    return _write(graph, work)


def update_task(
    graph: Graph, task_id: str, concept_ids: Sequence[str] | None, decide: Callable[[TaskContext], TaskWrite]
) -> dict[str, Any]:
    """Locks the curricula involved, the task, then (when the concept list changes) the new concepts."""

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock_owning_curricula(tx, task_ids=[task_id], concept_ids=concept_ids or ())
        locked = _run(tx, "curriculum/lock_task", id=task_id)
        found = (
            {
                r["id"]: r["curriculum_id"]
                for r in _run(tx, "curriculum/lock_concepts", ids=sorted(set(concept_ids)))
            }
            if locked and concept_ids is not None
            else {}
        )
        change = decide(TaskContext(task=locked[0]["task"] if locked else None, found_concepts=found))
        if change.unchanged:
            return dict(locked[0]["task"])
        updated = _run(tx, "curriculum/update_task", id=task_id, props=change.props, concepts=change.concepts)
        before = set(locked[0]["task"]["concepts"])
        if set(change.concepts) != before:
            bump_revision(tx)
        # A cascade delete of one of its concepts deletes or trims this task: an edit of it is a change of
        # each concept it exercised or now exercises.
        moved = {
            cid: [
                f"task {task_id} "
                + (
                    "changed"
                    if cid in before and cid in change.concepts
                    else "now exercises it"
                    if cid in change.concepts
                    else "no longer exercises it"
                )
            ]
            for cid in before | set(change.concepts)
        }
        links_changed(tx, moved)
        write_audit(tx, change.audit, moved)
        return dict(updated[0]["task"])

    return _write(graph, work)


def delete_task(graph: Graph, task_id: str, decide: Callable[[dict[str, Any] | None], AuditRows]) -> None:
    def work(tx: ManagedTransaction) -> None:
        lock_owning_curricula(tx, task_ids=[task_id])
        locked = _run(tx, "curriculum/lock_task", id=task_id)
        audit = decide(locked[0]["task"] if locked else None)
        _run(tx, "curriculum/delete_task", id=task_id)
        deleted = {cid: [f"task {task_id} deleted"] for cid in locked[0]["task"]["concepts"]}
        links_changed(tx, deleted)
        bump_revision(tx)
        write_audit(tx, audit, deleted)

    _write(graph, work)


def list_tasks(
    graph: Graph, curriculum_id: str, *, concept_id: str | None, text: str | None, offset: int, limit: int
) -> tuple[int, list[dict[str, Any]]]:
    if concept_id is not None:
        # From the concept, not through every task of the curriculum (the web page reads a concept's tasks
        # each time it opens or saves one).
        return _whole_page(
            graph,
            "task",
            "curriculum/list_concept_tasks",
            curriculum_id=curriculum_id,
            concept_id=concept_id,
            text=text,
            offset=offset,
            limit=limit,
        )
    return _whole_page(
        graph,
        "task",
        "curriculum/list_tasks",
        curriculum_id=curriculum_id,
        concept_id=concept_id,
        text=text,
        offset=offset,
        limit=limit,
    )


# --- audit and whole documents -----------------------------------------------------------------


def read_audit(
    graph: Graph,
    *,
    entity_type: str,
    entity_id: str,
    offset: int,
    limit: int,
    filters: AuditFilter,
    after: After | None = None,
) -> tuple[int, list[dict[str, Any]], str | None]:
    """Newest first; `entity_type` is concept (with its edges and the entries that moved its version),
    task, or curriculum (everything in it); `filters` narrow it, and `total` counts what they keep. The
    page is of the entries after `after` (a cursor's position) when given, else after `offset`; the third
    value is the next page's cursor, None on the last."""
    params = {
        **cursor.query_params(after),
        "offset": offset,
        "limit": limit,
        "actor": filters.actor,
        "action": filters.action.value if filters.action else None,
        "entity_type": filters.entity_type.value if filters.entity_type else None,
        # Always bounds, so the curriculum's read is a range seek of audit_curriculum_at (V0009).
        **Window(filters.since, filters.until).query_params(),
    }
    if entity_type == "concept":
        rows = graph.read("curriculum/read_concept_audit", id=entity_id, **params)
    elif entity_type == "task":
        rows = graph.read("curriculum/read_task_audit", id=entity_id, **params)
    else:
        rows = graph.read("curriculum/read_curriculum_audit", curriculum_id=entity_id, **params)
    items, following = cursor.split_page(rows[0]["items"], limit)
    return rows[0]["total"], native(items), following


def ever_existed(graph: Graph, *, entity_type: str, entity_id: str) -> bool:
    """Whether a concept or task id names one that exists now or was deleted (its RetiredId, which every
    delete keeps). Asked only of an empty audit trail: an imported concept has no entries of its own, and
    an id that never existed is a 404 rather than a trail saying it never changed."""

    def work(tx: ManagedTransaction) -> bool:
        if entity_type == "concept":
            current = _run(tx, "curriculum/get_concept", id=entity_id)
        else:
            current = _run(tx, "curriculum/get_task", id=entity_id)
        return bool(current) or bool(
            _run(tx, "curriculum/get_retired_version", key=f"{entity_type}:{entity_id}")
        )

    return graph.execute_read(work)


@dataclass(frozen=True)
class CurriculumRows:
    """A curriculum and all its rows (`read_curriculum_rows`)."""

    curriculum: dict[str, Any]
    concepts: list[Row]
    prerequisites: list[Row]
    tasks: list[Row]

    def dangling(self) -> set[str]:
        """Concept ids an edge or a task names that the concept rows do not hold."""
        known = {c["id"] for c in self.concepts}
        named = {e[end] for e in self.prerequisites for end in ("prerequisite", "concept")}
        named.update(cid for t in self.tasks for cid in t["concepts"] or ())
        return named - known

    def without(self, ids: set[str]) -> CurriculumRows:
        """These rows less every edge and task link naming one of `ids`, and less the tasks that exercised
        only those (they came with the concepts not seen)."""
        tasks = []
        for task in self.tasks:
            kept = [c for c in task["concepts"] or () if c not in ids]
            if kept or not task["concepts"]:
                tasks.append({**task, "concepts": kept})
        return replace(
            self,
            prerequisites=[e for e in self.prerequisites if not {e["prerequisite"], e["concept"]} & ids],
            tasks=tasks,
        )


# Reads of a curriculum that meet a half-seen write before they give up on a whole one.
READ_ATTEMPTS = 3


def read_curriculum_rows(graph: Graph, curriculum_id: str, *, tasks: bool = True) -> CurriculumRows | None:
    """The curriculum's concepts, edges and tasks, whole: never an edge or a task naming a concept missing
    from the concepts read. `tasks` False reads no task (an empty list): the web page's Learner view draws
    the concepts and edges only.

    The three statements share a transaction, but Neo4j reads at read-committed isolation, so an import
    committing between them could add concept X after the concepts were read and X's edges and tasks before
    the rest were: the plans' graph builder refused that document (a 422) and an export named a concept it
    did not hold (a review, 1 December). Such a read is read again; if writes keep landing in between,
    the last read is given without the references to what it did not see (X joins at the next read).
    A node deleted while a statement read it gives the properties not read yet as null (a task with no id
    and no concepts reached the planner as a 422; CI of 6 December 2026): rows missing a field are checked
    for existence after the reads (`whole_rows`) and those of deleted nodes left out.
    """

    def work(tx: ManagedTransaction) -> CurriculumRows | None:
        curriculum = _run(tx, "curriculum/get_curriculum", id=curriculum_id)
        if not curriculum:
            return None

        # Ids, text, numbers and lists of them: zipped, without `Record.data()` and `native`'s walk of
        # every value, which cost as much as the fetch (bench/bench_curriculum_export.py).
        def rows(name: str) -> list[Row]:
            return plain_rows(tx.run(query_text(name), {"curriculum_id": curriculum_id}))

        # Each statement's rows of nodes deleted while it read them are left out after it (`whole_rows`);
        # edges and task links naming a concept left out are then dangling, and read again below.
        concepts = whole_rows(
            tx, "concept", rows("curriculum/read_curriculum_concepts"), DOCUMENT_FIELDS["concept"]
        )
        prerequisites = rows("curriculum/read_curriculum_prerequisites")
        task_rows = (
            whole_rows(tx, "task", rows("curriculum/read_curriculum_tasks"), DOCUMENT_FIELDS["task"])
            if tasks
            else []
        )
        return CurriculumRows(curriculum[0]["curriculum"], concepts, prerequisites, task_rows)

    for _ in range(READ_ATTEMPTS):
        rows = _read(graph, work)
        if rows is None or not (dangling := rows.dangling()):
            return rows
    return rows.without(dangling)
