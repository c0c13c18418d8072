"""The schema check against the real Neo4j: a graph `kgplatform migrate` has not reached is named as such
by `migrate --check`, by /readyz and in the start-up log, and all three clear once it has run."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import Migration, discover_migrations, migrate, run_schema_statement
from kgplatform.graph.queries import get_catalog, split_statements
from kgplatform.graph.schema_check import log_schema_findings, read_schema_state
from kgplatform.settings import Settings
from workers.celery_app import check_graph_schema

CHECK = [sys.executable, "-m", "kgplatform.cli", "migrate", "--check"]


def test_a_graph_never_migrated_is_named_everywhere_until_migrate_runs(
    graph_session: Graph, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    graph_session.write("testing/forget_migrations")
    try:
        shipped = discover_migrations()
        first = f"V{shipped[0].version:04d}__{shipped[0].name}"
        check = subprocess.run(CHECK, capture_output=True, text=True, timeout=120)
        assert check.returncode == 1, check
        assert "migrations not applied: " + first in check.stdout
        assert "kgplatform migrate" in check.stdout

        with caplog.at_level(logging.WARNING):
            check_graph_schema()  # what a Celery worker runs at its start (worker_init)
        assert any("worker: migrations not applied: " + first in r.getMessage() for r in caplog.records)
        caplog.clear()

        with caplog.at_level(logging.WARNING), TestClient(create_app(settings)) as client:
            assert any("API: migrations not applied" in r.getMessage() for r in caplog.records)
            ready = client.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["schema"].startswith("migrations not applied: " + first)
            assert ready.json()["checks"]["neo4j"] == "ok"

            migrate(graph_session)
            client.app.state.readiness.ttl_s = 0.0  # the probe's answer is shared for a second
            ready = client.get("/readyz")
            assert ready.status_code == 200, ready.json()
            assert ready.json()["checks"]["schema"] == "ok"
    finally:
        migrate(graph_session)

    check = subprocess.run(CHECK, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check
    assert "every migration this release ships" in check.stdout


def test_a_newer_release_s_migration_is_logged_and_not_refused(
    graph_session: Graph, caplog: pytest.LogCaptureFixture
) -> None:
    """A rollback: this code ships fewer migrations than the graph has (simulated by shipping one less)."""
    migrate(graph_session)
    older = discover_migrations()[:-1]
    last = discover_migrations()[-1]
    with caplog.at_level(logging.WARNING):
        state = log_schema_findings(graph_session, "worker", older)
    assert state is not None and state.usable
    assert state.newer == (f"V{last.version:04d}__{last.name}",)
    assert any(
        "worker: the graph has migrations this code does not know" in r.getMessage() for r in caplog.records
    )


def test_a_release_with_a_migration_not_yet_applied(graph_session: Graph) -> None:
    migrate(graph_session)
    ahead = [*discover_migrations(), Migration(version=9999, name="not_yet", statements=(), checksum="x")]
    state = read_schema_state(graph_session, ahead)
    assert state.missing == ("V9999__not_yet",)
    assert read_schema_state(graph_session).usable


def test_a_held_back_contract_migration_is_named_by_the_cli_and_applied_by_contract(
    graph_session: Graph,
) -> None:
    """`migrate` on a graph an older release migrated holds V0015 back and says what to run; `--check` names
    it without failing (this code runs without it); `--contract` applies it."""
    migrate_cli = [sys.executable, "-m", "kgplatform.cli", "migrate"]
    graph_session.write("testing/forget_migrations")
    try:
        migrate(graph_session, migrations=[m for m in discover_migrations() if not m.contract])
        held = subprocess.run(migrate_cli, capture_output=True, text=True, timeout=120)
        assert held.returncode == 0, held
        assert "held back V0015__contract_drop_answer_learner" in held.stdout
        assert "kgplatform migrate --contract" in held.stdout

        check = subprocess.run(CHECK, capture_output=True, text=True, timeout=120)
        assert check.returncode == 0, check
        assert "contract migrations not yet applied: V0015__contract_drop_answer_learner" in check.stdout

        applied = subprocess.run([*migrate_cli, "--contract"], capture_output=True, text=True, timeout=120)
        assert applied.returncode == 0, applied
        assert "applied 1 migration: V0015__contract_drop_answer_learner" in applied.stdout
        assert read_schema_state(graph_session).held_back == ()
    finally:
        migrate(graph_session, contract=True)


def test_an_index_dropped_by_hand_is_named_by_check_and_created_again_by_migrate(
    graph_session: Graph,
) -> None:
    """A migration runs once: an index dropped after it (by hand, or a store restored without it) left
    `migrate --check` saying every migration was applied while a concept's trail read every entry."""
    migrate(graph_session)
    drop = get_catalog()["testing/drop_audit_concept_at_index"].path.read_text()
    [statement] = split_statements(drop)
    run_schema_statement(graph_session, statement)
    try:
        state = read_schema_state(graph_session)
        assert state.usable and state.lost == ("audit_concept_at",)
        assert any("audit_concept_at" in note and "kgplatform migrate" in note for note in state.findings())
        check = subprocess.run(CHECK, capture_output=True, text=True, timeout=120)
        assert check.returncode == 1, check
        assert "missing from the graph: audit_concept_at" in " ".join(check.stdout.split())  # rich wraps

        again = subprocess.run(CHECK[:-1], capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again
        said = " ".join(again.stdout.split())
        assert "nothing to apply" in said
        assert "created again 1 index or constraint" in said and "audit_concept_at" in said
    finally:
        migrate(graph_session)
    assert read_schema_state(graph_session).lost == ()
    assert "audit_concept_at" in {row["name"] for row in graph_session.read("graph/show_indexes")}
    check = subprocess.run(CHECK, capture_output=True, text=True, timeout=120)
    assert check.returncode == 0, check
