"""What the migrations leave in the graph, by name, read from their statements."""

from __future__ import annotations

import re
from pathlib import Path

from kgplatform.graph.declared_schema import declared_schema, lost_items
from kgplatform.graph.migrations import discover_migrations

FIXTURE = Path(__file__).parent / "declared_fixture"


def test_a_later_drop_removes_what_an_earlier_migration_created() -> None:
    first, second = discover_migrations(FIXTURE)
    declared = declared_schema([second, first])  # taken in version order whatever the order given
    assert sorted(declared) == ["c_id", "t"]
    assert declared["c_id"].kind == "constraint" and declared["c_id"].migration == "V0001__create"
    assert declared["t"].kind == "index" and declared["t"].statement == first.statements[1]
    assert sorted(declared_schema([first])) == ["a_index", "c_id", "t"]


def test_lost_items_are_those_named_neither_as_index_nor_as_constraint() -> None:
    declared = declared_schema(discover_migrations(FIXTURE)[:1])
    assert [item.name for item in lost_items(declared, {"c_id", "t"})] == ["a_index"]
    assert lost_items(declared, {"a_index", "c_id", "t", "someone_elses"}) == []


def test_every_schema_statement_the_project_ships_is_read() -> None:
    """A CREATE the pattern does not read would never be checked or created again: each schema statement
    of every migration is one it reads (and V0015's drop of answer_learner is applied)."""
    shipped = discover_migrations()
    schema = re.compile(r"(CREATE|DROP)\b.*?\b(INDEX|CONSTRAINT)\s+(\w+)", re.S)
    creates = [
        found for m in shipped for s in m.statements if (found := schema.match(s)) and found[1] == "CREATE"
    ]
    declared = declared_schema(shipped)
    assert len(creates) >= 20
    assert {found[3] for found in creates} - set(declared) == {"answer_learner"}  # V0015 drops it
    assert {
        "audit_entity_type_at",
        "audit_prerequisite_at",
        "audit_concept_at",
        "audit_link_concept_at",
    } <= set(declared)
