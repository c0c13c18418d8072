"""The audit archive's only door into Neo4j: which entries may go, deleting them, and the note it leaves."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native


def list_audit_curricula(graph: Graph) -> list[str]:
    return [r["curriculum_id"] for r in graph.read("audit/list_audit_curricula")]


def read_archivable(
    graph: Graph, curriculum_id: str, *, before: datetime, after_at: datetime, after_id: str, limit: int
) -> list[dict[str, Any]]:
    """One page, oldest first, after (after_at, after_id); each row: entry, explains, kept."""
    return graph.read(
        "audit/read_archivable_entries",
        curriculum_id=curriculum_id,
        before=before,
        after_at=after_at,
        after_id=after_id,
        limit=limit,
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
