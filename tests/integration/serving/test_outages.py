"""Stopping and restarting the real Neo4j and Redis while one app keeps serving.

Neo4j down: cached next-tasks still 200 (even after the key cache's TTL), writes and misses 503
problem+json with Retry-After, nothing half-applied. Redis down: next-tasks computed from Neo4j.
After each restart everything works again without restarting the app.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import redis

from kgplatform.auth.models import Role
from kgplatform.auth.service import CACHE_TTL_S
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import answered_key
from kgplatform.services import manager, neo4j_local
from kgplatform.settings import Settings
from tests.integration.kill import kill_and_wait
from tests.integration.serving.conftest import LEARNER, Served, World

PATH = f"/learners/{LEARNER}/next-tasks"


def answer(event_id: str, task_id: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "learner_id": LEARNER,
        "task_id": task_id,
        "correct": True,
        "answered_at": datetime.now(UTC).isoformat(),
    }


def until(call: Callable[[], httpx.Response], status: int, within_s: float = 60.0) -> httpx.Response:
    """Repeats `call` until it answers `status` (the API must recover by itself)."""
    deadline = time.monotonic() + within_s
    while True:
        response = call()
        if response.status_code == status or time.monotonic() > deadline:
            return response
        time.sleep(0.5)


def assert_unavailable(response: httpx.Response, what: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["retry-after"]) >= 1
    body = response.json()
    assert body["title"] == "Service unavailable" and what in body["detail"]


def test_neo4j_outage_serves_cached_plans_refuses_writes_and_recovers(
    api: Served, world: World, graph: Graph, settings: Settings, services_restored: None
) -> None:
    post = lambda event: api.client.post(  # noqa: E731
        "/answers", json=answer(event, world.tasks[0]), headers=api.headers()
    )
    assert post("before").status_code == 200
    plan = api.get(PATH).json()
    before = graph.read("testing/count_mastery_data")[0]

    manager.down(settings, only=["neo4j"])
    cached = api.get(PATH)
    assert cached.status_code == 200 and cached.json()["plan_id"] == plan["plan_id"]
    assert_unavailable(post("during"), "Neo4j")
    assert_unavailable(
        api.client.put(
            f"/learners/{LEARNER}/goals", json={"concept_ids": world.concepts[:1]}, headers=api.headers()
        ),
        "Neo4j",
    )
    assert_unavailable(api.get("/learners/someone-else/next-tasks"), "Neo4j")
    assert api.client.get("/readyz").status_code == 503
    time.sleep(CACHE_TTL_S + 0.5)  # the key's cache entry expires: its lookup now fails, it still works
    still = api.get(PATH, params={"limit": 1})
    assert still.status_code == 200 and len(still.json()["tasks"]) == 1
    assert_unavailable(api.get(PATH, role=Role.ADMIN), "Neo4j")  # a key never seen cannot be checked

    manager.up(settings)
    assert until(lambda: api.client.get("/readyz"), 200).status_code == 200
    assert until(lambda: post("after"), 200).status_code == 200
    after = graph.read("testing/count_mastery_data")[0]
    assert after["answers"] == before["answers"] + 1  # "after" only: the refused "during" left nothing
    assert post("during").json()["accepted"] == ["during"]  # the refused event was never stored


def test_redis_outage_computes_plans_from_neo4j_and_recovers(
    api: Served, world: World, settings: Settings, services_restored: None, redis_client: redis.Redis
) -> None:
    plan = api.get(PATH).json()
    assert not plan["stale"]
    manager.down(settings, only=["redis"])
    from_graph = api.get(PATH)
    assert from_graph.status_code == 200, from_graph.text
    assert from_graph.json()["source"] == "graph" and from_graph.json()["plan_id"] == plan["plan_id"]
    assert api.client.get("/readyz").status_code == 503
    assert api.client.get("/metrics").status_code == 200
    # An answer while Redis is down is stored (Neo4j); its answer stamp cannot be written yet.
    answered_at = time.time()
    posted = api.client.post("/answers", json=answer("during-redis", world.tasks[0]), headers=api.headers())
    assert posted.status_code == 200 and posted.json()["accepted"] == ["during-redis"]

    manager.up(settings)
    assert until(lambda: api.client.get("/readyz"), 200).status_code == 200
    # At once, before the app's retry (every few seconds) writes the answer's stamp to Redis: the plan
    # cached before the outage is read from Redis again, and must not read as fresh (it did, for up to
    # the retry's period, until the serving path consulted the stamps the app still holds).
    at_once = api.get(PATH).json()
    assert at_once["stale"] or datetime.fromisoformat(at_once["created_at"]).timestamp() > answered_at, (
        at_once
    )
    # The plan cached before the outage survived it (append-only file) and predates that answer. The hit
    # path judges it by the answer stamp alone, so the stamp the app kept must reach Redis (within a few
    # seconds, with no new answer), dated when the answer was stored; else that plan reads as fresh.
    deadline = time.monotonic() + 20
    while (stamp := redis_client.get(answered_key(LEARNER))) is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert stamp is not None, "the answer stamp was never written"
    assert datetime.fromisoformat(plan["created_at"]).timestamp() < answered_at <= float(stamp) < time.time()
    # Whatever path answers now (the cached plan, marked stale, or a plan computed since the answer), no
    # plan older than the answer is served as fresh.
    served = api.get(PATH).json()
    assert served["stale"] or datetime.fromisoformat(served["created_at"]).timestamp() > answered_at, served


# "Immediate" as the README promises it: what a request costs when the server refuses connections.
FAST_503_S = 1.0


def timed(call: Callable[[], httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def test_a_killed_neo4j_is_a_503_within_a_second_for_every_request_and_the_api_recovers(
    api: Served, world: World, settings: Settings, services_restored: None
) -> None:
    """The driver retried each transaction for up to 3 s (delays 1 s, 2 s, 4 s) even with nothing
    listening: the first request after the crash, and the first of each circuit-breaker window after it,
    waited 3 to 7.5 s for their 503. Writes and reads that need Neo4j must now fail within a second."""
    miss = lambda: api.get("/learners/someone-else/next-tasks")  # noqa: E731 - needs Neo4j: no cached plan
    post = lambda: api.client.post(  # noqa: E731
        "/answers", json=answer("while-down", world.tasks[0]), headers=api.headers()
    )
    assert miss().status_code == 404  # the key is checked (and cached) and the driver's pool is warm
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "these tests need the Neo4j that `kgplatform services up` started"

    kill_and_wait(settings, pid)
    first, first_s = timed(post)  # the pooled connections are dead: no breaker is open yet
    assert_unavailable(first, "Neo4j")
    assert first_s < FAST_503_S, f"the first request after the crash took {first_s:.1f} s"
    time.sleep(api.client.app.state.graph.breaker.cooldown_s + 0.2)  # type: ignore[attr-defined]
    for window in range(2):  # the probe request of each breaker window, a read and then a write
        probe, probe_s = timed(miss if window == 0 else post)
        assert_unavailable(probe, "Neo4j")
        assert probe_s < FAST_503_S, f"the first request of breaker window {window} took {probe_s:.1f} s"
        refused, refused_s = timed(miss)  # the breaker is open again: refused without trying
        assert_unavailable(refused, "Neo4j")
        assert refused_s < FAST_503_S
        time.sleep(int(probe.headers["retry-after"]) + 0.2)

    manager.up(settings)
    assert until(miss, 404).status_code == 404
    assert post().json()["accepted"] == ["while-down"]  # none of the refused posts was stored
