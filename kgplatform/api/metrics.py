"""Prometheus metrics: request latency per route template, plan cache hits, queue depth; `/metrics`.

Each app has its own registry (tests build many apps in one process). Latency is labelled by the
route's template (`/learners/{learner_id}/next-tasks`), never the raw path, so label sets stay few.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import redis
from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
        self._children: dict[tuple[str, str, int], object] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = self.latency.labels(method, route, str(status))
        child.observe(seconds)  # type: ignore[attr-defined]

    def plan_lookup(self, result: str) -> None:
        self.plan_lookups.labels(result).inc()


class RequestMetrics:
    """Pure ASGI middleware timing each HTTP request under its route template."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or UNMATCHED
            self.metrics.observe(scope["method"], template, status, time.perf_counter() - start)


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
