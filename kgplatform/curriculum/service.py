"""Curricula and concepts: the rules (ids, versions, what may be deleted) and the audit they leave.

Each change is a pure `decide_*` function run by the store inside its locked write transaction
(see `store`), so the rules are unit-tested without a database and hold under concurrency.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kgplatform.audit import store as audit_store
from kgplatform.audit.cursor import After
from kgplatform.curriculum import audit, store
from kgplatform.curriculum.conflicts import naming_the_newest_change
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.models import (
    STORED,
    AuditAction,
    AuditArchived,
    AuditFilter,
    AuditPage,
    Concept,
    ConceptBody,
    ConceptDeletionReport,
    ConceptIn,
    ConceptPatch,
    Curriculum,
    CurriculumIn,
    CurriculumSummary,
    Direction,
    Edge,
    EntityType,
    NeighbourEdge,
    Neighbourhood,
    NeighbourNode,
    Page,
)
from kgplatform.curriculum.tasks import task_snapshot
from kgplatform.curriculum.versions import (
    check_concept_version,
    parse_if_match,
    prerequisite_etag,
)
from kgplatform.errors import Conflict, NotFound
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import native
from kgplatform.wording import counted

CONCEPT_FIELDS = ("name", "description", "tags", "difficulty")
MAX_DEPTH = 10


def concept_snapshot(concept: dict[str, Any]) -> dict[str, Any]:
    """The designer-editable fields and version: what an audit entry's old/new hold for a concept."""
    return {**{f: concept.get(f) for f in CONCEPT_FIELDS}, "version": concept["version"]}


def _concept(row: dict[str, Any]) -> Concept:
    return Concept(**{**row, "tags": row.get("tags") or [], "description": row.get("description") or ""})


# --- curricula ---------------------------------------------------------------------------------


def decide_curriculum_creation(
    body: CurriculumIn, actor: str, existing: dict[str, Any] | None
) -> store.AuditRows:
    if existing is not None:
        raise Conflict(f"curriculum {body.id!r} already exists", field="id")
    return [
        audit.entry(
            actor=actor,
            action=AuditAction.CREATE,
            entity_type=EntityType.CURRICULUM,
            entity_id=body.id,
            curriculum_id=body.id,
            new=body.model_dump(),
        )
    ]


def create_curriculum(graph: Graph, body: CurriculumIn, actor: str) -> Curriculum:
    row = store.create_curriculum(graph, body.model_dump(), partial(decide_curriculum_creation, body, actor))
    return Curriculum(**native(row))


def list_curricula(graph: Graph) -> list[CurriculumSummary]:
    return [CurriculumSummary(**row) for row in store.list_curricula(graph)]


def require_curriculum(graph: Graph, curriculum_id: str) -> Curriculum:
    row = store.get_curriculum(graph, curriculum_id)
    if row is None:
        raise NotFound(f"no curriculum {curriculum_id!r}", field="curriculum_id")
    return Curriculum(**row)


def get_curriculum_document(graph: Graph, curriculum_id: str, *, tasks: bool = True) -> CurriculumDocument:
    """The whole curriculum in the import/export shape (one consistent read); `tasks` False: no task."""
    rows = store.read_curriculum_rows(graph, curriculum_id, tasks=tasks)
    if rows is None:
        raise NotFound(f"no curriculum {curriculum_id!r}", field="curriculum_id")
    cur = rows.curriculum
    return CurriculumDocument.model_validate(
        {
            "curriculum": {"id": cur["id"], "name": cur["name"], "description": cur.get("description") or ""},
            "concepts": [
                {**c, "tags": c["tags"] or [], "description": c["description"] or ""} for c in rows.concepts
            ],
            "prerequisites": rows.prerequisites,  # a missing weight reads as 1.0 (the query says why)
            "tasks": rows.tasks,
        },
        context=STORED,  # what is stored is shown as it is, ids from before a rule included
    )


# --- concepts ----------------------------------------------------------------------------------


