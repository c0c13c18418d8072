"""Prometheus metrics: request latency per route template, plan cache hits, queue depth; `/metrics`.

Each app has its own registry (tests build many apps in one process). Latency is labelled by the
route's template (`/learners/{learner_id}/next-tasks`), never the raw path, and by a method from a fixed
set (any other token a client sends is "other"), so label sets stay few whatever clients send.
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

import redis
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette._utils import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.route_list import flat_routes
from kgplatform.jobs.metrics import QueueDepthCollector
from workers.queues import Queue

# Serving targets are single milliseconds; the buckets resolve them and still show slow computes.
LATENCY_BUCKETS = (
    0.0005,
    0.001,
    0.002,
    0.003,
    0.005,
    0.0075,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    10.0,
)
UNMATCHED = "<unmatched>"
# Under h11 a method is any token the client sends: each new one would add a series per route and status.
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
OTHER_METHOD = "other"
# The status of a request whose client left before the response started: no 5xx of ours.
DISCONNECTED = "disconnected"


class ApiMetrics:
    """The app's instruments."""

    def __init__(self, client: redis.Redis, queues: Sequence[str]) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "kgp_http_request_duration_seconds",
            "Time from request to the end of the response, per route template",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.plan_lookups = Counter(
            "kgp_plan_cache_lookups",
            "next-tasks answers by where the plan came from (cache hit rate = cache / all)",
            ["result"],
            registry=self.registry,
        )
        # The workers' collector: waiting messages per queue (priority lists included) and unacked ones.
        self.registry.register(QueueDepthCollector(client, list(queues) or [q.value for q in Queue]))
        self._children: dict[tuple[str, str, int | str], object] = {}

    def observe(self, method: str, route: str, status: int | str, seconds: float) -> None:
        # Keyed by the label, not the raw method: under h11 each made-up method kept an entry (and its 4 KB
        # name) for the process's life, from requests that need no key and are never rate limited.
        label = method if method in METHODS else OTHER_METHOD
        key = (label, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.latency.labels(label, route, str(status))
        child.observe(seconds)  # type: ignore[attr-defined]

    def plan_lookup(self, result: str) -> None:
        self.plan_lookups.labels(result).inc()


class RequestMetrics:
    """Pure ASGI middleware timing each HTTP request under its route template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics
        self.templates = RouteTemplates()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        root_path = scope.get("root_path", "")  # before a mount's routing extends it
        status: int | None = None
        left = False

        async def noting_receive() -> Message:
            nonlocal left
            message = await receive()
            left = left or message["type"] == "http.disconnect"
            return message

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, noting_receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or self.templates.of(scope, root_path)
            # No response started: the error handler outside sends a 500, unless the client had left (the
            # route failed reading a body that never came: ClientDisconnect).
            outcome = status if status is not None else DISCONNECTED if left else 500
            self.metrics.observe(scope["method"], template, outcome, time.perf_counter() - start)


class RouteTemplates:
    """The template of the route a request's path names, for a request that routing never labelled: one a
    middleware refused first (413 over the size, 415, 429, a 401 before a bulk body) or a route that does not
    note itself in the scope (/docs, /openapi.json, the /ui mount). They were all `<unmatched>`, with the 404s
    of unknown paths, so a route's refusals were missing from its own series (a review, 8 December 2026).
    Matched as routing does: the first route of the path and method, else the first of the path (a 405);
    `<unmatched>` when none."""

    def __init__(self) -> None:
        # (path regex, methods or None for any, template), read on the first such request (every route was
        # added by then), and copied out: FastAPI's view of a route resolves each attribute on every read.
        self._routes: list[tuple[re.Pattern[str], frozenset[str] | None, str]] | None = None

    def of(self, scope: Scope, root_path: str) -> str:
        app = scope.get("app")
        if app is None:
            return UNMATCHED
        if self._routes is None:
            self._routes = [
                (
                    r.path_regex,
                    None if (methods := getattr(r, "methods", None)) is None else frozenset(methods),
                    r.path,
                )
                for r in flat_routes(app.routes)
                if getattr(r, "path_regex", None) is not None
            ]
        # On the request as it came: a mount's routing extends the root path.
        path = get_route_path({"path": scope["path"], "root_path": root_path})
        partial = None
        for regex, methods, template in self._routes:
            if regex.match(path):
                if methods is None or scope["method"] in methods:
                    return template
                partial = partial or template
        return partial or UNMATCHED


router = APIRouter(tags=["health"])


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
            "description": "Prometheus text exposition format",
        }
    },
)
def metrics(request: Request) -> Response:
    """Latency histograms per route, plan cache hits and misses, queue depth. No key needed (scrapers)."""
    api_metrics: ApiMetrics = request.app.state.metrics
    return Response(generate_latest(api_metrics.registry), media_type=CONTENT_TYPE_LATEST)
