"""Prerequisite edges: add (with a weight) and remove. Refusals name the problem: unknown ids (404),
duplicate (409), self-loop (422), a cycle (409 with the cycle's ids in order)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from kgplatform.api.deps import DesignerPrincipal
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.curriculum import prerequisites
from kgplatform.curriculum.models import MAX_ID_LENGTH, Prerequisite, PrerequisiteIn

router = APIRouter(prefix="/prerequisites", tags=["prerequisites"])
EndpointId = Annotated[str, Query(min_length=1, max_length=MAX_ID_LENGTH)]


@router.post("", status_code=status.HTTP_201_CREATED, summary="Learn `prerequisite` before `concept`")
def add_prerequisite(body: PrerequisiteIn, graph: BoundedGraphDep, who: DesignerPrincipal) -> Prerequisite:
    return prerequisites.add_prerequisite(graph, body, who.actor)


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, summary="Remove the edge prerequisite -> concept")
def remove_prerequisite(
    prerequisite: EndpointId, concept: EndpointId, graph: BoundedGraphDep, who: DesignerPrincipal
) -> Response:
    prerequisites.remove_prerequisite(graph, prerequisite, concept, who.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
