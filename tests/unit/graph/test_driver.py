"""`Graph`'s transaction timeout: every transaction it runs carries it, and a bounded view leaves the
original unbounded."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from kgplatform.graph.driver import Graph


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
