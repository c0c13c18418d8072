"""Prerequisite edges: add (with a weight), read, change the weight (If-Match required) and remove
(If-Match optional). Refusals name the problem: unknown ids (404), duplicate (409), self-loop (422), a cycle
(409 with the cycle's ids in order), an edge changed since the client read it (412)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kgplatform.api.deps import DesignerPrincipal, EdgeIfMatch, EdgeRemovalIfMatch, ReaderPrincipal
from kgplatform.api.etags import ETAG, with_headers
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.curriculum import prerequisites
from kgplatform.curriculum.models import MAX_ID_LENGTH, Prerequisite, PrerequisiteIn, PrerequisiteWeight
from kgplatform.curriculum.versions import parse_prerequisite_if_match, parse_removal_if_match

router = APIRouter(prefix="/prerequisites", tags=["prerequisites"])
EndpointId = Annotated[str, Query(min_length=1, max_length=MAX_ID_LENGTH)]


def _with_etag(response: Response, edge_and_tag: tuple[Prerequisite, str]) -> Prerequisite:
    edge, tag = edge_and_tag
    response.headers["ETag"] = tag
    return edge


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Learn `prerequisite` before `concept`",
    responses={201: with_headers(ETAG)},
)
def add_prerequisite(
    body: PrerequisiteIn, graph: BoundedGraphDep, who: DesignerPrincipal, response: Response
) -> Prerequisite:
    return _with_etag(response, prerequisites.add_prerequisite(graph, body, who.actor))


@router.get(
    "", summary="The edge prerequisite -> concept, with its ETag", responses={200: with_headers(ETAG)}
)
def get_prerequisite(
    prerequisite: EndpointId,
    concept: EndpointId,
    graph: BoundedGraphDep,
    _: ReaderPrincipal,
    response: Response,
) -> Prerequisite:
    return _with_etag(response, prerequisites.get_prerequisite(graph, prerequisite, concept))


@router.patch(
    "",
    summary="Change the edge's weight (If-Match required: the ETag of a GET, POST or earlier PATCH)",
    responses={200: with_headers(ETAG)},
)
def change_prerequisite_weight(
    prerequisite: EndpointId,
    concept: EndpointId,
    body: PrerequisiteWeight,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    response: Response,
    if_match: EdgeIfMatch = None,
) -> Prerequisite:
    accepted = parse_prerequisite_if_match(if_match)
    changed = prerequisites.change_prerequisite_weight(
        graph, prerequisite, concept, body.weight, accepted, who.actor
    )
    return _with_etag(response, changed)


@router.delete(
    "",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove the edge prerequisite -> concept (with If-Match: only if unchanged since read)",
)
def remove_prerequisite(
    prerequisite: EndpointId,
    concept: EndpointId,
    graph: BoundedGraphDep,
    who: DesignerPrincipal,
    if_match: EdgeRemovalIfMatch = None,
) -> Response:
    accepted = parse_removal_if_match(if_match)
    prerequisites.remove_prerequisite(graph, prerequisite, concept, who.actor, accepted)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
