"""Prerequisite edges: the rules for adding and removing them (unknown ids, duplicates, self-loops,
cycles, curriculum boundaries) as pure `decide_*` functions the store runs under lock."""

from __future__ import annotations

from functools import partial

from kgplatform.curriculum import audit, store
from kgplatform.curriculum.models import AuditAction, Prerequisite, PrerequisiteIn
from kgplatform.errors import Conflict, NotFound, ValidationFailed
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


def add_prerequisite(graph: Graph, body: PrerequisiteIn, actor: str) -> Prerequisite:
    row = store.add_prerequisite(
        graph, body.prerequisite, body.concept, body.weight, partial(decide_addition, body, actor)
    )
    return Prerequisite(**native(row))


def decide_removal(
    prerequisite: str, concept: str, actor: str, context: store.PrerequisiteContext
) -> store.AuditRows:
    curriculum_id = _require_both(context, prerequisite, concept)
    if context.existing is None:
        raise NotFound(f"{prerequisite!r} is not a prerequisite of {concept!r}", field="prerequisite")
    return [
        audit.edge_entry(
            actor=actor,
            action=AuditAction.DELETE,
            prerequisite=prerequisite,
            concept=concept,
            curriculum_id=curriculum_id,
            old_weight=context.existing["weight"],
        )
    ]


def remove_prerequisite(graph: Graph, prerequisite: str, concept: str, actor: str) -> None:
    store.remove_prerequisite(
        graph, prerequisite, concept, partial(decide_removal, prerequisite, concept, actor)
    )
