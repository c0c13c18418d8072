"""The real app served by uvicorn on a free port in a thread of the test process, for tests in
which several clients send real HTTP requests at once over their own connections (the TestClient runs
each request through the app in the caller's thread, without a server's connections or thread pool)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
import uvicorn

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings

T = TypeVar("T")


@dataclass
class LiveApi:
    base_url: str
    secrets: dict[Role, str]

    def client(self, role: Role) -> httpx.Client:
        """A client of its own (its own connection) holding `role`'s key."""
        return httpx.Client(base_url=self.base_url, headers={"X-API-Key": self.secrets[role]}, timeout=30)


@contextmanager
def served_api(settings: Settings, graph: Graph) -> Iterator[LiveApi]:
    """`graph` is the emptied test graph; one key per role. The server stops when the block ends."""
    secrets = {
        role: auth.issue_key(graph, role=role, name=f"{role.value}-tester", actor="tests").secret
        for role in Role
    }
    # Port 0: the system picks a free one, so a demo or another checkout serving on the settings' port
    # (or two test runs at once) cannot make the server fail to start.
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the API did not start"
        time.sleep(0.05)
    try:
        port = server.servers[0].sockets[0].getsockname()[1]
        yield LiveApi(base_url=f"http://127.0.0.1:{port}", secrets=secrets)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def at_once(*calls: Callable[[], T]) -> list[T]:
    """Runs the calls in threads of their own, released together by a barrier; their results in order
    (an exception in a call is raised here)."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as error:  # noqa: BLE001 - handed to the caller's thread below
            results[index] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for result in results:
        if isinstance(result, BaseException):
            raise result
    return results
