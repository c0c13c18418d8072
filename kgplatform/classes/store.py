"""The classes area's only door into Neo4j: rosters by named query."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text


def replace_roster(graph: Graph, class_id: str, learner_ids: list[str]) -> dict[str, Any]:
    """One transaction: the learners locked (created on first sight), then the roster replaced."""
    now = datetime.now(UTC)  # one moment for both statements: `created` counts learners made at it

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock = query_text("classes/lock_class_learners")
        gone = tx.run(lock, learner_ids=learner_ids, now=now).single(strict=True)["gone"]
        if gone:  # erased while this waited for their locks: the same MERGE again creates them afresh
            tx.run(lock, learner_ids=gone, now=now).consume()
        replace = query_text("classes/replace_class_learners")
        record = tx.run(replace, class_id=class_id, learner_ids=learner_ids, now=now).single(strict=True)
        return record.data()

    return graph.execute_write(work)


def roster(graph: Graph, class_id: str) -> dict[str, Any] | None:
    rows = graph.read("classes/get_class_learners", class_id=class_id)
    return rows[0] if rows else None


def list_classes(graph: Graph, after: str, limit: int) -> list[dict[str, Any]]:
    return graph.read("classes/list_classes", after=after, limit=limit)


def delete_class(graph: Graph, class_id: str) -> dict[str, Any] | None:
    rows = graph.write("classes/delete_class", class_id=class_id)
    return rows[0] if rows else None


def is_member(graph: Graph, learner_id: str, class_ids: list[str]) -> bool:
    return bool(graph.read("classes/find_learner_class", learner_id=learner_id, class_ids=class_ids))


def existing_classes(graph: Graph, class_ids: list[str]) -> set[str]:
    return {row["class_id"] for row in graph.read("classes/find_classes", class_ids=class_ids)}
