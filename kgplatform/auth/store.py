"""The auth area's only door into Neo4j: API key rows by named query."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.audit import cursor
from kgplatform.audit.cursor import After
from kgplatform.audit.window import WHOLE, Window
from kgplatform.auth.models import ApiKey, Principal, Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.graph.values import native


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        classes=row["classes"],
        created_at=row["created_at"].to_native(),
        revoked=row["revoked"],
    )


def _record_change(
    tx: ManagedTransaction, key: ApiKey, *, action: str, actor: str, classes_before: list[str] | None = None
) -> None:
    """The change in the keys' audit trail, in the transaction that made it: named by the key's id and name,
    never its secret or hash."""
    tx.run(
        query_text("auth/create_key_change"),
        id=uuid.uuid4().hex,
        key_id=key.id,
        key_name=key.name,
        role=key.role.value,
        action=action,
        actor=actor,
        classes=key.classes,
        classes_before=classes_before,
    ).consume()


def create_key(
    graph: Graph,
    *,
    key_id: str,
    key_hash: str,
    role: Role,
    name: str,
    actor: str,
    classes: list[str] | None = None,
) -> ApiKey:
    """One transaction: the key stored and its creation recorded in the keys' audit trail by `actor`."""

    def work(tx: ManagedTransaction) -> ApiKey:
        params = {"id": key_id, "key_hash": key_hash, "role": role.value, "name": name, "classes": classes}
        key = _key(tx.run(query_text("auth/create_api_key"), **params).single(strict=True).data())
        _record_change(tx, key, action="create", actor=actor)
        return key

    return graph.execute_write(work)


def key_changes(
    graph: Graph,
    key_id: str | None,
    offset: int,
    limit: int,
    after: After | None = None,
    times: Window = WHOLE,
) -> dict[str, Any]:
    """A page of the keys' trail, of every key or of one, in the window `times`, with its total and the
    cursor of the next page (`next`, None on the last): the entries after `after` when given, else after
    `offset` entries. Two statements, not one with `$key_id IS NULL OR ...`: through that OR the planner could
    seek no index, and read every key's entries for one key's page."""
    params = {"offset": offset, "limit": limit, **cursor.query_params(after), **times.query_params()}
    if key_id is None:
        row = graph.read("auth/read_key_changes", windowed=not times.whole, **params)[0]
    else:
        row = graph.read("auth/read_changes_of_key", key_id=key_id, **params)[0]
    items, following = cursor.split_page(row["items"], limit)
    return {"total": row["total"], "items": native(items), "next": following}


def find_live_key(
    graph: Graph, key_hash: str, on_revoked: Callable[[Principal], None] | None = None
) -> Principal | None:
    """The key of this hash unless it is unknown or revoked (None); a revoked one is handed to `on_revoked`
    first, read in the same query."""
    rows = graph.read("auth/find_api_key", key_hash=key_hash)
    if not rows:
        return None
    row = rows[0]
    principal = Principal(
        key_id=row["id"], name=row["name"], role=Role(row["role"]), classes=tuple(row["classes"])
    )
    if row["revoked"]:
        if on_revoked is not None:
            on_revoked(principal)
        return None
    return principal


def list_keys(graph: Graph) -> list[ApiKey]:
    return [_key(row) for row in graph.read("auth/list_api_keys")]


def get_key(graph: Graph, key_id: str) -> ApiKey | None:
    rows = graph.read("auth/get_api_key", id=key_id)
    return _key(rows[0]) if rows else None


def revoke_key(graph: Graph, key_id: str, actor: str) -> tuple[ApiKey, str, bool] | None:
    """One transaction: the key locked, marked revoked and, unless it was already, its revocation recorded in
    the keys' audit trail by `actor`. Returns it with its hash (to evict it from caches) and whether this
    call revoked it (False: it was revoked before), or None if unknown."""

    def work(tx: ManagedTransaction) -> tuple[ApiKey, str, bool] | None:
        # The lock first: two revocations at once would both read "not revoked" and record it twice.
        locked = tx.run(query_text("auth/lock_api_key"), id=key_id).single()
        if locked is None:
            return None
        if locked["revoked"]:  # revoked before: nothing changes, so no second entry
            return _key(locked.data()), locked["key_hash"], False
        row = tx.run(query_text("auth/revoke_api_key"), id=key_id).single(strict=True).data()
        key = _key(row)
        _record_change(tx, key, action="revoke", actor=actor)
        return key, row["key_hash"], True

    return graph.execute_write(work)


def change_classes(
    graph: Graph, key_id: str, decide: Callable[[ApiKey], list[str] | None], actor: str
) -> tuple[ApiKey, ApiKey, str] | None:
    """One transaction: the key read and locked, `decide` (which raises to refuse, changing nothing) given it
    and returning its new classes (None: unscoped), then those stored and, when they differ from the old
    ones, the change recorded in the keys' audit trail by `actor`. Returns the key before and after, and its
    hash (to evict it from caches); None if no key has this id."""

    def work(tx: ManagedTransaction) -> tuple[ApiKey, ApiKey, str] | None:
        row = tx.run(query_text("auth/lock_api_key"), id=key_id).single()
        if row is None:
            return None
        before = _key(row.data())
        classes = decide(before)
        stored = tx.run(query_text("auth/set_api_key_classes"), id=key_id, classes=classes).single(
            strict=True
        )
        after = _key(stored.data())
        # The same list again changes nothing and leaves no entry, as a roster sent again does not.
        if after.classes != before.classes:
            _record_change(tx, after, action="update", actor=actor, classes_before=before.classes)
        return before, after, row["key_hash"]

    return graph.execute_write(work)
