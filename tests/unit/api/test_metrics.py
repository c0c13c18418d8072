"""The request latency histogram's labels stay a small, fixed set whatever clients send."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.requests import ClientDisconnect, Request
from starlette.types import Message, Receive, Scope, Send

from kgplatform.api.metrics import ApiMetrics, RequestMetrics
from kgplatform.settings import get_settings
from tests.unit.api.serving_app import FakeRedis, serving_app


def latency_labels(metrics: ApiMetrics, name: str) -> set[str]:
    [family] = metrics.latency.collect()
    return {sample.labels[name] for sample in family.samples if sample.name.endswith("_count")}


def test_made_up_methods_share_one_label() -> None:
    """Each made-up method (`X0 /healthz`, `X1 /healthz`, ...: a 405) added series: h11 takes any token."""
    app, client = serving_app()
    for i in range(20):
        client.request(f"X{i}", "/healthz")
    client.get("/healthz")
    assert latency_labels(app.state.metrics, "method") == {"other", "GET"}


def test_requests_answered_before_or_outside_routing_are_labelled_with_their_route() -> None:
    """A 413 or 415 a middleware answers before routing, and /docs, /openapi.json and the /ui mount (routes
    that do not note themselves in the scope), were all `<unmatched>`, with the 404s of unknown paths: an
    operator found no refusal in the route's own series (a review, 8 December 2026)."""
    app, client = serving_app()
    over = get_settings().serving.max_small_body_bytes + 1
    json_body = {"content-type": "application/json"}
    assert client.put("/learners/l1/goals", content=b" " * over, headers=json_body).status_code == 413
    gzipped = {**json_body, "content-encoding": "gzip"}
    assert client.post("/answers", content=b"{}", headers=gzipped).status_code == 415
    assert client.get("/docs").status_code == 200
    assert client.get("/ui/").status_code == 200
    assert client.get("/nowhere/at/all").status_code == 404
    [family] = app.state.metrics.latency.collect()
    series = {(s.labels["route"], s.labels["status"]) for s in family.samples if s.name.endswith("_count")}
    assert series == {
        ("/learners/{learner_id}/goals", "413"),
        ("/answers", "415"),
        ("/docs", "200"),
        ("/ui", "200"),
        ("<unmatched>", "404"),
    }


def test_a_refusal_before_routing_is_labelled_with_the_route_routing_would_pick_for_its_method() -> None:
    """Matched as routing matches: PATCH /api-keys/me is the `/api-keys/{key_id}` route's (GET /api-keys/me
    comes first but takes only GET); a method no route of the path takes is the path's first route's, as
    routing's own 405 is, not `<unmatched>` with the 404s of unknown paths."""
    app, client = serving_app()
    over = b" " * (get_settings().serving.max_small_body_bytes + 1)
    json_body = {"content-type": "application/json"}
    assert client.patch("/api-keys/me", content=over, headers=json_body).status_code == 413
    assert client.post("/learners/l1/goals", content=over, headers=json_body).status_code == 413
    assert client.post("/api-keys/me", content=over, headers=json_body).status_code == 413
    [family] = app.state.metrics.latency.collect()
    series = {(s.labels["method"], s.labels["route"]) for s in family.samples if s.name.endswith("_count")}
    assert series == {
        ("PATCH", "/api-keys/{key_id}"),
        ("POST", "/learners/{learner_id}/goals"),
        ("POST", "/api-keys/me"),
    }


def test_made_up_methods_keep_no_memory_of_their_own() -> None:
    """The label was folded to `other`, but the memo of label children was keyed by the raw method: 2,000
    made-up 4 KB methods kept 10 MB (a review, s29)."""
    metrics = ApiMetrics(FakeRedis(), ["q"])  # type: ignore[arg-type]
    for i in range(1000):
        metrics.observe(f"X{i:04d}" + "f" * 4096, "/healthz", 405, 0.001)
    metrics.observe("GET", "/healthz", 200, 0.001)
    assert len(metrics._children) == 2


async def reads_the_body(scope: Scope, receive: Receive, send: Send) -> None:
    await Request(scope, receive).body()  # raises ClientDisconnect: the client left before sending it
    await send({"type": "http.response.start", "status": 200, "headers": []})


async def fails(scope: Scope, receive: Receive, send: Send) -> None:
    raise RuntimeError("a bug")


def status_of(app: object) -> set[str]:
    metrics = ApiMetrics(FakeRedis(), ["q"])  # type: ignore[arg-type]
    scope = {"type": "http", "method": "POST", "path": "/answers", "headers": [], "query_string": b""}

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(_: Message) -> None:
        pass

    async def call() -> None:
        # The error either raises is answered by the handler outside RequestMetrics.
        with contextlib.suppress(ClientDisconnect, RuntimeError):
            await RequestMetrics(app, metrics)(scope, receive, send)  # type: ignore[arg-type]

    asyncio.run(call())
    return latency_labels(metrics, "status")


def test_a_client_that_left_before_the_response_is_not_counted_as_a_500() -> None:
    assert status_of(reads_the_body) == {"disconnected"}
    assert status_of(fails) == {"500"}
