"""Curricula: create and list them, read one whole (the import/export document), read its audit trail.

Ids may contain any character, `/` included, hence the `:path` parameters; `app.py` mounts the
concept and task routers (``/curricula/{id}/concepts``...) before this one, whose bare
``/curricula/{id}`` would otherwise swallow them.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Response, status

from kgplatform.api.deps import AuditFilters, DesignerPrincipal, Limit, Offset, ReaderPrincipal
from kgplatform.api.etags import LOCATION, with_headers
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.curriculum import service
from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.import_service import curriculum_etag
from kgplatform.curriculum.models import (
    AuditEntry,
    Curriculum,
    CurriculumIn,
    CurriculumSummary,
    EntityType,
    Page,
)

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
    # Ids may hold any character; a header carries only latin-1, so the id is percent-encoded.
    response.headers["Location"] = f"/curricula/{quote(curriculum.id, safe='/')}"
    return curriculum


@router.get("", summary="Every curriculum with its number of concepts")
def list_curricula(graph: BoundedGraphDep, _: ReaderPrincipal) -> list[CurriculumSummary]:
    return service.list_curricula(graph)


@router.get("/{curriculum_id:path}/audit", summary="The curriculum's audit trail, newest first")
def curriculum_audit(
    curriculum_id: str,
    graph: BoundedGraphDep,
    _: DesignerPrincipal,
    filters: AuditFilters,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[AuditEntry]:
    service.require_curriculum(graph, curriculum_id)
    return service.read_audit(
        graph, EntityType.CURRICULUM, curriculum_id, limit=limit, offset=offset, filters=filters
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
    "/{curriculum_id:path}",
    summary="The whole curriculum (import/export JSON shape)",
    responses={200: with_headers(CURRICULUM_ETAG)},
)
def get_curriculum(
    curriculum_id: str, graph: BoundedGraphDep, _: ReaderPrincipal, response: Response
) -> CurriculumDocument:
    # With the ETag an import's If-Match takes: a designer editing this document had nothing to guard the
    # import of it with; only /export sent it (a review, s34). Read before the document, as /export does:
    # an edit landing in between makes the ETag older than the document, so the import is refused (safe).
    response.headers["ETag"] = curriculum_etag(graph, curriculum_id)
    return service.get_curriculum_document(graph, curriculum_id)
