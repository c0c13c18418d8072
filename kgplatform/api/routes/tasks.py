"""Tasks: create in a curriculum (exercising >= 1 existing concept), list (search, paging), read
(ETag), change and delete (If-Match), audit trail. Thin: rules live in `kgplatform.curriculum.tasks`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kgplatform.api.deps import (
    AuditFilters,
    DesignerPrincipal,
    IfMatch,
    Limit,
    Offset,
    ReaderPrincipal,
    TrailPosition,
)
from kgplatform.api.etags import ETAG, LOCATION, with_etag, with_headers, with_location
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.api.params import EntityId
from kgplatform.curriculum import service, tasks
from kgplatform.curriculum.models import AuditPage, EntityType, Page, Task, TaskBody, TaskIn, TaskPatch

router = APIRouter(tags=["tasks"])


@router.post(
    "/curricula/{curriculum_id:id}/tasks",
    status_code=status.HTTP_201_CREATED,
    summary="Create a task (version 1)",
    responses={201: with_headers(ETAG, LOCATION)},
)
def create_task(
    curriculum_id: EntityId, body: TaskIn, graph: BoundedGraphDep, who: DesignerPrincipal, response: Response
) -> Task:
    task = tasks.create_task(graph, curriculum_id, body, who.actor)
    with_location(response, "tasks", task.id)
    return with_etag(response, task)


@router.get("/curricula/{curriculum_id:id}/tasks", summary="A curriculum's tasks, paged")
def list_tasks(
    curriculum_id: EntityId,
    graph: BoundedGraphDep,
    _: ReaderPrincipal,
    concept: Annotated[
        str | None, Query(max_length=200, description="Only tasks exercising this concept.")
    ] = None,
    q: Annotated[str | None, Query(max_length=200, description="Substring of title or id, any case.")] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Task]:
    service.require_curriculum(graph, curriculum_id)
    return tasks.list_tasks(graph, curriculum_id, concept_id=concept, text=q, limit=limit, offset=offset)


@router.get("/tasks/{task_id:id}/audit", summary="The task's audit trail, newest first")
def task_audit(
    task_id: EntityId,
    graph: BoundedGraphDep,
    _: DesignerPrincipal,
    filters: AuditFilters,
    position: TrailPosition,
    limit: Limit = 50,
) -> AuditPage:
    return service.read_audit(
        graph,
        EntityType.TASK,
        task_id,
        limit=limit,
        offset=position.offset,
        filters=filters,
        after=position.after,
    )


@router.get(
    "/tasks/{task_id:id}",
    summary="One task; its ETag is its version",
    responses={200: with_headers(ETAG)},
)
def get_task(task_id: EntityId, graph: BoundedGraphDep, _: ReaderPrincipal, response: Response) -> Task:
    return with_etag(response, tasks.get_task(graph, task_id))


@router.patch(
    "/tasks/{task_id:id}",
    summary="Change some fields (If-Match required)",
    responses={200: with_headers(ETAG)},
)
def patch_task(
    task_id: EntityId,
    body: TaskPatch,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> Task:
    return with_etag(response, tasks.update_task(graph, task_id, if_match, body, who.actor))


@router.put(
    "/tasks/{task_id:id}",
    summary="Replace every field (If-Match required)",
    responses={200: with_headers(ETAG)},
)
def put_task(
    task_id: EntityId,
    body: TaskBody,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> Task:
    return with_etag(response, tasks.update_task(graph, task_id, if_match, body, who.actor))


@router.delete(
    "/tasks/{task_id:id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete (If-Match required)"
)
def delete_task(
    task_id: EntityId, graph: BoundedGraphDep, who: DesignerPrincipal, if_match: IfMatch = None
) -> Response:
    tasks.delete_task(graph, task_id, if_match, who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
