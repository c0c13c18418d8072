"""A task's retry sent while Redis (the broker) restarts waits for it (`workers.patient_retry`): Celery
dropped the task when the send failed (`Reject(requeue=False)`), and a chunk whose run had failed because
Redis was restarting was lost for good (a review, s34)."""

from __future__ import annotations

import threading
import time

import pytest
import redis
from celery.exceptions import Retry

from kgplatform.services import manager
from kgplatform.settings import Settings
from workers import tasks
from workers.celery_app import app

WARM_UP_QUEUE = "kgp-test-warm-up"


def test_a_chunks_retry_sent_while_redis_restarts_reaches_the_queue(
    settings: Settings, redis_client: redis.Redis, services_restored: None
) -> None:
    task = tasks.recompute_chunk
    # A worker's connection to the broker is established long before (a first connection has retries of
    # its own: a send on it waits for the broker anyway).
    app.send_task("kgp.test.nothing", queue=WARM_UP_QUEUE)
    queue = "planning"
    before = redis_client.llen(queue)
    manager.down(settings, only=["redis"])
    back = threading.Timer(4.0, manager.up, args=(settings,))
    back.start()
    task.push_request(
        id="chunk-retry-test",
        args=({"job_id": "job-retry"},),
        kwargs={},
        retries=0,
        delivery_info={"exchange": "", "routing_key": queue},
        is_eager=False,
        called_directly=False,  # as in a worker: a direct call's retry re-raises its error instead
    )
    started = time.monotonic()
    try:
        with pytest.raises(Retry):  # sent; Reject (dropped) before
            task.retry(exc=redis.ConnectionError("Redis is restarting"), countdown=0)
    finally:
        task.pop_request()
        back.join()
    assert time.monotonic() - started >= 3.0, "sent before Redis was back?"
    assert redis_client.llen(queue) == before + 1
