"""A send to a Redis that refuses the connection raises Redis's error, not kombu's wrapper around it."""

from __future__ import annotations

import kombu.pools
import pytest
import redis
from kombu.exceptions import OperationalError

from kgplatform.jobs.broker_errors import raising_redis_errors
from kgplatform.settings import Settings
from tests.integration.redis_at_limit import redis_taking_no_new_connection
from workers.celery_app import create_celery


def test_a_publish_refused_by_redis_raises_redis_connection_error(
    settings: Settings, redis_client: redis.Redis
) -> None:
    # Celery takes its broker connections from kombu's pools, shared by every app of the process: one an
    # earlier test opened would publish through the limit.
    kombu.pools.reset()
    send = create_celery(settings).send_task
    with redis_taking_no_new_connection(redis_client):
        # As kombu raises it: what callers that choose by type did not know.
        with pytest.raises(OperationalError):
            send("kgp.tests.nothing", ignore_result=True)
        with pytest.raises(redis.ConnectionError, match="max number of clients"):
            raising_redis_errors(send)("kgp.tests.nothing", ignore_result=True)
