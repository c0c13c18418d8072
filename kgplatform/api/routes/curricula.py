"""Curricula: create and list them, read one whole (the import/export document), read its audit trail.

Ids may contain any character, `/` included, hence the `:id` parameters (routes/__init__.py); `app.py`
mounts the concept and task routers (``/curricula/{id}/concepts``...) before this one, whose bare
``/curricula/{id}`` would otherwise swallow them.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Response, status

from kgplatform.api.deps import (
    AuditFilters,
    DesignerPrincipal,
    Limit,
    ReaderPrincipal,
    TrailPosition,
    header_text,
)
from kgplatform.api.etags import LOCATION, with_headers, with_location
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.api.params import EntityId
from kgplatform.curriculum import service
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.import_service import curriculum_etag
from kgplatform.curriculum.models import (
    AuditPage,
    Curriculum,
    CurriculumIn,
    CurriculumSummary,
    EntityType,
)
from kgplatform.curriculum.versions import not_modified

router = APIRouter(prefix="/curricula", tags=["curricula"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an empty curriculum",
    responses={201: with_headers(LOCATION)},
)
def create_curriculum(
    body: CurriculumIn, graph: BoundedGraphDep, who: DesignerPrincipal, response: Response
) -> Curriculum:
    curriculum = service.create_curriculum(graph, body, who.actor)
    with_location(response, "curricula", curriculum.id)
    return curriculum


@router.get("", summary="Every curriculum with its number of concepts")
def list_curricula(graph: BoundedGraphDep, _: ReaderPrincipal) -> list[CurriculumSummary]:
    return service.list_curricula(graph)


@router.get("/{curriculum_id:id}/audit", summary="The curriculum's audit trail, newest first")
def curriculum_audit(
    curriculum_id: EntityId,
    graph: BoundedGraphDep,
    _: DesignerPrincipal,
    filters: AuditFilters,
    position: TrailPosition,
    limit: Limit = 50,
) -> AuditPage:
    service.require_curriculum(graph, curriculum_id)
    return service.read_audit(
        graph,
        EntityType.CURRICULUM,
        curriculum_id,
        limit=limit,
        offset=position.offset,
        filters=filters,
        after=position.after,
    )


# The curriculum's ETag, as `GET /curricula/{id}/export` sends it.
CURRICULUM_ETAG = {
    "ETag": {
        "description": "When the curriculum last changed: send it as the If-Match of an import of this "
        "document (POST /curricula/{id}/import), which is then refused with 412 if anyone changed it since",
        "schema": {"type": "string"},
    }
}


@router.get(
    "/{curriculum_id:id}",
    summary="The whole curriculum (import/export JSON shape)",
    # Named here: the annotation's union with Response (the 304) is no model to document or validate.
    response_model=CurriculumDocument,
    responses={
        200: with_headers(CURRICULUM_ETAG),
        304: {
            "description": "Not modified: the If-None-Match named the curriculum's current ETag, so the "
            "copy the client holds is current (no body)",
            **with_headers(CURRICULUM_ETAG),
        },
    },
)
def get_curriculum(
    curriculum_id: EntityId,
    graph: BoundedGraphDep,
    _: ReaderPrincipal,
    response: Response,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="The ETag of a copy the client holds: when the curriculum has not changed since, "
            "the answer is 304 without a body (a 1,500-concept document is 1.2 MB and takes seconds to read)",
            json_schema_extra=header_text(),
        ),
    ] = None,
    tasks: Annotated[
        bool,
        Query(
            description="false: the document without its tasks (an empty list), for a client that draws "
            "the concepts and their prerequisites only, as the web page's Learner view does (a "
            "3,000-concept curriculum's 9,000 tasks were 1.6 MB of its 2.5 MB); the ETag is the same"
        ),
    ] = True,
) -> CurriculumDocument | Response:
    # With the ETag an import's If-Match takes: a designer editing this document had nothing to guard the
    # import of it with; only /export sent it (a review, s34). Read before the document, as /export does:
    # an edit landing in between makes the ETag older than the document, so the import is refused (safe),
    # and a client holding that copy reads it again next time (the ETag no longer matches).
    current = curriculum_etag(graph, curriculum_id)
    if not_modified(if_none_match, current):
        # The learner view read the whole curriculum again for every learner opened (2.6 s for 1,500
        # concepts) although it had rarely changed (a review, s39).
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": current})
    response.headers["ETag"] = current
    return service.get_curriculum_document(graph, curriculum_id, tasks=tasks)
