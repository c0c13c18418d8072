"""The audit archive's only door into Neo4j: which entries may go, deleting them, and the note it leaves; for
the curriculum's trail and (since 4 December 2026) the keys' and the rosters' trails."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.audit.cursor import After
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native


def list_audit_curricula(graph: Graph) -> list[str]:
    return [r["curriculum_id"] for r in graph.read("audit/list_audit_curricula")]


def read_archivable(
    graph: Graph, curriculum_id: str, *, before: datetime, after: After, limit: int
) -> list[dict[str, Any]]:
    """One page, oldest first, after the entry `after` names; each row: entry, at_s, at_ns, explains, kept."""
    return graph.read(
        "audit/read_archivable_entries",
        curriculum_id=curriculum_id,
        before=before,
        limit=limit,
        **after.params(),
    )


def delete_archived(graph: Graph, ids: Sequence[str], *, before: datetime, file: str) -> dict[str, int]:
    """Deletes these entries (those still older than `before`) and notes it on their curricula, in one
    transaction, so the note never claims a delete that did not commit. Returns deletes per curriculum."""

    def work(tx: ManagedTransaction) -> dict[str, int]:
        rows = [
            native(r.data())
            for r in tx.run(query_text("audit/delete_audit_entries"), ids=list(ids), before=before)
        ]
        if rows:
            tx.run(query_text("audit/record_audit_archive"), rows=rows, before=before, file=file).consume()
        return {r["curriculum_id"]: r["deleted"] for r in rows}

    return graph.execute_write(work)


def read_archive_note(
    graph: Graph, curriculum_ids: Sequence[str], *, concept_id: str | None = None, task_id: str | None = None
) -> dict[str, Any] | None:
    """The archive note of these curricula (and of the named concept's or task's), or None."""
    row = graph.read(
        "audit/get_audit_archive",
        curriculum_ids=list(curriculum_ids),
        concept_id=concept_id,
        task_id=task_id,
    )[0]
    return native(row) if row["before"] is not None else None


# The keys' and rosters' trails (kgplatform/auth, kgplatform/classes): their owners (keys, classes), a page
# of one owner's archivable entries, and the delete, by trail.
_TRAILS = {
    "keys": (
        "audit/list_key_change_keys",
        "audit/read_archivable_key_changes",
        "audit/delete_key_changes",
    ),
    "rosters": (
        "audit/list_roster_change_classes",
        "audit/read_archivable_roster_changes",
        "audit/delete_roster_changes",
    ),
}


def list_trail_owners(graph: Graph, trail: str) -> list[str]:
    return [r["owner"] for r in graph.read(_TRAILS[trail][0])]


def read_trail_archivable(
    graph: Graph, trail: str, owner: str, *, before: datetime, after: After, limit: int
) -> list[dict[str, Any]]:
    """One page of an owner's entries older than `before`, oldest first, after the entry `after` names; each
    row: entry, at_s, at_ns, explains (empty), kept (false), in read_archivable's shape."""
    return graph.read(_TRAILS[trail][1], owner=owner, before=before, limit=limit, **after.params())


def delete_trail_entries(
    graph: Graph, trail: str, ids: Sequence[str], *, before: datetime, file: str
) -> dict[str, int]:
    """Deletes these entries (those still older than `before`) and, since 4 December 2026, notes it on
    their keys or classes (the routes' `archived`), in one transaction, so the note never claims a delete
    that did not commit; deletes per owner."""

    def work(tx: ManagedTransaction) -> dict[str, int]:
        rows = [native(r.data()) for r in tx.run(query_text(_TRAILS[trail][2]), ids=list(ids), before=before)]
        if rows:
            tx.run(
                query_text("audit/record_trail_archive"), trail=trail, rows=rows, before=before, file=file
            ).consume()
        return {r["owner"]: r["deleted"] for r in rows}

    return graph.execute_write(work)


def read_trail_archive_note(graph: Graph, trail: str, owner: str | None) -> dict[str, Any] | None:
    """The archive note of one key's or class's trail, or of every key's (`owner` None), or None."""
    row = graph.read("audit/get_trail_archive", trail=trail, owner=owner)[0]
    return native(row) if row["before"] is not None else None
