"""The real app for unit tests, with its state set by hand: no lifespan, so no Neo4j and no Redis.

`serving_app` builds `create_app()` and gives it a plan reader that answers from a dict (or raises), a
graph that is down unless a test passes another, a sync Redis stand-in, and two keys the authenticator
has already checked (so the next-tasks fast path may answer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.api.plan_serving import NextTasksServing
from kgplatform.auth.models import Principal, Role
from kgplatform.auth.service import KeyAuthenticator, hash_secret
from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.schema_check import SchemaState, SchemaWatch
from kgplatform.mastery.service import CurrentParams
from kgplatform.planning.cache import plan_key
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import ServedPlan
from kgplatform.settings import get_settings

SERVICE_KEY = "kgp_" + "s" * 43
ADMIN_KEY = "kgp_" + "a" * 43
PRINCIPALS = {
    hash_secret(SERVICE_KEY): Principal(key_id="k-service", name="svc", role=Role.SERVICE),
    hash_secret(ADMIN_KEY): Principal(key_id="k-admin", name="ops", role=Role.ADMIN),
}
SERVICE = {"X-API-Key": SERVICE_KEY}
ADMIN = {"X-API-Key": ADMIN_KEY}


class FakeReader:
    """The async plan reader: MGET from `values`, or `error` raised."""

    def __init__(self, values: dict[str, bytes] | None = None, error: Exception | None = None) -> None:
        self.values, self.error = values or {}, error

    async def mget(self, *keys: str) -> list[bytes | None]:
        if self.error is not None:
            raise self.error
        return [self.values.get(key) for key in keys]

    async def close(self) -> None:
        pass


class DownGraph:
    """Every use is a Neo4j outage, as `GuardedGraph` reports one."""

    def __getattr__(self, name: str) -> Any:
        def down(*_: Any, **__: Any) -> Any:
            raise ServiceUnavailable("Neo4j (the graph database) is unavailable (a fake)", retry_after_s=2)

        return down


class FakeRedis:
    """The sync client: nothing cached; every command raises `error` when one is given."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.calls: list[str] = []

    def _call(self, name: str, result: Any = None) -> Any:
        self.calls.append(name)
        if self.error is not None:
            raise self.error
        return result

    def register_script(self, _: str) -> Any:
        return lambda **__: self._call("evalsha", 0)

    def get(self, _: str) -> bytes | None:
        return self._call("get")  # type: ignore[no-any-return]

    def set(self, *_: Any, **__: Any) -> bool:
        return self._call("set", True)  # type: ignore[no-any-return]


def cached_plan(
    *,
    model_version: str,
    learner_id: str = "l1",
    curriculum_id: str = "maths",
    created_at: datetime | None = None,
    curriculum_at: str | None = None,
    plan_id: str = "p1",
) -> dict[str, Any]:
    """A plan as Redis holds it (`PlanRecord.to_json`)."""
    created_at = created_at or datetime.now(UTC) - timedelta(minutes=5)
    return {
        "id": plan_id,
        "learner_id": learner_id,
        "curriculum_id": curriculum_id,
        "created_at": created_at.isoformat(),
        "model_version": model_version,
        "mastery_at": None,
        "curriculum_at": curriculum_at,
        "transfer_version": None,
        "placement": False,
        "tasks": [
            {
                "rank": 1,
                "task_id": "t1",
                "concept_id": "c1",
                "purpose": "learn",
                "predicted_success": 0.7,
                "reason": "ready to learn",
            }
        ],
    }


@dataclass
class StubPlanner:
    """Stands in for `PlanService` with Neo4j up: serves `plan` from `source`, fresh; counts its calls."""

    plan: dict[str, Any]
    source: str = "graph"
    calls: list[str] = field(default_factory=list)

    def current_plan(
        self, learner_id: str, curriculum_id: str | None = None, *, may_choose_curriculum: bool = True
    ) -> ServedPlan:
        self.calls.append(learner_id)
        return ServedPlan(PlanRecord.from_mapping(self.plan), 0.0, False, (), self.source)


MIGRATED = SchemaState(missing=(), newer=(), changed=())


def serving_app(
    reader: FakeReader | None = None, *, graph: Any = None, sync_redis: FakeRedis | None = None
) -> tuple[FastAPI, TestClient]:
    app = create_app()
    state = app.state
    state.settings = get_settings()
    state.authenticator = KeyAuthenticator(PRINCIPALS.get)
    for key in (SERVICE_KEY, ADMIN_KEY):
        state.authenticator.authenticate(key)
    state.tracer_params = CurrentParams(state.settings)
    state.graph = graph if graph is not None else DownGraph()
    state.schema_watch = SchemaWatch(lambda: MIGRATED)
    state.redis = sync_redis or FakeRedis()
    state.send_task = lambda *_, **__: None
    serving = NextTasksServing(
        "redis://localhost:1", state.graph, state.redis, state.tracer_params, state.metrics
    )
    serving.redis = reader or FakeReader()  # the unused real reader never connected
    state.next_tasks = serving
    return app, TestClient(app, raise_server_exceptions=False)


def cache(serving: NextTasksServing, plan: dict[str, Any]) -> None:
    """Puts `plan` in the reader's Redis as the learner's cached plan."""
    serving.redis = FakeReader({plan_key(plan["learner_id"]): orjson.dumps(plan)})
