"""Large answers gzip-compressed for a client that asks, over real HTTP (uvicorn, httpx): the bytes on the
wire, the ETag each representation carries and the preconditions sent back with it
(api/response_compression.py). httpx decodes a gzip body by itself; `raw_read` takes the bytes as they came.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator

import httpx
import pytest
import redis

from kgplatform.api.response_compression import API_GZIP_MIN_BYTES
from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings
from tests.integration.live_api import served_api

CURRICULUM = "gz"
GZIP = {"Accept-Encoding": "gzip"}
IDENTITY = {"Accept-Encoding": "identity"}


@pytest.fixture
def designer(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[httpx.Client]:
    """A designer's client on the served API, and curriculum gz of 300 concepts (about 200 KB of JSON)."""
    document = generate_curriculum(300, seed=7, curriculum_id=CURRICULUM)
    report = run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="tests")
    assert report.imported, report.summary
    with served_api(settings, graph) as live, live.client(Role.DESIGNER) as client:
        yield client


def raw_read(client: httpx.Client, path: str, headers: dict[str, str]) -> tuple[httpx.Response, bytes]:
    """The response and its body's bytes as sent (not decoded)."""
    with client.stream("GET", path, headers=headers) as response:
        return response, b"".join(response.iter_raw())


def test_a_large_read_is_gzip_with_a_weak_etag_and_the_same_json(designer: httpx.Client) -> None:
    plain, plain_bytes = raw_read(designer, f"/curricula/{CURRICULUM}", IDENTITY)
    packed, packed_bytes = raw_read(designer, f"/curricula/{CURRICULUM}", GZIP)
    assert plain.status_code == packed.status_code == 200
    assert len(plain_bytes) >= API_GZIP_MIN_BYTES
    assert "content-encoding" not in plain.headers
    assert packed.headers["content-encoding"] == "gzip"
    assert "accept-encoding" in packed.headers["vary"].lower()
    assert gzip.decompress(packed_bytes) == plain_bytes
    assert len(packed_bytes) * 4 < len(plain_bytes)
    # One state, two representations: the identity one keeps the strong ETag, the gzip one a weak one.
    assert plain.headers["etag"].startswith('"curriculum@')
    assert packed.headers["etag"] == "W/" + plain.headers["etag"]
    # The API's own headers are still there.
    assert packed.headers["cache-control"] == "no-store"


def test_the_weak_etag_of_a_compressed_read_still_answers_304_and_guards_an_import(
    designer: httpx.Client,
) -> None:
    packed, _ = raw_read(designer, f"/curricula/{CURRICULUM}?tasks=false", GZIP)
    weak = packed.headers["etag"]
    assert weak.startswith('W/"curriculum@')
    for headers in (GZIP, IDENTITY):
        again = designer.get(
            f"/curricula/{CURRICULUM}?tasks=false", headers={**headers, "If-None-Match": weak}
        )
        assert again.status_code == 304, again.text
        assert again.content == b""
    document = designer.get(f"/curricula/{CURRICULUM}/export?format=json", headers=GZIP).json()
    dry_run = designer.post(
        f"/curricula/{CURRICULUM}/import?dry_run=true", json=document, headers={**GZIP, "If-Match": weak}
    )
    assert dry_run.status_code == 200, dry_run.text


def test_small_answers_errors_and_head_go_uncompressed(designer: httpx.Client) -> None:
    concept = designer.get(f"/curricula/{CURRICULUM}/concepts?limit=1", headers=GZIP).json()["items"][0]
    small, _ = raw_read(designer, f"/concepts/{concept['id']}", GZIP)
    assert small.status_code == 200
    assert "content-encoding" not in small.headers
    assert small.headers["etag"].startswith('"')  # strong: the only representation sent
    missing, missing_bytes = raw_read(designer, "/curricula/no-such-curriculum", GZIP)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    assert "content-encoding" not in missing.headers
    assert b"no-such-curriculum" in missing_bytes
    # The API's routes take no HEAD (a 405 naming GET); asking for gzip changes nothing about that answer.
    head = designer.head(f"/curricula/{CURRICULUM}", headers=GZIP)
    assert head.status_code == designer.head(f"/curricula/{CURRICULUM}", headers=IDENTITY).status_code
    assert "content-encoding" not in head.headers
    assert head.content == b""


def test_a_client_refusing_gzip_gets_identity(designer: httpx.Client) -> None:
    refused, body = raw_read(designer, f"/curricula/{CURRICULUM}", {"Accept-Encoding": "gzip;q=0, identity"})
    assert refused.status_code == 200
    assert "content-encoding" not in refused.headers
    assert body.startswith(b"{")
