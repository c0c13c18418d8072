"""Audit entries: who changed what, when, from which old value to which new one.

Entries are composed here (pure) and written by the store in the same transaction as the change.
`old` and `new` are JSON text, so any shape of value survives the graph's flat property types.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from kgplatform.curriculum.models import AuditAction, AuditEntry, EntityType


def _json(value: dict[str, Any] | None) -> str | None:
    if value is None:
        return None
    return json.dumps(
        value,
        sort_keys=True,
        ensure_ascii=False,
        default=lambda v: v.isoformat() if isinstance(v, date | datetime) else str(v),
    )


def entry(
    *,
    actor: str,
    action: AuditAction,
    entity_type: EntityType,
    entity_id: str,
    curriculum_id: str | None,
    old: dict[str, Any] | None = None,
    new: dict[str, Any] | None = None,
    edge: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """One entry as the store writes it; `edge` (prerequisite, concept) indexes edge entries by both ends."""
    row: dict[str, Any] = {
        "id": uuid.uuid4().hex,
        "actor": actor,
        "action": action.value,
        "entity_type": entity_type.value,
        "entity_id": entity_id,
        "curriculum_id": curriculum_id,
        "old": _json(old),
        "new": _json(new),
    }
    if edge is not None:
        row["prerequisite"], row["concept"] = edge
    return row


def edge_entry(
    *,
    actor: str,
    action: AuditAction,
    prerequisite: str,
    concept: str,
    curriculum_id: str | None,
    old_weight: float | None = None,
    new_weight: float | None = None,
) -> dict[str, Any]:
    """The entry of a prerequisite edge: named `edge_id`, indexed by both ends; a weight not given (the
    edge did not exist before, or no longer does) leaves that side empty."""
    return entry(
        actor=actor,
        action=action,
        entity_type=EntityType.PREREQUISITE,
        entity_id=edge_id(prerequisite, concept),
        curriculum_id=curriculum_id,
        old=None if old_weight is None else {"weight": old_weight},
        new=None if new_weight is None else {"weight": new_weight},
        edge=(prerequisite, concept),
    )


def edge_id(prerequisite: str, concept: str) -> str:
    """How an edge is named in the trail: ``a -> b`` (learn a before b)."""
    return f"{prerequisite} -> {concept}"


def explain(entries: Sequence[dict[str, Any]], moved: Mapping[str, Sequence[str]]) -> list[dict[str, Any]]:
    """`entries` with `links`: the concepts whose version (ETag) the change moved (`moved`, as
    store.links_changed takes it) and whose own trail would not show it otherwise, so a designer refused
    with a 412 finds the cause in the concept's trail. A concept's own entry and an edge's (indexed by both
    ends) are in its trail already; a task's entry is linked to every moved concept it exercised or now
    exercises, even one with its own entry in the change;
    anything else (an import creating a task or an edge, which has no entry of its own) is explained by
    the first entry (the import's summary)."""
    if not moved:
        return list(entries)
    covered: set[str] = set()
    for e in entries:
        if e.get("entity_type") == EntityType.CONCEPT.value:
            covered.add(e["entity_id"])
        covered.update(e[end] for end in ("prerequisite", "concept") if e.get(end))
    links: list[list[str]] = [[] for _ in entries]
    for concept_id in sorted(moved):
        if not entries or not moved[concept_id]:
            continue
        # A task entry is linked even where the concept's own entry (or an edge's) is in the change: that
        # one explains the version, not that the task took the concept on or off (an import renaming a
        # concept and detaching it from a task left the detachment out of the concept's trail).
        tasks = [i for i, e in enumerate(entries) if concept_id in _task_concepts(e)]
        if not tasks and concept_id in covered:
            continue
        for i in tasks or [0]:
            links[i].append(concept_id)
    return [{**e, "links": found} if found else dict(e) for e, found in zip(entries, links, strict=True)]


def _task_concepts(row: dict[str, Any]) -> set[str]:
    """The concepts a task entry's task exercised before or after the change (none for other entries)."""
    if row.get("entity_type") != EntityType.TASK.value:
        return set()
    sides = (json.loads(row[side]) for side in ("old", "new") if row.get(side))
    return {c for side in sides for c in side.get("concepts") or ()}


def from_row(row: dict[str, Any]) -> AuditEntry:
    """A stored entry (old/new as JSON text) as the API returns it."""
    return AuditEntry(
        **{
            **row,
            "old": json.loads(row["old"]) if row.get("old") else None,
            "new": json.loads(row["new"]) if row.get("new") else None,
        }
    )
