"""`services status` for a Neo4j that listens while its database is not online (still starting, or a store
the server cannot open): it read "already running (started by kgplatform)", exit 0, while every query got
DatabaseUnavailable and the API answered 503 (a review, 6 December 2026). The database's state and Neo4j's
own message are asked for; the real server is in tests/integration/services/test_status_answers.py."""

from __future__ import annotations

import os
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from typer.testing import Result

from kgplatform.graph.driver import Graph
from kgplatform.services import manager, neo4j_local
from kgplatform.settings import Settings


class OfflineDatabase:
    """What the driver meets on such a server: the system database says offline, and why."""

    closed = False

    def with_transaction_timeout(self, seconds: float | None) -> OfflineDatabase:
        return self

    def database_status(self) -> dict[str, Any]:
        return {"current_status": "offline", "status_message": "Unable to start `DatabaseId{2bf8e69e}`."}

    def ping(self) -> bool:
        raise AssertionError("not asked: Neo4j holds a query to a database not online for 2 s")

    def close(self) -> None:
        OfflineDatabase.closed = True


@pytest.fixture
def listening_offline(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """This process stands for the state folder's Neo4j, listening at the settings' address."""
    OfflineDatabase.closed = False
    with socket.create_server(("127.0.0.1", settings.neo4j.port)) as _server:
        monkeypatch.setattr(manager.neo4j_local, "running_pid", lambda _: os.getpid())
        monkeypatch.setattr(neo4j_local, "bolt_refusal", lambda host, port, timeout_s: None)
        monkeypatch.setattr(Graph, "connect", classmethod(lambda cls, neo: OfflineDatabase()))
        yield settings


def test_a_listening_neo4j_whose_database_is_offline_reads_not_answering(listening_offline: Settings) -> None:
    row = next(row for row in manager.status(listening_offline) if row.name == "neo4j")
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail == (
        "started by kgplatform; its database 'neo4j' is offline on the server "
        '("Unable to start `DatabaseId{2bf8e69e}`.") '
        f"(log: {listening_offline.services.state_dir / 'neo4j' / 'logs' / 'debug.log'})"
    )
    assert OfflineDatabase.closed


def test_the_cli_says_so_and_exits_3(listening_offline: Settings, status_cli: Callable[[], Result]) -> None:
    result = status_cli()
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert "running, but does not answer: started by kgplatform; its database 'neo4j' is offline" in said
