"""The classes area's only door into Neo4j: rosters by named query."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.audit import cursor
from kgplatform.audit.cursor import After
from kgplatform.audit.window import WHOLE, Window
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native


def replace_roster(graph: Graph, class_id: str, learner_ids: list[str], actor: str) -> dict[str, Any]:
    """One transaction: the learners locked (created on first sight), then the roster replaced, and the
    change (if it changed anything) recorded in the class's audit trail by `actor`."""
    now = datetime.now(UTC)  # one moment for both statements: `created` counts learners made at it

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        lock = query_text("classes/lock_class_learners")
        gone = tx.run(lock, learner_ids=learner_ids, now=now).single(strict=True)["gone"]
        if gone:  # erased while this waited for their locks: the same MERGE again creates them afresh
            tx.run(lock, learner_ids=gone, now=now).consume()
        _lock_class(tx, class_id, now)
        replace = query_text("classes/replace_class_learners")
        row = tx.run(replace, class_id=class_id, learner_ids=learner_ids, now=now).single(strict=True).data()
        # The same roster again changes nothing, and leaves no entry: a platform that sends every roster
        # each night would bury the changes among thousands of them.
        if row["added_ids"] or row["removed_ids"] or row["class_created"]:
            _record_change(tx, row, action="replace", actor=actor)
        return row

    return graph.execute_write(work)


def set_name(graph: Graph, class_id: str, name: str | None, actor: str) -> dict[str, Any]:
    """One transaction: the class's name set (the class created on first sight) and, when it changed or the
    class is new, recorded in the class's audit trail by `actor`."""
    now = datetime.now(UTC)

    def work(tx: ManagedTransaction) -> dict[str, Any]:
        _lock_class(tx, class_id, now)
        row = (
            tx.run(query_text("classes/set_class_name"), class_id=class_id, name=name, now=now)
            .single(strict=True)
            .data()
        )
        # The same name again leaves no entry, as the same roster does.
        if row["name"] != row["name_before"] or row["class_created"]:
            _record_change(
                tx, row, action="rename", actor=actor, name=row["name"], name_before=row["name_before"]
            )
        return row

    return graph.execute_write(work)


def _lock_class(tx: ManagedTransaction, class_id: str, now: datetime) -> None:
    """The class made on first sight and locked; made afresh when a deletion removed it while this waited
    for its lock (a rename or a roster then wrote to the deleted node: an entry of no class, a 500)."""
    lock = query_text("classes/lock_class")
    if not tx.run(lock, class_id=class_id, now=now).single(strict=True)["alive"]:
        tx.run(lock, class_id=class_id, now=now).consume()


def _record_change(
    tx: ManagedTransaction,
    row: dict[str, Any],
    *,
    action: str,
    actor: str,
    name: str | None = None,
    name_before: str | None = None,
) -> None:
    tx.run(
        query_text("classes/create_roster_change"),
        id=uuid.uuid4().hex,
        class_id=row["class_id"],
        action=action,
        actor=actor,
        members=row.get("members", 0),
        added_ids=row.get("added_ids", []),
        removed_ids=row.get("removed_ids", []),
        created=row.get("created", 0),
        class_created=row.get("class_created", False),
        name=name,
        name_before=name_before,
    ).consume()


def roster(graph: Graph, class_id: str) -> dict[str, Any] | None:
    rows = graph.read("classes/get_class_learners", class_id=class_id)
    return rows[0] if rows else None


def list_classes(graph: Graph, after: str, limit: int) -> list[dict[str, Any]]:
    return graph.read("classes/list_classes", after=after, limit=limit)


def scoped_classes(graph: Graph, class_ids: list[str]) -> list[dict[str, Any]]:
    return graph.read("classes/list_scoped_classes", class_ids=class_ids)


def delete_class(
    graph: Graph, class_id: str, actor: str, check_keys: Callable[[list[dict[str, Any]]], None]
) -> dict[str, Any] | None:
    """One transaction: the class locked, the live keys scoped to it given to `check_keys` (which raises to
    refuse, changing nothing), the class deleted and, when there was one, the deletion recorded in its audit
    trail (its members as removed), which outlives it."""

    def work(tx: ManagedTransaction) -> dict[str, Any] | None:
        locked = tx.run(query_text("classes/lock_stored_class"), class_id=class_id).single()
        if locked is None or not locked["alive"]:  # unknown, or deleted by another while this waited
            return None
        check_keys([r.data() for r in tx.run(query_text("classes/find_scoped_keys"), class_id=class_id)])
        record = tx.run(query_text("classes/delete_class"), class_id=class_id).single()
        if record is None:
            return None
        row = record.data()
        _record_change(
            tx,
            {"class_id": row["class_id"], "removed_ids": row["member_ids"]},
            action="delete",
            actor=actor,
            name_before=row["name"],  # the trail outlives the class: its name is what says which class it was
        )
        return row

    return graph.execute_write(work)


def roster_changes(
    graph: Graph,
    class_id: str,
    offset: int,
    limit: int,
    after: After | None = None,
    times: Window = WHOLE,
) -> dict[str, Any]:
    """A page of a class's roster trail in the window `times`, with its total and the cursor of the next page
    (`next`, None on the last): the entries after `after` when given, else after `offset` entries."""
    params = {"offset": offset, "limit": limit, **cursor.query_params(after), **times.query_params()}
    row = graph.read("classes/read_roster_changes", class_id=class_id, **params)[0]
    items, following = cursor.split_page(row["items"], limit)
    return {"total": row["total"], "items": native(items), "next": following}


def scoped_keys(graph: Graph, class_id: str) -> list[dict[str, Any]]:
    """The live teacher keys scoped to the class: key_id, name, classes."""
    return graph.read("classes/find_scoped_keys", class_id=class_id)


def is_member(graph: Graph, learner_id: str, class_ids: list[str]) -> bool:
    return bool(graph.read("classes/find_learner_class", learner_id=learner_id, class_ids=class_ids))


def stored_class_names(graph: Graph, class_ids: list[str]) -> dict[str, str | None]:
    """The stored classes among `class_ids`, each with its name (None: none)."""
    return {row["class_id"]: row["name"] for row in graph.read("classes/find_classes", class_ids=class_ids)}
