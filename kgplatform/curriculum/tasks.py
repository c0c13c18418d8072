"""Tasks: each exercises at least one existing concept of its own curriculum; versions and audit as
for concepts. Rules are pure `decide_*` functions the store runs under lock."""

from __future__ import annotations

from functools import partial
from typing import Any

from kgplatform.curriculum import audit, store
from kgplatform.curriculum.conflicts import naming_the_newest_change
from kgplatform.curriculum.models import (
    AuditAction,
    EntityType,
    Page,
    Task,
    TaskBody,
    TaskIn,
    TaskPatch,
)
from kgplatform.curriculum.versions import check_version, parse_if_match
from kgplatform.errors import Conflict, NotFound, ValidationFailed
from kgplatform.graph.driver import Graph

TASK_FIELDS = ("title", "kind", "difficulty", "estimated_minutes")


def task_snapshot(task: dict[str, Any]) -> dict[str, Any]:
    return {
        **{f: task.get(f) for f in TASK_FIELDS},
        "concepts": sorted(task.get("concepts") or []),
        "version": task["version"],
    }


def _task(row: dict[str, Any]) -> Task:
    return Task(**{**row, "concepts": sorted(row.get("concepts") or [])})


def check_concepts(concepts: list[str], found: dict[str, str], curriculum_id: str) -> None:
    """Every concept exists (404 naming the unknown ones) and is in the task's curriculum (422)."""
    unknown = [c for c in concepts if c not in found]
    if unknown:
        raise NotFound(f"unknown concept ids: {', '.join(unknown)}", field="concepts", unknown_ids=unknown)
    foreign = [c for c in concepts if found[c] != curriculum_id]
    if foreign:
        raise ValidationFailed(
            f"concepts {', '.join(foreign)} are not in curriculum {curriculum_id!r}",
            field="concepts",
            foreign_ids=foreign,
        )


def decide_task_creation(
    curriculum_id: str,
    body: TaskIn,
    actor: str,
    curriculum: dict[str, Any] | None,
    context: store.TaskContext,
) -> store.TaskWrite:
    if curriculum is None:
        raise NotFound(f"no curriculum {curriculum_id!r}", field="curriculum_id")
    if context.task is not None:
        raise Conflict(
            f"task id {body.id!r} is already taken (in curriculum {context.task['curriculum_id']!r})",
            field="id",
        )
    check_concepts(body.concepts, context.found_concepts, curriculum_id)
    values = body.model_dump(mode="json")
    # An id deleted before continues from its last version (`store.create_task`).
    new = {
        **{f: values[f] for f in TASK_FIELDS},
        "concepts": sorted(body.concepts),
        "version": context.created_version,
    }
    return store.TaskWrite(
        props={"id": body.id, **{f: values[f] for f in TASK_FIELDS}},
        concepts=list(body.concepts),
        audit=[
            audit.entry(
                actor=actor,
                action=AuditAction.CREATE,
                entity_type=EntityType.TASK,
                entity_id=body.id,
                curriculum_id=curriculum_id,
                new=new,
            )
        ],
    )


def create_task(graph: Graph, curriculum_id: str, body: TaskIn, actor: str) -> Task:
    decide = partial(decide_task_creation, curriculum_id, body, actor)
    return _task(store.create_task(graph, curriculum_id, body.id, body.concepts, decide))


def get_task(graph: Graph, task_id: str) -> Task:
    row = store.get_task(graph, task_id)
    if row is None:
        raise NotFound(f"no task {task_id!r}", field="task_id")
    return _task(row)


def decide_task_update(
    task_id: str, accepted: set[int], change: TaskPatch | TaskBody, actor: str, context: store.TaskContext
) -> store.TaskWrite:
    current = context.task
    if current is None:
        raise NotFound(f"no task {task_id!r}", field="task_id")
    check_version("task", task_id, current["version"], accepted)
    new_values = change.changes() if isinstance(change, TaskPatch) else change.model_dump(mode="json")
    if "concepts" in new_values:
        check_concepts(list(new_values["concepts"]), context.found_concepts, current["curriculum_id"])
    old = task_snapshot(current)
    new = {**old, **new_values, "version": current["version"] + 1}
    new["concepts"] = sorted(new["concepts"])
    if all(new[name] == old.get(name) for name in new_values):  # both concept lists are sorted
        return store.TaskWrite(props={}, concepts=[], audit=[], unchanged=True)
    return store.TaskWrite(
        props={f: new[f] for f in TASK_FIELDS},
        concepts=new["concepts"],
        audit=[
            audit.entry(
                actor=actor,
                action=AuditAction.UPDATE,
                entity_type=EntityType.TASK,
                entity_id=task_id,
                curriculum_id=current["curriculum_id"],
                old=old,
                new=new,
            )
        ],
    )


def update_task(
    graph: Graph, task_id: str, if_match: str | None, change: TaskPatch | TaskBody, actor: str
) -> Task:
    accepted = parse_if_match(if_match)
    concepts = change.concepts
    decide = partial(decide_task_update, task_id, accepted, change, actor)
    with naming_the_newest_change(graph, EntityType.TASK, task_id):
        return _task(store.update_task(graph, task_id, concepts, decide))


def decide_task_deletion(
    task_id: str, accepted: set[int], actor: str, current: dict[str, Any] | None
) -> store.AuditRows:
    if current is None:
        raise NotFound(f"no task {task_id!r}", field="task_id")
    check_version("task", task_id, current["version"], accepted)
    return [
        audit.entry(
            actor=actor,
            action=AuditAction.DELETE,
            entity_type=EntityType.TASK,
            entity_id=task_id,
            curriculum_id=current["curriculum_id"],
            old=task_snapshot(current),
        )
    ]


def delete_task(graph: Graph, task_id: str, if_match: str | None, actor: str) -> None:
    decide = partial(decide_task_deletion, task_id, parse_if_match(if_match), actor)
    with naming_the_newest_change(graph, EntityType.TASK, task_id):
        store.delete_task(graph, task_id, decide)


def list_tasks(
    graph: Graph, curriculum_id: str, *, concept_id: str | None, text: str | None, limit: int, offset: int
) -> Page[Task]:
    total, items = store.list_tasks(
        graph, curriculum_id, concept_id=concept_id, text=text or None, offset=offset, limit=limit
    )
    return Page[Task](items=[_task(i) for i in items], total=total, limit=limit, offset=offset)
