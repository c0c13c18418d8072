"""`services status` asks each service a question, not only whether its port listens.

Until 6 December 2026 a Neo4j whose port listened read "already running" (exit 0) whatever its database
did: one still starting, one the server could not open (a store left unusable by a restore killed during
its load), or a frozen server, while the API answered 503 to everything. Now the Neo4j row reads "running,
but does not answer" with Neo4j's own reason, and status exits 3; with everything up it stays fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.services import manager, neo4j_local
from kgplatform.settings import Settings, get_settings
from tests.integration.freezing import frozen
from tests.unit.services.test_maintenance import neo4j_row


def test_with_everything_up_status_reads_running_and_exits_0_within_seconds(settings: Settings) -> None:
    started = time.monotonic()
    rows = manager.status(settings)
    took = time.monotonic() - started
    assert {row.name: row.state for row in rows} == {
        "neo4j": manager.State.RUNNING_OURS,
        "redis": manager.State.RUNNING_OURS,
    }, rows
    assert took < neo4j_local.STATUS_TIMEOUT_S * 2, f"status took {took:.1f} s with everything up"
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["services", "status"], terminal_width=300)
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output


def test_a_database_the_server_does_not_hold_reads_not_answering(settings: Settings) -> None:
    """KGP_NEO4J__DATABASE naming a database the server lacks: every query fails, yet the port listens."""
    elsewhere = settings.model_copy(update={"neo4j": settings.neo4j.model_copy(update={"database": "kgp"})})
    row = neo4j_row(elsewhere)
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and "has no database 'kgp'" in row.detail
    assert row.detail.startswith("started by kgplatform; ")


@pytest.fixture
def frozen_neo4j(settings: Settings, services_restored: None) -> Iterator[int]:
    """The tests' Neo4j stopped with SIGSTOP (as a swapped-out or stalled JVM): its port still takes
    connections, and nothing answers. Continued whatever happens."""
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "the tests' Neo4j was not started by `services up`"
    with frozen(pid):
        yield pid


def test_a_frozen_neo4j_reads_not_answering_within_the_timeout(settings: Settings, frozen_neo4j: int) -> None:
    started = time.monotonic()
    row = neo4j_row(settings)
    took = time.monotonic() - started
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and "did not answer Bolt's handshake within 2 s" in row.detail, row.detail
    assert "is not Neo4j" not in row.detail  # it is Neo4j: ours, frozen
    assert took < neo4j_local.STATUS_TIMEOUT_S + 3, f"status took {took:.1f} s"
