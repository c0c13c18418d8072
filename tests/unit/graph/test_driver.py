"""`Graph`'s transaction timeout: every transaction it runs carries it, and a bounded view leaves the
original unbounded. The API's driver gives up on a server that accepts but never answers."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.app import API_CONNECTION_ACQUISITION_TIMEOUT_S, api_neo4j_settings
from kgplatform.graph.driver import Graph, open_driver
from kgplatform.settings import Neo4jSettings


class _Result:
    def keys(self) -> list[str]:
        return []

    def __iter__(self) -> Iterator[Any]:
        return iter(())


class _Tx:
    def run(self, *_: Any) -> _Result:
        return _Result()


class _Session:
    """Records the timeout of each transaction function, as the driver reads it (`unit_of_work`)."""

    def __init__(self, timeouts: list[float | None]) -> None:
        self.timeouts = timeouts

    def _execute(self, work: Callable[..., Any], *args: Any) -> Any:
        self.timeouts.append(getattr(work, "timeout", None))
        return work(_Tx(), *args)

    execute_read = execute_write = _execute


class _Driver:
    def __init__(self) -> None:
        self.timeouts: list[float | None] = []

    @contextmanager
    def session(self, **_: Any) -> Iterator[_Session]:
        yield _Session(self.timeouts)


def _run_every_kind_of_transaction(graph: Graph) -> None:
    graph.read("graph/ping")
    graph.read_plain("graph/ping")
    graph.write("graph/ping")
    graph.write_many([("graph/ping", {})])
    graph.execute_read(lambda tx: None)
    graph.execute_write(lambda tx: None)


def test_a_bounded_view_times_every_transaction_and_the_original_stays_unbounded() -> None:
    driver = _Driver()
    graph = Graph(driver, "neo4j")  # type: ignore[arg-type]
    _run_every_kind_of_transaction(graph.with_transaction_timeout(1.5))
    assert driver.timeouts == [1.5] * 6
    driver.timeouts.clear()
    _run_every_kind_of_transaction(graph)
    assert driver.timeouts == [None] * 6


def test_a_server_that_accepts_but_never_answers_is_given_up_on_within_the_acquisition_timeout() -> None:
    """A stalled Neo4j (a frozen process) or a TCP proxy whose backend is gone accepts the connection
    and then says nothing: `connection_timeout_s` bounds only the connect, and the driver waited its
    default 60 s for the handshake (a review, s34: each API request took 120 s to its 503)."""
    with socket.socket() as listener:  # accepts (the kernel does, from its backlog), never replies
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        port = listener.getsockname()[1]
        settings = api_neo4j_settings(Neo4jSettings(uri=f"bolt://127.0.0.1:{port}"))
        assert settings.connection_acquisition_timeout_s == API_CONNECTION_ACQUISITION_TIMEOUT_S
        driver = open_driver(settings, verify=False)
        started = time.monotonic()
        try:
            with pytest.raises((neo4j_errors.ServiceUnavailable, neo4j_errors.SessionExpired)):
                driver.verify_connectivity()
        finally:
            driver.close()
        assert time.monotonic() - started < API_CONNECTION_ACQUISITION_TIMEOUT_S + 3
