"""`services status` for Neo4j and Redis at an address on another machine (docker-compose, a managed service):
they were only port-checked, so a remote Redis that wanted a password or refused kgplatform's, a remote Neo4j
that refused the login, whose database was offline or missing, or that was frozen, read "remote, not managed
here", exit 0 (a review, 6 December 2026). They are asked the same questions as ours, with the same limits.

The "remote" servers here listen on 127.0.0.2: on the loopback interface, but not an address the settings
take for this machine (LOOPBACK_HOSTS), as for a host name such as `neo4j` in docker-compose."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from typer.testing import Result

from kgplatform.graph.driver import Graph
from kgplatform.services import manager, neo4j_local
from kgplatform.services.processes import free_port
from kgplatform.settings import LOOPBACK_HOSTS, Settings
from tests.unit.services.test_maintenance import neo4j_row
from tests.unit.services.test_status_answers import OfflineDatabase

REMOTE_HOST = "127.0.0.2"


@contextmanager
def remote_server(reply: bytes | Callable[[bytes], bytes] | None) -> Iterator[int]:
    """A server at REMOTE_HOST that answers every request it reads with `reply` (or what `reply` makes of the
    request; None: with silence, as a frozen server whose kernel still takes connections). Yields its port."""
    server = socket.create_server((REMOTE_HOST, 0))
    held: list[socket.socket] = []

    def serve() -> None:
        while True:
            try:
                connection, _ = server.accept()
            except OSError:
                return
            held.append(connection)
            threading.Thread(target=answer, args=(connection,), daemon=True).start()

    def answer(connection: socket.socket) -> None:
        with connection:
            try:
                while request := connection.recv(4096):
                    if reply is not None:
                        connection.sendall(reply(request) if callable(reply) else reply)
            except OSError:
                pass

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield server.getsockname()[1]
    finally:
        server.close()
        for connection in held:
            connection.close()


def at_remote(settings: Settings, neo4j_port: int | None = None, redis_url: str | None = None) -> Settings:
    update: dict[str, Any] = {}
    if neo4j_port is not None:
        update["neo4j"] = settings.neo4j.model_copy(update={"uri": f"bolt://{REMOTE_HOST}:{neo4j_port}"})
    if redis_url is not None:
        update["redis"] = settings.redis.model_copy(update={"url": redis_url})
    remote = settings.model_copy(update=update)
    assert REMOTE_HOST not in LOOPBACK_HOSTS and not (remote.neo4j.is_local and remote.redis.is_local)
    return remote


def redis_row(settings: Settings) -> manager.ServiceStatus:
    return next(row for row in manager.status(settings) if row.name == "redis")


def redis_answering(request: bytes) -> bytes:
    """A Redis that needs no password: the driver's HELLO 3 (a map), then PING."""
    return b"%1\r\n+proto\r\n:3\r\n" if b"HELLO" in request else b"+PONG\r\n"


def test_a_remote_redis_that_answers_its_ping_reads_remote(settings: Settings) -> None:
    with remote_server(redis_answering) as port:
        row = redis_row(at_remote(settings, redis_url=f"redis://{REMOTE_HOST}:{port}/0"))
    assert row.state is manager.State.REMOTE, row
    assert row.detail is None


def test_a_remote_redis_that_wants_a_password_reads_not_answering(settings: Settings) -> None:
    with remote_server(b"-NOAUTH Authentication required.\r\n") as port:
        row = redis_row(at_remote(settings, redis_url=f"redis://{REMOTE_HOST}:{port}/0"))
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and row.detail.startswith("remote, not managed here; "), row.detail
    assert "Authentication required" in row.detail
    assert "log:" not in row.detail  # its log is on the other machine


def test_a_remote_redis_that_refuses_the_password_reads_not_answering(settings: Settings) -> None:
    wrong = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    with remote_server(wrong) as port:
        row = redis_row(at_remote(settings, redis_url=f"redis://:secret@{REMOTE_HOST}:{port}/0"))
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and "invalid username-password pair" in row.detail, row.detail
    assert "refused the credentials: " in row.detail  # a password was given: not said to be missing
    assert "secret" not in row.detail and row.address == f"redis://:***@{REMOTE_HOST}:{port}/0"


