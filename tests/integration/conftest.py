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


# What `impatient_api` bounds each transaction to.
IMPATIENT_TRANSACTION_S = 0.5


@pytest.fixture
def impatient_api(settings: Settings, graph: Graph) -> Iterator[Api]:
    """A second app on the same graph whose transactions end after 0.5 s, for the calls a test holds behind
    another transaction's lock, and only those: on a loaded machine a call nothing holds back can outlast
    0.5 s too, and its 503 failed the test's set-up or final checks (the answers test sent them again, the
    curriculum test did not). Those go through `api`."""
    bounded = settings.neo4j.model_copy(update={"transaction_timeout_s": IMPATIENT_TRANSACTION_S})
    with running_api(settings.model_copy(update={"neo4j": bounded}), graph) as harness:
        yield harness