def decide_concept_creation(
    curriculum_id: str,
    body: ConceptIn,
    actor: str,
    curriculum: dict[str, Any] | None,
    existing: dict[str, Any] | None,
    version: int = 1,
) -> store.ConceptWrite:
    if curriculum is None:
        raise NotFound(f"no curriculum {curriculum_id!r}", field="curriculum_id")
    if existing is not None:
        raise Conflict(
            f"concept id {body.id!r} is already taken (in curriculum {existing['curriculum_id']!r})",
            field="id",
        )
    props = body.model_dump()
    return store.ConceptWrite(
        props=props,
        audit=[
            audit.entry(
                actor=actor,
                action=AuditAction.CREATE,
                entity_type=EntityType.CONCEPT,
                entity_id=body.id,
                curriculum_id=curriculum_id,
                # An id deleted before continues from its last version (`store.create_concept`).
                new={**{f: props[f] for f in CONCEPT_FIELDS}, "version": version},
            )
        ],
    )


def create_concept(graph: Graph, curriculum_id: str, body: ConceptIn, actor: str) -> Concept:
    decide = partial(decide_concept_creation, curriculum_id, body, actor)
    return _concept(store.create_concept(graph, curriculum_id, body.id, decide))


def get_concept(graph: Graph, concept_id: str) -> Concept:
    row = store.get_concept(graph, concept_id)
    if row is None:
        raise NotFound(f"no concept {concept_id!r}", field="concept_id")
    return _concept(row)


def decide_concept_update(
    concept_id: str,
    accepted: set[int],
    change: ConceptPatch | ConceptBody,
    actor: str,
    current: dict[str, Any] | None,
) -> store.ConceptWrite:
    """A patch changes the fields sent; a full body (PUT) replaces all of them."""
    if current is None:
        raise NotFound(f"no concept {concept_id!r}", field="concept_id")
    check_concept_version(
        concept_id, current["version"], accepted, current.get("link_changes", []), deleting=False
    )
    new_values = change.changes() if isinstance(change, ConceptPatch) else change.model_dump()
    old = concept_snapshot(current)
    if all(old.get(name) == value for name, value in new_values.items()):
        return store.ConceptWrite(props={}, audit=[], unchanged=True)
    new = {**old, **new_values, "version": current["version"] + 1}
    return store.ConceptWrite(
        props={f: new[f] for f in CONCEPT_FIELDS},
        audit=[
            audit.entry(
                actor=actor,
                action=AuditAction.UPDATE,
                entity_type=EntityType.CONCEPT,
                entity_id=concept_id,
                curriculum_id=current["curriculum_id"],
                old=old,
                new=new,
            )
        ],
    )


def update_concept(
    graph: Graph, concept_id: str, if_match: str | None, change: ConceptPatch | ConceptBody, actor: str
) -> Concept:
    decide = partial(decide_concept_update, concept_id, parse_if_match(if_match), change, actor)
    with naming_the_newest_change(graph, EntityType.CONCEPT, concept_id):
        return _concept(store.update_concept(graph, concept_id, decide))


