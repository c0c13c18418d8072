"""Request limits (413, 429 with Retry-After) and the one error shape: every 4xx and 5xx is
problem+json naming the cause, unexpected errors leak nothing, outages are 503."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from tests.integration.serving.conftest import LEARNER, Served, World
from tests.integration.serving.test_next_tasks import PATH, assert_problem

Serve = Callable[..., AbstractContextManager[Served]]


def answers_stored(graph: Graph) -> int:
    return int(graph.read("testing/count_mastery_data")[0]["answers"])


def test_body_over_the_limit_is_413_and_changes_nothing(serve: Serve, world: World, graph: Graph) -> None:
    rows = [
        {
            "event_id": f"e{i}",
            "learner_id": LEARNER,
            "task_id": world.tasks[0],
            "correct": True,
            "answered_at": "2026-03-02T09:00:00Z",
        }
        for i in range(100)
    ]
    with serve(max_body_bytes=2048) as api:
        body = assert_problem(api.client.post("/answers", json=rows, headers=api.headers()), 413, "body")
        assert body["max_bytes"] == 2048

        def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts the streamed bytes
            yield b"["
            for i in range(100):
                yield (b"," if i else b"") + b'{"event_id": "x%d", "learner_id": "l", "task_id": "t"}' % i
            yield b"]"

        streamed = api.client.post(
            "/answers", content=chunks(), headers={**api.headers(), "Content-Type": "application/json"}
        )
        assert_problem(streamed, 413, "body")
        assert api.client.post("/answers", json=rows[:1], headers=api.headers()).status_code == 200
    assert answers_stored(graph) == 1


def test_answers_have_their_own_body_limit(serve: Serve, world: World, graph: Graph) -> None:
    """POST /answers is bounded by `max_answers_body_bytes`, an import by `max_body_bytes` alone: a service
    key's 32 MiB of `{},` cost the API 900 MB to parse before its 10,000-answer limit refused it."""
    rows = [
        {"event_id": f"e{i}", "learner_id": LEARNER, "task_id": world.tasks[0], "correct": True,
         "answered_at": "2026-03-02T09:00:00Z"}
        for i in range(40)
    ]  # fmt: skip
    with serve(max_answers_body_bytes=2048) as api:
        body = assert_problem(api.client.post("/answers", json=rows, headers=api.headers()), 413, "body")
        assert body["max_bytes"] == 2048
        # A 3 KB import is still read (and refused by its own rules, not by size).
        document = {"curriculum": {"id": "big", "name": "x" * 3000}, "concepts": [], "prerequisites": []}
        imported = api.client.post("/curricula/big/import", json=document, headers=api.headers(Role.DESIGNER))
        assert imported.status_code != 413, imported.text
        assert api.client.post("/answers", json=rows[:1], headers=api.headers()).status_code == 200
    assert answers_stored(graph) == 1


@pytest.mark.parametrize("backend", ["local", "redis"])
def test_rate_limit_is_per_key_429_with_retry_after(serve: Serve, world: World, backend: str) -> None:
    # 3 requests per 30 s. The Redis backend's windows start at multiples of 30 s since the epoch, not with
    # the test: one that rolled over mid-test gave the address a fresh budget (a CI run, 1 December: the
    # made-up keys got 401, 401, 401, 429). Started early in a window, the test ends within it.
    if backend == "redis" and (left := 30 - time.time() % 30) < 20:
        time.sleep(left + 0.1)
    with serve(rate_limit_per_s=0.1, rate_limit_burst=3, rate_limit_backend=backend) as api:
        # The key's first request counts against the client address (the key is not checked yet);
        # the next three spend the key's own burst.
        statuses = [
            api.client.get("/learners/nobody/mastery", headers=api.headers()).status_code for _ in range(5)
        ]
        assert 429 not in statuses[:4] and statuses[4] == 429
        refused = api.client.get(PATH, headers=api.headers())
        body = assert_problem(refused, 429, "X-API-Key")
        assert int(refused.headers["retry-after"]) >= 1 and body["retry_after_s"] >= 1
        assert api.get(PATH, role=Role.ADMIN).status_code == 200  # another key has its own budget
        # Made-up keys share the address's budget, of which the two keys' first requests left one
        # token: a new key per request gains nothing.
        junk = [api.client.get(PATH, headers={"X-API-Key": f"kgp_junk{i}"}).status_code for i in range(4)]
        assert junk == [401, 429, 429, 429]
        assert all(api.client.get("/healthz").status_code == 200 for _ in range(5))  # probes never limited


def test_unexpected_error_is_500_problem_without_internals(api: Served, world: World) -> None:
    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("secret connection string bolt://user:pw@db")

    api.client.app.state.next_tasks.plan_service = broken  # type: ignore[attr-defined]
    body = assert_problem(api.get(PATH), 500)
    assert not any(leak in str(body) for leak in ("secret", "pw@", "RuntimeError", "Traceback"))
    assert body["error_id"] in body["detail"]


def test_a_raw_driver_outage_is_503_with_retry_after(api: Served, world: World) -> None:
    def down(*_: object, **__: object) -> None:
        raise neo4j_errors.ServiceUnavailable("connection refused")

    api.client.app.state.next_tasks.plan_service = down  # type: ignore[attr-defined]
    response = api.get(PATH)
    body = assert_problem(response, 503)
    assert "Neo4j" in body["detail"] and int(response.headers["retry-after"]) >= 1


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no/such/route", 404),
        ("DELETE", "/healthz", 405),
        ("GET", "/learners/x/next-tasks?limit=-1", 422),
        ("POST", "/answers", 422),
        ("GET", "/api-keys", 403),
    ],
)
def test_framework_errors_are_problem_json_too(
    api: Served, world: World, method: str, path: str, status: int
) -> None:
    # Sent as JSON: a body without a Content-Type is a 415 (tests/integration/mastery/test_answers_api.py).
    headers = {**api.headers(), "Content-Type": "application/json"}
    response = api.client.request(method, path, headers=headers, content=b"{not json")
    body = assert_problem(response, status)
    assert body["type"] == "about:blank" and body["detail"] != ""


@pytest.mark.parametrize(("method", "path"), [("POST", "/answers/"), ("GET", "/api-keys/")])
def test_a_trailing_slash_is_a_404_not_a_redirect_built_from_the_host_header(
    api: Served, world: World, method: str, path: str
) -> None:
    """Starlette redirected /answers/ to http://<Host>/answers (307): behind a TLS proxy a client
    following it re-sent the body and its X-API-Key in clear, to whatever host the request named (a
    review, 1 December)."""
    headers = {**api.headers(), "Host": "evil.example", "Content-Type": "application/json"}
    response = api.client.request(method, path, headers=headers, content=b"[]", follow_redirects=False)
    assert_problem(response, 404)
    assert "location" not in response.headers
