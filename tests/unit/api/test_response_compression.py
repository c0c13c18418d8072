"""The compression middleware on a small Starlette app: which requests and answers it compresses, and that a
streamed answer stays streamed (each chunk sent compressed as it comes). Real HTTP: tests/integration/api."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.types import Message, Receive, Scope, Send

from kgplatform.api.response_compression import (
    API_GZIP_MIN_BYTES,
    CompressLargeResponses,
    accepts_gzip,
    is_compressed_path,
)

CHUNK = b'{"row": "' + b"x" * API_GZIP_MIN_BYTES + b'"}\n'
CHUNKS = 3


async def stream(_: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(CHUNKS):
            yield CHUNK

    return StreamingResponse(chunks(), media_type="application/json", headers={"ETag": '"7"'})


def sized(size: int):  # noqa: ANN201 - a route endpoint
    async def endpoint(_: Request) -> Response:
        return Response(b"a" * size, media_type="application/json", headers={"ETag": '"7"'})

    return endpoint


@pytest.fixture
def client() -> TestClient:
    app = Starlette(
        routes=[
            Route("/stream", stream),
            Route("/big", sized(API_GZIP_MIN_BYTES)),
            Route("/small", sized(API_GZIP_MIN_BYTES - 1)),
            Route("/api-keys", sized(API_GZIP_MIN_BYTES * 2)),
        ]
    )
    return TestClient(CompressLargeResponses(app))


@pytest.mark.parametrize(
    ("header", "accepted"),
    [
        ("gzip", True),
        ("gzip, deflate, br, zstd", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("GZIP", True),
        ("", False),
        ("identity", False),
        ("br", False),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("gzip;q=nonsense", False),
    ],
)
def test_accepts_gzip(header: str, accepted: bool) -> None:
    assert accepts_gzip(header) is accepted


@pytest.mark.parametrize(
    ("path", "compressed"),
    [
        ("/curricula/c", True),
        ("/learners/l/export", True),
        ("/ui/app.js", False),  # the page's files are compressed by PageFiles
        ("/api-keys", False),
        ("/api-keys/k1", False),
        ("/api-keysmith", True),
    ],
)
def test_is_compressed_path(path: str, compressed: bool) -> None:
    assert is_compressed_path(path) is compressed


def test_from_the_threshold_up_compressed_with_a_weak_etag(client: TestClient) -> None:
    big = client.get("/big", headers={"Accept-Encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    assert big.headers["etag"] == 'W/"7"'
    assert big.content == b"a" * API_GZIP_MIN_BYTES
    small = client.get("/small", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers
    assert small.headers["etag"] == '"7"'


def test_the_keys_routes_and_identity_clients_are_never_compressed(client: TestClient) -> None:
    keys = client.get("/api-keys", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in keys.headers
    assert keys.headers["etag"] == '"7"'
    plain = client.get("/big", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.headers["etag"] == '"7"'


def test_a_streamed_answer_is_compressed_chunk_by_chunk(client: TestClient) -> None:
    with client.stream("GET", "/stream", headers={"Accept-Encoding": "gzip"}) as response:
        assert response.headers["content-encoding"] == "gzip"
        assert "content-length" not in response.headers
        pieces = [piece for piece in response.iter_raw() if piece]
    # Each chunk is flushed as it comes, not gathered into one answer at the end.
    assert len(pieces) >= CHUNKS
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    first = decoder.decompress(pieces[0])
    assert first == CHUNK  # the first chunk decodes whole on its own
    assert first + b"".join(decoder.decompress(piece) for piece in pieces[1:]) == CHUNK * CHUNKS


def test_a_small_answer_declaring_its_length_goes_straight_on() -> None:
    """Its start is passed on as it is sent, not held for the body as the gzip responder holds it: next-tasks
    and POST /answers pay nothing for a browser's Accept-Encoding (they paid the responder on each)."""
    sent: list[str] = []

    async def small(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        assert sent == ["http.response.start"]  # already on its way
        await send({"type": "http.response.body", "body": b"{}"})

    async def record(message: Message) -> None:
        sent.append(message["type"])

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "path": "/learners/l/next-tasks", "headers": [(b"accept-encoding", b"gzip")]}
    asyncio.run(CompressLargeResponses(small)(scope, receive, record))
    assert sent == ["http.response.start", "http.response.body"]
