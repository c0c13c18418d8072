"""Rows of concepts and tasks that a statement read while their node's delete committed ("torn" rows).

Reads take no locks and see each record as last committed: a node deleted while a statement read it gives
the properties not read yet as null (its id, even), and the concepts of a task read after its delete are
none. A paged list or a single read gave such a row to the API's models, which refused it: a 500, under
designers deleting tasks (a review, 6 December 2026). These pure functions pick the rows that may be torn;
the store asks, in a statement after the read, which of them are gone (`curriculum/find_gone_entities`),
and leaves those out. Whole rows cost nothing more: only a row holding a null is checked.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Literal

Kind = Literal["concept", "task"]
Row = dict[str, Any]

# Fields a stored node may hold as null; every other field of its row always has a value.
NULLABLE: dict[Kind, frozenset[str]] = {"concept": frozenset({"difficulty"}), "task": frozenset()}


def with_known_concepts(task: Row) -> Row:
    """The task row less the null ids in its concept list: every stored concept has an id, so a null one
    is a concept deleted while the list was read (the task keeps its other concepts)."""
    concepts = task.get("concepts")
    if concepts is None or None not in concepts:
        return task
    return {**task, "concepts": [c for c in concepts if c is not None]}


def may_be_torn(kind: Kind, row: Row) -> bool:
    """A null where a stored node always has a value or, for a task, no concept (every stored task
    exercises one: deleting its last concept deletes the task)."""
    nullable = NULLABLE[kind]
    if any(value is None for name, value in row.items() if name not in nullable):
        return True
    return kind == "task" and not row.get("concepts")


def suspect_ids(kind: Kind, rows: Sequence[Row]) -> list[str]:
    """Ids of the rows to ask about; rows with no id are of deleted nodes for certain (`keep_whole`)."""
    return [row["id"] for row in rows if row.get("id") is not None and may_be_torn(kind, row)]


def keep_whole(rows: Sequence[Row], gone: Collection[str]) -> list[Row]:
    """The rows less those of nodes found gone and those read with no id."""
    return [row for row in rows if row.get("id") is not None and row["id"] not in gone]
