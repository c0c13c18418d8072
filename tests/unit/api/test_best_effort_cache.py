"""The compute path's plan cache: Redis holds a copy, so a refusal costs a cache write, not the request."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import OutOfMemoryError, ReadOnlyError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kgplatform.api.best_effort_cache import BestEffortPlanCache
from kgplatform.api.outages import CircuitBreaker
from kgplatform.mastery.service import default_params
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import PlanService
from kgplatform.planning.stamps import InputStamps, model_version
from tests.unit.api.serving_app import FakeRedis

REFUSALS = [
    OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
    ReadOnlyError("You can't write against a read only replica."),
]


class StoredPlans:
    """The planning store with one fresh plan stored in Neo4j for l1."""

    def __init__(self, plan: dict[str, Any]) -> None:
        self.plan = plan

    def learner_curriculum(self, _: str) -> str:
        return "maths"

    def input_stamps(self, *_: str) -> InputStamps:
        return InputStamps(None, None, None)

    def latest_plan(self, _: str) -> dict[str, Any]:
        return self.plan


def stored_plan(version: str) -> dict[str, Any]:
    """A plan of l1 as Neo4j returns it, made a minute ago by planner `version`."""
    return {
        "id": "p1",
        "learner_id": "l1",
        "curriculum_id": "maths",
        "created_at": datetime.now(UTC) - timedelta(minutes=1),
        "model_version": version,
        "mastery_at": None,
        "curriculum_at": None,
        "transfer_version": None,
        "placement": False,
        "tasks": [],
    }


@pytest.mark.parametrize("refusal", REFUSALS, ids=["oom", "readonly"])
def test_a_stored_fresh_plan_is_served_when_redis_refuses_the_cache_write(refusal: Exception) -> None:
    """A full Redis (or a read-only replica) made every plan miss a 500 after the plan was stored, and the
    retry too: it found the stored plan fresh and failed on caching it again."""
    params = default_params()
    stored = stored_plan(model_version(params))
    redis_client = FakeRedis()
    cache = BestEffortPlanCache(redis_client)  # type: ignore[arg-type]
    redis_client.error = refusal
    served = PlanService(StoredPlans(stored), cache, params).current_plan("l1")  # type: ignore[arg-type]
    assert (served.source, served.stale, served.record.id) == ("graph", False, "p1")
    assert redis_client.calls == ["get", "evalsha"]


@pytest.mark.parametrize(
    "error", [*REFUSALS, RedisConnectionError("refused")], ids=["oom", "readonly", "down"]
)
def test_any_redis_error_reading_the_cache_is_a_miss(error: Exception) -> None:
    assert BestEffortPlanCache(FakeRedis(error)).get("l1") is None  # type: ignore[arg-type]


def test_after_a_timeout_redis_is_skipped_for_the_breakers_pause() -> None:
    """A Redis that does not answer cost every compute-path request the sync client's timeout (5 s), twice
    (the read, then the write of the new plan)."""
    now = [0.0]
    redis_client = FakeRedis(RedisTimeoutError("Timeout reading from socket"))
    cache = BestEffortPlanCache(redis_client, breaker=CircuitBreaker(2.0, clock=lambda: now[0]))  # type: ignore[arg-type]
    assert cache.get("l1") is None and cache.get("l1") is None
    assert cache.put(PlanRecord.from_mapping(stored_plan("m"))) is False
    assert redis_client.calls == ["get"]
    now[0] = 2.0
    assert cache.get("l1") is None and redis_client.calls == ["get", "get"]