def decide_concept_deletion(
    concept_id: str, accepted: set[int], cascade: bool, actor: str, links: store.ConceptLinks
) -> store.ConceptDeletion:
    """Dependant concepts, tasks left with no concept and learners having it as a goal block a delete unless
    `cascade`; then the edges go (dependants stay, minus this prerequisite), orphaned tasks go, other tasks
    lose the link, and the learners lose the goal and their mastery of it (counted in the audit entry)."""
    current = links.concept
    if current is None:
        raise NotFound(f"no concept {concept_id!r}", field="concept_id")
    # The version moves with the links too (store.links_changed): a delete over an ETag read before
    # another designer added an edge or a task here would remove it unseen.
    check_concept_version(
        concept_id, current["version"], accepted, current.get("link_changes", []), deleting=True
    )
    dependants = sorted({e["concept"] for e in links.outgoing})
    orphans = sorted(t["id"] for t in links.tasks if set(t["concepts"]) <= {concept_id})
    goals = links.learners_with_goal
    if not cascade and (dependants or orphans or goals):
        raise Conflict(
            f"concept {concept_id!r} is still needed by {_needed_by(dependants, orphans, goals)}; remove "
            "those first or delete with ?cascade=true",
            field="concept_id",
            dependants=dependants,
            tasks=orphans,
            learners_with_goal=goals,
        )
    cid = current["curriculum_id"]
    entries = [
        audit.entry(
            actor=actor,
            action=AuditAction.DELETE,
            entity_type=EntityType.CONCEPT,
            entity_id=concept_id,
            curriculum_id=cid,
            old={**concept_snapshot(current), **_learner_data_removed(links)},
        )
    ]
    for edge in sorted(links.incoming + links.outgoing, key=lambda e: (e["prerequisite"], e["concept"])):
        entries.append(
            audit.edge_entry(
                actor=actor,
                action=AuditAction.DELETE,
                prerequisite=edge["prerequisite"],
                concept=edge["concept"],
                curriculum_id=cid,
                old_weight=edge["weight"],
            )
        )
    updated = []
    for task in sorted(links.tasks, key=lambda t: t["id"]):
        old_task = task_snapshot(task)
        if task["id"] in orphans:
            entries.append(
                audit.entry(
                    actor=actor,
                    action=AuditAction.DELETE,
                    entity_type=EntityType.TASK,
                    entity_id=task["id"],
                    curriculum_id=task["curriculum_id"],
                    old=old_task,
                )
            )
        else:
            updated.append(task["id"])
            new_task = {
                **old_task,
                "concepts": [c for c in old_task["concepts"] if c != concept_id],
                "version": task["version"] + 1,
            }
            entries.append(
                audit.entry(
                    actor=actor,
                    action=AuditAction.UPDATE,
                    entity_type=EntityType.TASK,
                    entity_id=task["id"],
                    curriculum_id=task["curriculum_id"],
                    old=old_task,
                    new=new_task,
                )
            )
    return store.ConceptDeletion(delete_task_ids=orphans, bump_task_ids=updated, audit=entries)


def _needed_by(dependants: list[str], orphans: list[str], learners_with_goal: int) -> str:
    parts = [f"dependant concepts {dependants}"] if dependants else []
    parts += [f"tasks exercising only it {orphans}"] if orphans else []
    parts += [f"the goals of {counted(learners_with_goal, 'learner')}"] if learners_with_goal else []
    return " and ".join(parts)


def _learner_data_removed(links: store.ConceptLinks) -> dict[str, int]:
    """Learners' goals and mastery values that go with the concept (in its report and audit entry)."""
    return {"learners_with_goal": links.learners_with_goal, "mastery_values_removed": links.mastery_values}


def delete_concept(
    graph: Graph, concept_id: str, if_match: str | None, cascade: bool, actor: str
) -> ConceptDeletionReport:
    accepted = parse_if_match(if_match)
    captured: dict[str, store.ConceptLinks] = {}

    def decide(links: store.ConceptLinks) -> store.ConceptDeletion:
        captured["links"] = links  # the last (committed) attempt's view, for the report
        return decide_concept_deletion(concept_id, accepted, cascade, actor, links)

    with naming_the_newest_change(graph, EntityType.CONCEPT, concept_id):
        deletion = store.delete_concept(graph, concept_id, decide)
    links = captured["links"]
    edges = sorted(links.incoming + links.outgoing, key=lambda e: (e["prerequisite"], e["concept"]))
    return ConceptDeletionReport(
        deleted=concept_id,
        cascade=cascade,
        removed_prerequisites=[Edge(**e) for e in edges],
        deleted_tasks=deletion.delete_task_ids,
        updated_tasks=deletion.bump_task_ids,
        **_learner_data_removed(links),
    )