def test_a_remote_redis_that_answers_with_an_error_reads_not_answering(settings: Settings) -> None:
    with remote_server(b"-LOADING Redis is loading the dataset in memory\r\n") as port:
        row = redis_row(at_remote(settings, redis_url=f"redis://{REMOTE_HOST}:{port}/0"))
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and "loading the dataset" in row.detail, row.detail


def test_a_frozen_remote_neo4j_reads_not_answering_within_the_limit(settings: Settings) -> None:
    with remote_server(None) as port:
        started = time.monotonic()
        row = neo4j_row(at_remote(settings, neo4j_port=port))
        took = time.monotonic() - started
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail == "remote, not managed here; it did not answer Bolt's handshake within 2 s", row.detail
    assert took < neo4j_local.STATUS_TIMEOUT_S + 2, f"status took {took:.1f} s"


def test_a_program_that_is_not_neo4j_at_a_remote_address_is_named(settings: Settings) -> None:
    with remote_server(b"HTTP/1.1 400 Bad Request\r\n\r\n") as port:
        row = neo4j_row(at_remote(settings, neo4j_port=port))
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail is not None and f"the program listening on port {port} is not Neo4j" in row.detail


class AnsweringDatabase(OfflineDatabase):
    def database_status(self) -> dict[str, Any]:
        return {"current_status": "online", "status_message": ""}

    def ping(self) -> bool:
        return True


@pytest.fixture
def remote_neo4j(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[type], Settings]]:
    """A remote address that takes connections, and a driver that meets the given kind of database there."""
    with remote_server(None) as port:

        def meeting(database: type) -> Settings:
            monkeypatch.setattr(neo4j_local, "bolt_refusal", lambda host, port, timeout_s: None)
            monkeypatch.setattr(Graph, "connect", classmethod(lambda cls, neo: database()))
            return at_remote(settings, neo4j_port=port)

        yield meeting


def test_a_remote_neo4j_whose_database_answers_reads_remote(remote_neo4j: Callable[[type], Settings]) -> None:
    row = neo4j_row(remote_neo4j(AnsweringDatabase))
    assert row.state is manager.State.REMOTE, row


def test_a_remote_neo4j_whose_database_is_offline_reads_not_answering(
    remote_neo4j: Callable[[type], Settings],
) -> None:
    row = neo4j_row(remote_neo4j(OfflineDatabase))
    assert row.state is manager.State.NOT_ANSWERING, row
    assert row.detail == (
        "remote, not managed here; its database 'neo4j' is offline on the server "
        '("Unable to start `DatabaseId{2bf8e69e}`.")'
    )


def test_the_cli_says_remote_and_exits_3(
    settings: Settings, status_cli: Callable[[], Result], monkeypatch: pytest.MonkeyPatch
) -> None:
    with remote_server(b"-NOAUTH Authentication required.\r\n") as port:
        remote = at_remote(settings, redis_url=f"redis://{REMOTE_HOST}:{port}/0")
        monkeypatch.setattr(settings, "redis", remote.redis)  # status_cli reads the fixture's settings
        result = status_cli()
    assert result.exit_code == 3, result.output
    said = " ".join(result.output.split())
    assert (
        "running, but does not answer: remote, not managed here; "
        f"Redis at redis://{REMOTE_HOST}:{port}/0 refused the credentials "
        "(KGP_REDIS__URL gives no password): Authentication required. (set KGP_REDIS__URL, redis://user:password@host:port/db)"
    ) in said, said


def test_services_up_with_remote_services_starts_nothing_and_shows_no_password(settings: Settings) -> None:
    """`services up` printed a remote Redis URL's password in its table (`redis://:pw@host:6379/0`), where
    status and down print `***` (a review, 6 December 2026). Nothing listens at these remote addresses."""
    remote = at_remote(
        settings, neo4j_port=free_port(), redis_url=f"redis://:s3cret@{REMOTE_HOST}:{free_port()}/0"
    )
    rows = {row.name: row for row in manager.up(remote)}
    assert {name: row.state for name, row in rows.items()} == {
        "neo4j": manager.State.REMOTE,
        "redis": manager.State.REMOTE,
    }
    assert rows["redis"].address == f"redis://:***@{REMOTE_HOST}:{remote.redis.port}/0"
    assert not neo4j_local.layout_for(remote).pid_file.exists()
    assert manager.redis_local.running_pid(remote) is None
