"""`kgplatform api` bounds a request's head: uvicorn's httptools parser kept headers of any size, and four
key-less connections sending 200 MB of them each took the API from 224 MB to 937 MB (a review, 5 December
2026). Checked against a real uvicorn server on a free port, serving a bare ASGI app."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from kgplatform.api.head_limit import BoundedHeadProtocol, bounded_head_protocol
from tests.ports import unused_port

BOUND = 16 * 1024


async def hello(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
    await send({"type": "http.response.body", "body": b"ok"})


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    free = unused_port()
    config = uvicorn.Config(
        hello,
        host="127.0.0.1",
        port=free,
        http=bounded_head_protocol(BOUND),
        log_level="critical",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield free
    server.should_exit = True
    thread.join(10)


def send_head(port: int, lines: list[bytes], piece: int = 4096) -> tuple[bytes, bool]:
    """Sends a GET with `lines` as its headers, `piece` bytes at a time, and reads the answer. Returns the
    answer and whether the server closed the connection before the head was all sent."""
    head = b"GET / HTTP/1.1\r\nhost: x\r\n" + b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    cut_off = False
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        try:
            for start in range(0, len(head), piece):
                connection.sendall(head[start : start + piece])
        except (BrokenPipeError, ConnectionResetError):
            cut_off = True
        answer = b""
        try:
            while chunk := connection.recv(65536):
                answer += chunk
                if b"\r\n\r\n" in answer and answer.startswith(b"HTTP/1.1 200"):
                    break
        except ConnectionResetError:
            pass
    return answer, cut_off


def test_a_head_within_the_bound_is_served(port: int) -> None:
    answer, _ = send_head(port, [b"x-api-key: kgp_" + b"a" * 43, b"x-pad: " + b"p" * (BOUND // 2)])
    assert answer.startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize("piece", [4096, 1 << 20], ids=["sent-in-pieces", "sent-at-once"])
@pytest.mark.parametrize(
    "lines",
    [
        [b"x-pad: " + b"p" * (4 * BOUND)],  # one header far over the bound
        [b"x-pad-%d: %s" % (k, b"p" * 100) for k in range(2000)],  # many small ones
        [b"x-pad: " + b"p" * (BOUND + 100)],  # just over it
    ],
    ids=["one-large-header", "many-headers", "just-over"],
)
def test_a_head_over_the_bound_is_a_431_and_the_connection_closes(
    port: int, lines: list[bytes], piece: int
) -> None:
    answer, _ = send_head(port, lines, piece)
    status, _, rest = answer.partition(b"\r\n")
    assert status == b"HTTP/1.1 431 Request Header Fields Too Large"
    head, _, body = rest.partition(b"\r\n\r\n")
    assert b"connection: close" in head and b"content-type: application/problem+json" in head
    problem = json.loads(body)
    assert problem["status"] == 431 and problem["field"] == "headers"
    assert f"{BOUND:,} bytes" in problem["detail"]


def test_the_api_command_serves_with_the_configured_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from kgplatform.cli.serve import api
    from kgplatform.settings import get_settings

    given: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_, **kwargs: given.update(kwargs))
    monkeypatch.setattr("kgplatform.cli.serve.refuse_unservable", lambda *_: None)
    api(None, None)
    assert issubclass(given["http"], BoundedHeadProtocol)
    assert given["http"].max_head_bytes == get_settings().serving.max_head_bytes
