"""`kgplatform migrate` against the real Neo4j: once, idempotent, and safe when run concurrently."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import Migration, discover_migrations, migrate
from kgplatform.graph.schema_check import read_schema_state
from kgplatform.settings import PROJECT_ROOT


def declared_constraint_names() -> set[str]:
    names = set()
    for path in (PROJECT_ROOT / "cypher").rglob("*.cypher"):
        names |= set(re.findall(r"CONSTRAINT (\w+) IF NOT EXISTS", path.read_text()))
    return names


def test_second_run_applies_nothing(graph_session: Graph) -> None:
    graph_session.write("testing/forget_migrations")
    first = migrate(graph_session)
    second = migrate(graph_session)
    assert len(first.applied) == len(discover_migrations())
    assert second.applied == []
    assert len(second.already_applied) == len(discover_migrations())


def test_show_constraints_lists_what_the_migrations_declare(graph_session: Graph) -> None:
    migrate(graph_session)
    present = {row["name"] for row in graph_session.read("graph/show_constraints")}
    declared = declared_constraint_names()
    assert "concept_id" in declared
    assert declared <= present, f"missing: {sorted(declared - present)}"


def declared_range_indexes() -> set[tuple[str, tuple[str, ...]]]:
    """(label or relationship type, properties) of every plain index the migrations create and no later
    one drops (a fulltext index, `ON EACH [...]`, does not match)."""
    pattern = r"INDEX (\w+) IF NOT EXISTS FOR (?:\(\w+:(\w+)\)|\(\)-\[\w+:(\w+)\]-\(\)) ON \(([^)]*)\)"
    found: dict[str, tuple[str, tuple[str, ...]]] = {}
    for path in sorted((PROJECT_ROOT / "cypher" / "migrations").glob("*.cypher")):
        text = path.read_text()
        for name, label, rel_type, props in re.findall(pattern, text):
            found[name] = (label or rel_type, tuple(p.strip().split(".", 1)[1] for p in props.split(",")))
        for name in re.findall(r"^DROP INDEX (\w+)", text, flags=re.MULTILINE):
            found.pop(name, None)
    return set(found.values())


def test_an_index_a_later_migration_drops_is_gone() -> None:
    """V0015 drops V0002's learner-only answer index (answer_learner_time covers its reads)."""
    assert ("Answer", ("learner_id", "answered_at")) in declared_range_indexes()
    assert ("Answer", ("learner_id",)) not in declared_range_indexes()


def test_every_index_the_migrations_declare_exists_on_what_it_names(graph_session: Graph) -> None:
    """By target, not by name: V0002's index on TRANSFERS_TO(model_version) shared its name with a
    constraint, so IF NOT EXISTS skipped it and a check of names alone passed."""
    migrate(graph_session)
    present = {
        (row["labelsOrTypes"][0], tuple(row["properties"]))
        for row in graph_session.read("graph/show_indexes")
        if row["labelsOrTypes"]
    }
    declared = declared_range_indexes()
    assert ("TRANSFERS_TO", ("model_version",)) in declared and len(declared) >= 10
    assert declared <= present, f"missing: {sorted(declared - present)}"
    assert ("Answer", ("learner_id",)) not in present, "V0015 drops answer_learner"


def test_a_contract_migration_waits_for_contract_unless_the_graph_is_new(graph_session: Graph) -> None:
    """A graph an older release may still be using keeps what it reads (V0015 would make its answer reads
    scans) until the operator says every process runs this release; a new graph gets everything at once."""
    shipped = discover_migrations()
    contract = [m for m in shipped if m.contract]
    assert [m.label for m in contract] == ["V0015__contract_drop_answer_learner"]
    graph_session.write("testing/forget_migrations")
    before = migrate(graph_session, migrations=[m for m in shipped if m.version < 15])  # an older release
    assert before.held_back == [] and "V0002__indexes" in before.applied
    assert ("Answer", ("learner_id",)) in _indexes(graph_session)

    upgrade = migrate(graph_session)
    assert upgrade.held_back == ["V0015__contract_drop_answer_learner"]
    assert ("Answer", ("learner_id",)) in _indexes(graph_session)
    assert migrate(graph_session).held_back == ["V0015__contract_drop_answer_learner"]

    done = migrate(graph_session, contract=True)
    assert done.applied == ["V0015__contract_drop_answer_learner"] and done.held_back == []
    assert ("Answer", ("learner_id",)) not in _indexes(graph_session)

    graph_session.write("testing/forget_migrations")  # a graph with nothing recorded: nothing older runs
    fresh = migrate(graph_session)
    assert fresh.held_back == [] and fresh.applied == [m.label for m in shipped]
    assert ("Answer", ("learner_id",)) not in _indexes(graph_session)


def _indexes(graph: Graph) -> set[tuple[str, tuple[str, ...]]]:
    return {
        (row["labelsOrTypes"][0], tuple(row["properties"]))
        for row in graph.read("graph/show_indexes")
        if row["labelsOrTypes"]
    }


def test_concurrent_migrations_both_succeed_and_apply_each_once(graph_session: Graph) -> None:
    graph_session.write("testing/forget_migrations")
    command = [sys.executable, "-m", "kgplatform.cli", "migrate"]
    runs = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [run.communicate(timeout=180) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    applied_lines = [out for out, _ in outputs if re.search(r"^applied [\d,]+ migrations?:", out, re.M)]
    assert len(applied_lines) == 1, f"exactly one process applies; outputs: {outputs}"
    records = graph_session.read("testing/count_migration_records")
    assert [r["version"] for r in records] == [m.version for m in discover_migrations()]
    assert all(r["records"] == 1 for r in records)


def test_recording_a_migration_twice_keeps_the_first_record(graph_session: Graph) -> None:
    """A process that lost the lock mid-migration may record the same (idempotent) migration again."""
    graph_session.write("testing/forget_migrations")
    try:
        for holder in ("first", "second"):
            rows = graph_session.write(
                "graph/record_migration", version=9999, name="twice", checksum="c", holder=holder
            )
            assert rows == [{"version": 9999, "applied_by": "first"}]
        records = graph_session.read("testing/count_migration_records")
        assert [r["records"] for r in records if r["version"] == 9999] == [1]
    finally:
        graph_session.write("testing/forget_migrations")
        migrate(graph_session)


MORNING_OF_4_DECEMBER = Path(__file__).parent / "fixtures" / "migrations_4_december_morning"


def test_a_graph_migrated_before_a_comment_was_reworded_migrates_to_this_release(
    graph_session: Graph,
) -> None:
    """main of 4 December 2026, 10:20-12:09 UTC, recorded the checksum V0014 had before a commit reworded
    its comment: `migrate` refused such a graph for good, applying nothing newer (a review, 6 December
    2026). The file of then is a fixture; its statements are today's."""
    shipped = discover_migrations()
    v0014_now = next(m for m in shipped if m.version == 14)
    v0014_then = Migration.from_file(MORNING_OF_4_DECEMBER / "V0014__classes.cypher")
    assert v0014_then.statements == v0014_now.statements and v0014_then.checksum != v0014_now.checksum
    release_then = (
        [m for m in shipped if m.version < 14] + [v0014_then] + [m for m in shipped if m.version == 15]
    )
    graph_session.write("testing/forget_migrations")
    try:
        migrate(graph_session, migrations=release_then, contract=True)

        upgrade = migrate(graph_session)

        assert upgrade.applied == [m.label for m in shipped if m.version > 15]
        state = read_schema_state(graph_session)
        assert state.changed == () and state.complete, state
    finally:
        graph_session.write("testing/forget_migrations")
        migrate(graph_session)
