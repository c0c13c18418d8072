"""Concepts: create in a curriculum, list with search and paging, read (ETag), change (If-Match),
delete (If-Match, `?cascade=true`), neighbourhood to depth N, audit trail. Thin: rules live in the service.

Ids may contain `/`, hence `:id` parameters (routes/__init__.py); the `/audit` and `/neighbourhood`
routes come first, so a concept id may not end in "/audit" or "/neighbourhood" (refused by `ConceptIn`:
such a concept could never be fetched)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic import StringConstraints

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
from kgplatform.curriculum import service
from kgplatform.curriculum.models import (
    MAX_TAG_LENGTH,
    MAX_TAGS,
    AuditPage,
    Concept,
    ConceptBody,
    ConceptDeletionReport,
    ConceptIn,
    ConceptPatch,
    Direction,
    EntityType,
    Neighbourhood,
    Page,
)

router = APIRouter(tags=["concepts"])


@router.post(
    "/curricula/{curriculum_id:id}/concepts",
    status_code=status.HTTP_201_CREATED,
    summary="Create a concept (version 1)",
    responses={201: with_headers(ETAG, LOCATION)},
)
def create_concept(
    curriculum_id: EntityId,
    body: ConceptIn,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
) -> Concept:
    concept = service.create_concept(graph, curriculum_id, body, who.actor)
    with_location(response, "concepts", concept.id)
    return with_etag(response, concept)


@router.get("/curricula/{curriculum_id:id}/concepts", summary="Concepts by name/id text and tags, paged")
def list_concepts(
    curriculum_id: EntityId,
    graph: BoundedGraphDep,
    _: ReaderPrincipal,
    q: Annotated[str | None, Query(max_length=200, description="Substring of name or id, any case.")] = None,
    # Bounded as a concept's tags are: more, or longer, match nothing, and each is compared in Neo4j with
    # every concept's tags (a URL held thousands, a review, 3 December).
    tag: Annotated[
        list[Annotated[str, StringConstraints(max_length=MAX_TAG_LENGTH)]] | None,
        Query(
            max_length=MAX_TAGS,
            description=f"Repeatable (at most {MAX_TAGS}); a concept must carry every tag.",
        ),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> Page[Concept]:
    return service.list_concepts(graph, curriculum_id, text=q, tags=tag or [], limit=limit, offset=offset)


@router.get("/concepts/{concept_id:id}/neighbourhood", summary="Prerequisites and dependants to depth N")
def concept_neighbourhood(
    concept_id: EntityId,
    graph: BoundedGraphDep,
    _: ReaderPrincipal,
    depth: Annotated[int, Query(ge=1, le=service.MAX_DEPTH)] = 1,
    direction: Direction = Direction.BOTH,
) -> Neighbourhood:
    return service.neighbourhood(graph, concept_id, depth, direction)


@router.get(
    "/concepts/{concept_id:id}/audit", summary="The concept's audit trail (with its edges), newest first"
)
def concept_audit(
    concept_id: EntityId,
    graph: BoundedGraphDep,
    _: DesignerPrincipal,
    filters: AuditFilters,
    position: TrailPosition,
    limit: Limit = 50,
) -> AuditPage:
    return service.read_audit(
        graph,
        EntityType.CONCEPT,
        concept_id,
        limit=limit,
        offset=position.offset,
        filters=filters,
        after=position.after,
    )


@router.get(
    "/concepts/{concept_id:id}",
    summary="One concept; its ETag is its version",
    responses={200: with_headers(ETAG)},
)
def get_concept(
    concept_id: EntityId, graph: BoundedGraphDep, _: ReaderPrincipal, response: Response
) -> Concept:
    return with_etag(response, service.get_concept(graph, concept_id))


@router.patch(
    "/concepts/{concept_id:id}",
    summary="Change some fields (If-Match required)",
    responses={200: with_headers(ETAG)},
)
def patch_concept(
    concept_id: EntityId,
    body: ConceptPatch,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> Concept:
    return with_etag(response, service.update_concept(graph, concept_id, if_match, body, who.actor))


@router.put(
    "/concepts/{concept_id:id}",
    summary="Replace every field (If-Match required)",
    responses={200: with_headers(ETAG)},
)
def put_concept(
    concept_id: EntityId,
    body: ConceptBody,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
    if_match: IfMatch = None,
) -> Concept:
    return with_etag(response, service.update_concept(graph, concept_id, if_match, body, who.actor))


@router.delete("/concepts/{concept_id:id}", summary="Delete (If-Match); 409 if needed, unless cascade")
def delete_concept(
    concept_id: EntityId,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    if_match: IfMatch = None,
    cascade: Annotated[
        bool, Query(description="Also remove dependant edges and tasks left with no concept.")
    ] = False,
) -> ConceptDeletionReport:
    return service.delete_concept(graph, concept_id, if_match, cascade, who.actor)
