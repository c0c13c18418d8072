"""Next-tasks serving through the real app (no services: `serving_app`): where each answer comes from
when Redis or Neo4j misbehaves."""

from __future__ import annotations

import pytest
from redis.exceptions import NoPermissionError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from tests.unit.api.serving_app import (
    SERVICE,
    FakeReader,
    FakeRedis,
    StubPlanner,
    cached_plan,
    serving_app,
)

REFUSED_READS = [
    NoPermissionError("this user has no permissions to run the 'mget' command"),
    ResponseError("a reply no table knows"),
]


@pytest.mark.parametrize("error", REFUSED_READS, ids=["noperm", "other"])
@pytest.mark.parametrize("query", ["", "?curriculum_id=maths"], ids=["fast-path", "route"])
def test_a_redis_that_refuses_the_read_is_a_miss_served_from_neo4j(error: Exception, query: str) -> None:
    """Any Redis error on the hit path was a 500 on every request; it is a miss, as for Redis down."""
    app, client = serving_app(FakeReader(error=error))
    serving = app.state.next_tasks
    planner = StubPlanner(cached_plan(model_version=serving.current_model_version()))
    serving.plan_service = lambda: planner
    response = client.get(f"/learners/l1/next-tasks{query}", headers=SERVICE)
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "graph" and planner.calls == ["l1"]


def test_a_redis_that_refuses_the_read_with_neo4j_down_is_a_503_with_retry_after() -> None:
    _, client = serving_app(FakeReader(error=REFUSED_READS[0]))
    response = client.get("/learners/l1/next-tasks", headers=SERVICE)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1


def test_a_redis_that_times_out_on_the_hit_path_is_skipped_by_the_compute_path_too() -> None:
    """The sync client would wait its own timeout (5 s) on the same Redis, for the read and the write."""
    sync_redis = FakeRedis()
    app, client = serving_app(FakeReader(error=RedisTimeoutError("no reply")), sync_redis=sync_redis)
    assert client.get("/learners/l1/next-tasks", headers=SERVICE).status_code == 503  # Neo4j down too
    assert app.state.next_tasks.cache.breaker.retry_after_s() > 0
    assert app.state.next_tasks.cache.get("l1") is None and sync_redis.calls == []
