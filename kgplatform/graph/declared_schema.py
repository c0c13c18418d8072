"""The indexes and constraints a list of applied migrations leaves in the graph, by name: what
`migrate --check` compares the graph's with, and what `migrate` creates again when the graph lost one.

A migration is recorded once applied and never run again, so an index dropped later by hand (a `DROP INDEX`
typed to test a plan, a restore of a store copied without its schema) stayed gone with nothing saying so:
`migrate --check` answered "every migration" while a concept's trail read every entry (found on 4 December
2026 on a test server that had lost three of V0020's indexes). Migrations only add, except a `DROP` in a
later one, so replaying their CREATE and DROP statements in order gives what the graph should hold.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # migrations.py imports this module to create lost items again
    from kgplatform.graph.migrations import Migration

# `CREATE [RANGE|TEXT|...] INDEX name IF NOT EXISTS ...` and `CREATE CONSTRAINT name IF NOT EXISTS ...`:
# every schema statement a migration may hold names what it creates (tests/unit/graph/test_migrations.py).
_CREATE = re.compile(
    r"^CREATE\s+(?:(?:RANGE|TEXT|POINT|FULLTEXT|LOOKUP|VECTOR)\s+)?(INDEX|CONSTRAINT)\s+(\w+)"
    r"\s+IF\s+NOT\s+EXISTS\b",
    re.IGNORECASE,
)
_DROP = re.compile(r"^DROP\s+(INDEX|CONSTRAINT)\s+(\w+)", re.IGNORECASE)


@dataclass(frozen=True)
class DeclaredItem:
    kind: str  # "index" or "constraint"
    name: str
    statement: str  # the CREATE statement that makes it (IF NOT EXISTS: safe to run again)
    migration: str  # the label of the migration it comes from


def declared_schema(migrations: Iterable[Migration]) -> dict[str, DeclaredItem]:
    """What `migrations` (applied, in any order: taken by version) leave, by name."""
    declared: dict[str, DeclaredItem] = {}
    for migration in sorted(migrations, key=lambda m: m.version):
        for statement in migration.statements:
            if created := _CREATE.match(statement):
                kind, name = created[1].lower(), created[2]
                declared[name] = DeclaredItem(kind, name, statement, migration.label)
            elif dropped := _DROP.match(statement):
                declared.pop(dropped[2], None)
    return declared


def lost_items(declared: dict[str, DeclaredItem], present: Iterable[str]) -> list[DeclaredItem]:
    """The declared items whose name the graph lists neither as an index nor as a constraint (a
    constraint's own index carries its name; an index skipped because a constraint held its name is not
    lost: running its statement again would skip it again)."""
    names = set(present)
    return [item for name, item in sorted(declared.items()) if name not in names]
