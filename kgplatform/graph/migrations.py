"""Applies the numbered schema migrations in `cypher/migrations/`, each exactly once.

Applied migrations are recorded as `(:Migration {version, name, checksum})` nodes. A lease-based
lock node lets several processes (API replicas, workers, test runs) call `migrate` at once: one
applies, the others wait for it and then find nothing left to do.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import LiteralString, cast

from neo4j import Query
from neo4j import exceptions as neo4j_errors

from kgplatform.errors import KgpError
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import CYPHER_DIR, get_catalog, split_statements

MIGRATION_FILE = re.compile(r"^V(?P<version>\d{4})__(?P<name>[a-z0-9_]+)\.cypher$")
LOCK_LEASE_S = 120


class MigrationError(KgpError):
    title = "Migration failed"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str

    @classmethod
    def from_file(cls, path: Path) -> Migration:
        match = MIGRATION_FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named V0001__what_it_does.cypher")
        text = path.read_text("utf-8")
        return cls(
            version=int(match["version"]),
            name=match["name"],
            statements=tuple(split_statements(text)),
            checksum=hashlib.sha256(text.encode()).hexdigest(),
        )


def discover_migrations(folder: Path = CYPHER_DIR / "migrations") -> list[Migration]:
    migrations = sorted((Migration.from_file(p) for p in folder.glob("*.cypher")), key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {versions}")
    return migrations


def run_schema_statement(graph: Graph, statement: str) -> None:
    """Schema commands cannot share a transaction with data writes, so each runs auto-committed."""
    # Statement text comes from a versioned file under cypher/migrations, never from user input.
    schema_query = Query(cast(LiteralString, statement))
    for attempt in range(3):
        try:
            with graph.session() as session:
                session.run(schema_query).consume()
            return
        except (neo4j_errors.TransientError, neo4j_errors.ClientError):
            # Two processes creating the same constraint at the same moment: one may lose the race
            # even with IF NOT EXISTS. The next attempt then finds it and does nothing.
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


@dataclass
class MigrationReport:
    applied: list[str]
    already_applied: list[str]


def migrate(
    graph: Graph,
    *,
    migrations: list[Migration] | None = None,
    wait_timeout_s: float = 120.0,
    on_apply: Callable[[Migration], None] | None = None,
) -> MigrationReport:
    """Applies pending migrations in version order; returns what it applied and what it found."""
    migrations = discover_migrations() if migrations is None else migrations
    for statement in split_statements(get_catalog()["graph/create_migration_constraints"].path.read_text()):
        run_schema_statement(graph, statement)

    holder = f"migrate-{uuid.uuid4()}"
    acquire_lock(graph, holder, wait_timeout_s)
    try:
        recorded = {row["version"]: row for row in graph.read("graph/list_applied_migrations")}
        applied: list[str] = []
        for migration in migrations:
            label = f"V{migration.version:04d}__{migration.name}"
            if migration.version in recorded:
                if recorded[migration.version]["checksum"] != migration.checksum:
                    raise MigrationError(
                        f"{label} was changed after it was applied; migrations are append-only, "
                        "add a new file instead"
                    )
                continue
            if on_apply:
                on_apply(migration)
            for statement in migration.statements:
                run_schema_statement(graph, statement)
            graph.write(
                "graph/record_migration",
                version=migration.version,
                name=migration.name,
                checksum=migration.checksum,
                holder=holder,
            )
            graph.write("graph/acquire_migration_lock", holder=holder, lease_s=LOCK_LEASE_S)
            applied.append(label)
        already = [f"V{m.version:04d}__{m.name}" for m in migrations if m.version in recorded]
        return MigrationReport(applied=applied, already_applied=already)
    finally:
        graph.write("graph/release_migration_lock", holder=holder)


def acquire_lock(graph: Graph, holder: str, wait_timeout_s: float) -> None:
    deadline = time.monotonic() + wait_timeout_s
    while True:
        rows = graph.write("graph/acquire_migration_lock", holder=holder, lease_s=LOCK_LEASE_S)
        if rows and rows[0]["holder"] == holder:
            return
        if time.monotonic() > deadline:
            raise MigrationError(
                f"another process ({rows[0]['holder'] if rows else '?'}) has held the migration lock "
                f"for over {wait_timeout_s:.0f} s"
            )
        time.sleep(0.25)
