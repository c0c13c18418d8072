"""What a refused edit's 412 says about the change that beat it: who saved last, and when."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from kgplatform.curriculum import store
from kgplatform.curriculum.models import AuditFilter, EntityType
from kgplatform.curriculum.versions import IF_MATCH
from kgplatform.errors import PreconditionFailed
from kgplatform.graph.driver import Graph


@contextmanager
def naming_the_newest_change(graph: Graph, entity_type: EntityType, entity_id: str) -> Iterator[None]:
    """A stale If-Match's 412 on a concept's or task's edit or delete names its trail's newest entry
    (`newest_change`: actor, at, action, what), as an import's 412 names who changed the curriculum: "someone
    changed it since you read it" sent the designer to read the trail to learn whom to ask. For a concept
    that entry may be a task's or an edge's: what moved its version. Read after the refused transaction
    ended, only on a refusal (one page of one entry)."""
    try:
        yield
    except PreconditionFailed as error:
        if error.field == IF_MATCH:
            _, items, _ = store.read_audit(
                graph,
                entity_type=entity_type.value,
                entity_id=entity_id,
                offset=0,
                limit=1,
                filters=AuditFilter(),
            )
            if items:
                newest = items[0]
                at = newest["at"].isoformat().replace("+00:00", "Z")
                error.details["newest_change"] = {
                    "actor": newest["actor"],
                    "at": at,
                    "action": newest["action"],
                    "entity_type": newest["entity_type"],
                    "entity_id": newest["entity_id"],
                }
                error.message += (
                    f" (the newest change in its trail: {newest['action']} of {newest['entity_type']} "
                    f"{newest['entity_id']!r} by {newest['actor']} at {at})"
                )
        raise
