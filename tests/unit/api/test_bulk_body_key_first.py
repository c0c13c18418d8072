"""A bulk route's large body is never read for a caller who could not send it (`BulkBodyKeyFirst`).

FastAPI parses a declared JSON body before any dependency, the key check included: a key-less POST /answers
of 32 MiB of `{},` took the API from 151 MB to 1 GB and held its event loop about 5 s before the 401
(a review, 3 December). These drive the real app as ASGI and watch whether the body is ever received.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from starlette.types import Message

from kgplatform.auth.models import Principal, Role
from kgplatform.auth.service import KeyAuthenticator, hash_secret
from tests.unit.api.serving_app import serving_app

DESIGNER_KEY = "kgp_" + "d" * 43
SERVICE_KEY = "kgp_" + "s" * 43
LARGE = 1024 * 1024  # over the small routes' 256 KiB, well under the bulk routes' 32 MiB
KEYS = {
    hash_secret(DESIGNER_KEY): Principal(key_id="k-d", name="des", role=Role.DESIGNER),
    hash_secret(SERVICE_KEY): Principal(key_id="k-s", name="svc", role=Role.SERVICE),
}


def post(path: str, key: str | None, length: int | None) -> tuple[int, dict[str, Any], int]:
    """POST `path` with a body of `length` bytes (None: chunked): the status, the problem body, and how
    many times the app asked for the body."""
    app, _ = serving_app()
    app.state.authenticator = KeyAuthenticator(KEYS.get)  # nothing cached: every key is looked up
    headers = [(b"content-type", b"application/json")]
    headers.append(
        (b"content-length", str(length).encode())
        if length is not None
        else (b"transfer-encoding", b"chunked")
    )
    if key is not None:
        headers.append((b"x-api-key", key.encode()))
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("10.0.0.9", 5000),
        "server": ("testserver", 80),
        "scheme": "http",
        "root_path": "",
    }
    received = 0
    sent: list[Message] = []

    async def receive() -> Message:
        nonlocal received
        received += 1
        return {"type": "http.request", "body": b"{" * (length or 10), "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body), received


@pytest.mark.parametrize("length", [LARGE, None])
@pytest.mark.parametrize("path", ["/answers", "/curricula/maths/import"])
def test_a_large_body_without_a_key_is_401_before_it_is_read(path: str, length: int | None) -> None:
    status, problem, received = post(path, None, length)
    assert (status, problem["field"]) == (401, "X-API-Key")
    assert received == 0, "the body was read before the key was checked"


def test_a_made_up_key_is_401_before_the_body_is_read() -> None:
    status, problem, received = post("/answers", "kgp_" + "x" * 43, LARGE)
    assert (status, received) == (401, 0)
    assert "revoked" in problem["detail"]


@pytest.mark.parametrize(
    ("path", "key", "needed"),
    [
        ("/answers", DESIGNER_KEY, ["admin", "service"]),
        ("/curricula/m/import", SERVICE_KEY, ["admin", "designer"]),
    ],
)
def test_a_key_of_the_wrong_role_is_403_before_the_body_is_read(
    path: str, key: str, needed: list[str]
) -> None:
    status, problem, received = post(path, key, LARGE)
    assert (status, problem["required_roles"], received) == (403, needed, 0)


def test_a_key_of_the_route_s_role_has_its_body_read() -> None:
    # The body (a run of '{') is no JSON: the route's parser answers 422 about the body, having read it.
    status, problem, received = post("/answers", SERVICE_KEY, LARGE)
    assert (status, problem["field"], received) == (422, "body", 1)


def test_a_small_body_goes_on_to_the_route_s_own_check() -> None:
    """Within the small routes' bound a body costs no more than theirs: the route checks the key as ever
    (FastAPI reads the body first, so a malformed one is a 422 even without a key)."""
    status, problem, received = post("/answers", None, 1000)
    assert (status, problem["field"], received) == (422, "body", 1)
