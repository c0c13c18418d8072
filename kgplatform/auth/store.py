"""The auth area's only door into Neo4j: API key rows by named query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from neo4j import ManagedTransaction

from kgplatform.auth.models import ApiKey, Principal, Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text


def _key(row: dict[str, Any]) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        role=Role(row["role"]),
        classes=row["classes"],
        created_at=row["created_at"].to_native(),
        revoked=row["revoked"],
    )


def create_key(
    graph: Graph, *, key_id: str, key_hash: str, role: Role, name: str, classes: list[str] | None = None
) -> ApiKey:
    rows = graph.write(
        "auth/create_api_key", id=key_id, key_hash=key_hash, role=role.value, name=name, classes=classes
    )
    return _key(rows[0])


def find_live_key(graph: Graph, key_hash: str) -> Principal | None:
    rows = graph.read("auth/find_api_key", key_hash=key_hash)
    if not rows:
        return None
    row = rows[0]
    return Principal(
        key_id=row["id"], name=row["name"], role=Role(row["role"]), classes=tuple(row["classes"])
    )


def list_keys(graph: Graph) -> list[ApiKey]:
    return [_key(row) for row in graph.read("auth/list_api_keys")]


def revoke_key(graph: Graph, key_id: str) -> tuple[ApiKey, str] | None:
    """Marks the key revoked; returns it with its hash (to evict it from caches), or None if unknown."""
    rows = graph.write("auth/revoke_api_key", id=key_id)
    if not rows:
        return None
    return _key(rows[0]), rows[0]["key_hash"]


def change_classes(
    graph: Graph, key_id: str, decide: Callable[[ApiKey], list[str] | None]
) -> tuple[ApiKey, ApiKey, str] | None:
    """One transaction: the key read and locked, `decide` (which raises to refuse, changing nothing) given it
    and returning its new classes (None: unscoped), then those stored. Returns the key before and after, and
    its hash (to evict it from caches); None if no key has this id."""

    def work(tx: ManagedTransaction) -> tuple[ApiKey, ApiKey, str] | None:
        row = tx.run(query_text("auth/lock_api_key"), id=key_id).single()
        if row is None:
            return None
        before = _key(row.data())
        classes = decide(before)
        after = tx.run(query_text("auth/set_api_key_classes"), id=key_id, classes=classes).single(strict=True)
        return before, _key(after.data()), row["key_hash"]

    return graph.execute_write(work)
