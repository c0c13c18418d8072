"""Prerequisite edges: the rules for adding and removing them (unknown ids, duplicates, self-loops,
cycles, curriculum boundaries) as pure `decide_*` functions the store runs under lock."""

from __future__ import annotations

from functools import partial
from typing import Any

from kgplatform.curriculum import audit, store
from kgplatform.curriculum.models import AuditAction, Prerequisite, PrerequisiteIn
from kgplatform.curriculum.versions import IF_MATCH, prerequisite_etag
from kgplatform.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.graph.values import native


def _require_both(context: store.PrerequisiteContext, prerequisite: str, concept: str) -> str:
    """Both concepts exist and share a curriculum; returns that curriculum's id."""
    missing = [
        (field, cid)
        for field, cid in (("prerequisite", prerequisite), ("concept", concept))
        if cid not in context.found
    ]
    if missing:
        names = " and ".join(f"{field} {cid!r}" for field, cid in missing)
        raise NotFound(
            f"unknown concept id: {names}", field=missing[0][0], unknown_ids=[cid for _, cid in missing]
        )
    if context.found[prerequisite] != context.found[concept]:
        raise ValidationFailed(
            f"prerequisite {prerequisite!r} is in curriculum {context.found[prerequisite]!r} but concept "
            f"{concept!r} is in {context.found[concept]!r}; edges stay within one curriculum",
            field="prerequisite",
        )
    return context.found[concept]


def closed_cycle(prerequisite: str, path: list[str]) -> list[str]:
    """The cycle a new edge prerequisite -> path[0] would close, as concept ids in order, first repeated
    last: path runs from the new edge's dependant back to its prerequisite."""
    return [prerequisite, *path]


def decide_addition(body: PrerequisiteIn, actor: str, context: store.PrerequisiteContext) -> store.AuditRows:
    if body.prerequisite == body.concept:
        raise ValidationFailed(
            f"self-loop: concept {body.concept!r} cannot be its own prerequisite", field="concept"
        )
    curriculum_id = _require_both(context, body.prerequisite, body.concept)
    if context.existing is not None:
        raise Conflict(
            f"{body.prerequisite!r} is already a prerequisite of {body.concept!r} "
            f"(weight {context.existing['weight']})",
            field="prerequisite",
        )
    if context.cycle_path:
        cycle = closed_cycle(body.prerequisite, context.cycle_path)
        raise Conflict(
            f"adding {body.prerequisite!r} -> {body.concept!r} would close the cycle {' -> '.join(cycle)}",
            field="prerequisite",
            cycle=cycle,
        )
    return [
        audit.edge_entry(
            actor=actor,
            action=AuditAction.CREATE,
            prerequisite=body.prerequisite,
            concept=body.concept,
            curriculum_id=curriculum_id,
            new_weight=body.weight,
        )
    ]


def add_prerequisite(graph: Graph, body: PrerequisiteIn, actor: str) -> tuple[Prerequisite, str]:
    """Adds the edge; returns it and its ETag (what a later weight change or removal sends as If-Match)."""
    row = store.add_prerequisite(
        graph, body.prerequisite, body.concept, body.weight, partial(decide_addition, body, actor)
    )
    return _with_etag(Prerequisite(**native(row)))


def _with_etag(edge: Prerequisite) -> tuple[Prerequisite, str]:
    return edge, prerequisite_etag(edge.created_at, edge.weight)


def _no_such_edge(prerequisite: str, concept: str) -> NotFound:
    return NotFound(f"{prerequisite!r} is not a prerequisite of {concept!r}", field="prerequisite")


def get_prerequisite(graph: Graph, prerequisite: str, concept: str) -> tuple[Prerequisite, str]:
    """The edge and its ETag (404 when there is no such edge)."""
    row = store.get_prerequisite(graph, prerequisite, concept)
    if row is None:
        raise _no_such_edge(prerequisite, concept)
    return _with_etag(Prerequisite(**row))


def _existing_edge(context: store.PrerequisiteContext, prerequisite: str, concept: str) -> dict[str, Any]:
    if context.existing is None:
        raise _no_such_edge(prerequisite, concept)
    return context.existing


def _check_edge_etag(
    existing: dict[str, Any], prerequisite: str, concept: str, accepted: set[str] | None
) -> None:
    """412 unless the edge is as the client read it (`accepted` None: the request sent no If-Match)."""
    if accepted is None or "*" in accepted:
        return
    current = prerequisite_etag(existing["created_at"], existing["weight"])
    if current not in accepted:
        raise PreconditionFailed(
            f"prerequisite {prerequisite!r} -> {concept!r} changed since you read it (its weight is now "
            f"{existing['weight']}, or it was removed and added again): read it again and reapply your "
            "change",
            field=IF_MATCH,
            current_etag=current,
            current_weight=existing["weight"],
        )


def decide_weight_change(
    prerequisite: str,
    concept: str,
    weight: float,
    accepted: set[str],
    actor: str,
    context: store.PrerequisiteContext,
) -> store.AuditRows:
    """The entry of a weight change, checked against the ETag the client read; none when the weight is
    already `weight` (nothing to write)."""
    curriculum_id = _require_both(context, prerequisite, concept)
    existing = _existing_edge(context, prerequisite, concept)
    _check_edge_etag(existing, prerequisite, concept, accepted)
    if existing["weight"] == weight:
        return []
    return [
        audit.edge_entry(
            actor=actor,
            action=AuditAction.UPDATE,
            prerequisite=prerequisite,
            concept=concept,
            curriculum_id=curriculum_id,
            old_weight=existing["weight"],
            new_weight=weight,
        )
    ]


def change_prerequisite_weight(
    graph: Graph, prerequisite: str, concept: str, weight: float, accepted: set[str], actor: str
) -> tuple[Prerequisite, str]:
    """Sets the edge's weight if it is as the client read it; returns the edge and its new ETag."""
    decide = partial(decide_weight_change, prerequisite, concept, weight, accepted, actor)
    row = store.change_prerequisite_weight(graph, prerequisite, concept, weight, decide)
    return _with_etag(Prerequisite(**native(row)))


def decide_removal(
    prerequisite: str,
    concept: str,
    actor: str,
    context: store.PrerequisiteContext,
    accepted: set[str] | None = None,
) -> store.AuditRows:
    curriculum_id = _require_both(context, prerequisite, concept)
    existing = _existing_edge(context, prerequisite, concept)
    _check_edge_etag(existing, prerequisite, concept, accepted)
    return [
        audit.edge_entry(
            actor=actor,
            action=AuditAction.DELETE,
            prerequisite=prerequisite,
            concept=concept,
            curriculum_id=curriculum_id,
            old_weight=existing["weight"],
        )
    ]


def remove_prerequisite(
    graph: Graph, prerequisite: str, concept: str, actor: str, accepted: set[str] | None = None
) -> None:
    """Removes the edge; with `accepted` (the request's If-Match) only if it is as the client read it."""
    decide = partial(decide_removal, prerequisite, concept, actor, accepted=accepted)
    store.remove_prerequisite(graph, prerequisite, concept, decide)
