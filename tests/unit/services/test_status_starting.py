"""`services status` while the state folder's server runs but listens nowhere yet (Neo4j binds Bolt tens of
seconds after its start): it read "started by kgplatform, but not listening at this address", the words for
settings pointing elsewhere, so an operator looking during a start went hunting for a wrong setting."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest
from typer.testing import Result

from kgplatform.services import manager
from kgplatform.settings import Settings


@pytest.fixture
def starting_server() -> Iterator[int]:
    """A process of ours that listens on no port, as a JVM does before it binds Bolt."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process.pid
    process.kill()
    process.wait()


def test_a_server_of_ours_listening_nowhere_yet_reads_starting(
    settings: Settings, starting_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(manager.neo4j_local, "running_pid", lambda _: starting_server)
    row = next(row for row in manager.status(settings) if row.name == "neo4j")
    assert row.state is manager.State.STARTING and row.pid == starting_server


def test_a_server_of_ours_listening_on_another_port_still_reads_elsewhere(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import socket

    with socket.socket() as server:  # this process stands for ours, bound to a port the settings do not name
        server.bind(("127.0.0.1", 0))
        server.listen()
        monkeypatch.setattr(manager.redis_local, "running_pid", lambda _: os.getpid())
        row = next(row for row in manager.status(settings) if row.name == "redis")
    assert row.state is manager.State.OURS_ELSEWHERE


def test_the_cli_says_starting_and_exits_3(
    settings: Settings,
    starting_server: int,
    monkeypatch: pytest.MonkeyPatch,
    status_cli: Callable[[], Result],
) -> None:
    """Not answering yet: a probe on the exit code sees it down, as before."""
    monkeypatch.setattr(manager.neo4j_local, "running_pid", lambda _: starting_server)
    result = status_cli()
    assert result.exit_code == 3, result.output
    assert "starting: not listening yet" in " ".join(result.output.split())


def test_a_redis_that_takes_connections_and_answers_nothing_reads_not_answering(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stopped (SIGSTOP) or loading Redis read "already running (started by kgplatform)" with exit 0,
    while `jobs list` and every other command that used it timed out (a review, 5 December 2026)."""
    import os
    import socket

    with socket.socket() as silent:  # the kernel accepts connections on it; nobody ever answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        moved = settings.model_copy(
            update={"redis": settings.redis.model_copy(update={"url": f"redis://127.0.0.1:{port}/0"})}
        )
        monkeypatch.setattr(manager.redis_local, "running_pid", lambda _: os.getpid())
        row = next(row for row in manager.status(moved) if row.name == "redis")
    assert row.state is manager.State.NOT_ANSWERING, row
    assert (
        row.detail is not None
        and row.detail.startswith("started by kgplatform; ")
        and "Timeout" in row.detail
    )
