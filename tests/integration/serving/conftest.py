"""Fixtures for the serving tests: a generated curriculum, one learner with goals, and the real app
on the test Redis database (15) with one key per role."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
import redis
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import ServingSettings, Settings

CURRICULUM = "serving-test"
LEARNER = "serving-learner-1"


@dataclass
class World:
    concepts: list[str]
    tasks: list[str]


@dataclass
class Served:
    client: TestClient
    secrets: dict[Role, str]

    def headers(self, role: Role = Role.SERVICE) -> dict[str, str]:
        return {"X-API-Key": self.secrets[role]}

    def get(self, path: str, role: Role = Role.SERVICE, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers(role), **kwargs)


def test_settings(settings: Settings, **serving: Any) -> Settings:
    """The app's settings with some serving knobs changed (same Redis database as `redis_client`)."""
    return settings.model_copy(
        update={
            "serving": ServingSettings(**{**settings.serving.model_dump(), **serving}),
        }
    )


@pytest.fixture
def world(graph: Graph) -> World:
    document = generate_curriculum(30, seed=5, curriculum_id=CURRICULUM)
    report = run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test")
    assert report.imported, report.summary
    concepts = [c.id for c in document.concepts]
    MasteryService(MasteryStore(graph)).set_goals(LEARNER, concepts[-2:])
    return World(concepts, [t.id for t in document.tasks])


@pytest.fixture
def serve(
    settings: Settings, graph: Graph, redis_client: redis.Redis
) -> Callable[..., AbstractContextManager[Served]]:
    """`with serve(rate_limit_per_s=..., ...) as api:` runs the app with those serving settings."""
    secrets = {
        role: auth.issue_key(graph, role=role, name=f"{role.value}-tester", actor="tests").secret
        for role in Role
    }

    @contextmanager
    def running(**serving: Any) -> Iterator[Served]:
        app = create_app(test_settings(settings, **serving))
        with TestClient(app, raise_server_exceptions=False) as client:
            yield Served(client, secrets)

    return running


@pytest.fixture
def api(serve: Callable[..., AbstractContextManager[Served]]) -> Iterator[Served]:
    with serve() as served:
        yield served
