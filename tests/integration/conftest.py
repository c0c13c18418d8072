"""The API under test, shared by the integration folders that call it through its routes (serving and
jobs define their own)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings
from tests.integration.api.harness import Api, running_api


@pytest.fixture
def api(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[Api]:
    """The app on the emptied graph and the emptied Redis database. Each folder had its own copy of this
    fixture without Redis: a plan an earlier test (or an earlier run of the same test) cached for a learner
    of the same id was served from Redis, so a test passed alone and failed when run again
    (`test_a_teacher_key_naming_a_curriculum_does_not_choose_the_learners`, 5 December 2026)."""
    with running_api(settings, graph) as harness:
        yield harness
