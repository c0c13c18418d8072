"""The app on the emptied graph and Redis database, for the model-based machines (model_machine.py), which
issue their own keys on each example's empty graph."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from kgplatform.api.app import create_app
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings


@pytest.fixture
def app_client(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[TestClient]:
    with TestClient(create_app(settings)) as client:
        yield client
