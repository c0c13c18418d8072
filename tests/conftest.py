"""Shared fixtures. Integration fixtures talk to the real Neo4j and Redis that scripts/test.sh starts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.services import manager
from kgplatform.settings import Settings, get_settings
from tests.empty_graph import empty_graph
from tests.wipe_guard import why_not_empty


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def may_empty(settings: Settings) -> None:
    """Stops the run before a fixture empties a graph or a Redis database someone's data may be in."""
    reason = why_not_empty(settings)
    if reason:
        pytest.exit(reason, returncode=2)


@pytest.fixture(scope="session")
def graph_session(settings: Settings, may_empty: None) -> Iterator[Graph]:
    """One driver for the whole run, schema migrated. Fails loudly when Neo4j is not there:
    the test command starts it, so its absence is a broken set-up, not a reason to skip."""
    graph = Graph.connect(settings.neo4j)
    migrate(graph)
    yield graph
    graph.close()


@pytest.fixture
def graph(graph_session: Graph) -> Iterator[Graph]:
    """A graph with no data (schema kept) before and after the test."""
    empty_graph(graph_session)
    yield graph_session
    empty_graph(graph_session)


@pytest.fixture
def redis_client(settings: Settings, may_empty: None) -> Iterator[redis.Redis]:
    """The Redis database the settings name, emptied before and after the test (the app under test
    uses the same one). scripts/test.sh points the tests at database 15, so a developer's data in
    database 0 is not touched."""
    client = redis.Redis.from_url(settings.redis.url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration/" in str(item.fspath) or "/integration/" in item.nodeid:
            item.add_marker(pytest.mark.integration)


@pytest.fixture
def services_restored(settings: Settings) -> Iterator[None]:
    """For tests that stop or kill Neo4j or Redis: whatever happens, both run again afterwards."""
    yield
    manager.up(settings)