def list_concepts(
    graph: Graph, curriculum_id: str, *, text: str | None, tags: list[str], limit: int, offset: int
) -> Page[Concept]:
    require_curriculum(graph, curriculum_id)
    total, items = store.list_concepts(
        graph, curriculum_id, text=text or None, tags=tags, offset=offset, limit=limit
    )
    return Page[Concept](items=[_concept(i) for i in items], total=total, limit=limit, offset=offset)


def build_neighbourhood(
    concept: Concept, depth: int, before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> Neighbourhood:
    """Nodes with signed distances (prerequisites negative) and the distinct edges met on the way."""
    nodes = {concept.id: NeighbourNode(id=concept.id, name=concept.name, distance=0)}
    for rows, key, sign in ((before, "prerequisite", -1), (after, "concept", 1)):
        for row in sorted(rows, key=lambda r: r["step"]):  # the fewest steps wins
            node = NeighbourNode(id=row[key], name=row["name"], distance=sign * row["step"])
            nodes.setdefault(row[key], node)
    edges = {(r["prerequisite"], r["concept"]): r for r in before + after}
    return Neighbourhood(
        concept=concept.id,
        depth=depth,
        nodes=sorted(nodes.values(), key=lambda n: (n.distance, n.id)),
        edges=[
            NeighbourEdge(
                prerequisite=p,
                concept=c,
                weight=r["weight"],
                etag=prerequisite_etag(r.get("created_us"), r["weight"]),
            )
            for (p, c), r in sorted(edges.items())
        ],
    )


def neighbourhood(graph: Graph, concept_id: str, depth: int, direction: Direction) -> Neighbourhood:
    concept = get_concept(graph, concept_id)
    before = (
        store.expand_neighbours(graph, concept_id, depth, towards_prerequisites=True)
        if direction != Direction.DEPENDANTS
        else []
    )
    after = (
        store.expand_neighbours(graph, concept_id, depth, towards_prerequisites=False)
        if direction != Direction.PREREQUISITES
        else []
    )
    return build_neighbourhood(concept, depth, before, after)


# A trail read without filters: every entry.
NO_FILTER = AuditFilter()


def read_audit(
    graph: Graph,
    entity_type: EntityType,
    entity_id: str,
    *,
    limit: int,
    offset: int,
    filters: AuditFilter = NO_FILTER,
    after: After | None = None,
) -> AuditPage:
    """A page of the trail, after the entry `after` names when given, else after `offset` entries; a
    concept or task id that never existed is a 404 (a curriculum's route checks its id first). A deleted
    one's trail stays readable, and so does an imported one's empty trail."""
    total, items, following = store.read_audit(
        graph,
        entity_type=entity_type.value,
        entity_id=entity_id,
        offset=offset,
        limit=limit,
        filters=filters,
        after=after,
    )
    # A typo in an id read as "never changed" (a review, s30). Only an empty trail needs the extra read:
    # an id with entries existed, and its delete (an entry too) must not hide them.
    if (
        not total
        and entity_type in (EntityType.CONCEPT, EntityType.TASK)
        and not store.ever_existed(graph, entity_type=entity_type.value, entity_id=entity_id)
    ):
        kind = entity_type.value
        raise NotFound(f"no {kind} {entity_id!r}", field=f"{kind}_id")
    # What `audit archive` moved to a file, so the trail is not read as beginning with its oldest entry left.
    listed = sorted({i["curriculum_id"] for i in items if i["curriculum_id"]})
    archived = audit_store.read_archive_note(
        graph,
        [entity_id] if entity_type == EntityType.CURRICULUM else listed,
        concept_id=entity_id if entity_type == EntityType.CONCEPT else None,
        task_id=entity_id if entity_type == EntityType.TASK else None,
    )
    return AuditPage(
        items=[audit.from_row(i) for i in items],
        total=total,
        limit=limit,
        offset=None if after is not None else offset,
        next=following,
        archived=AuditArchived(**archived) if archived else None,
    )
