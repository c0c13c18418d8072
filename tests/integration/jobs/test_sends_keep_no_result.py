"""The API's and the CLI's sends (a drain after answers, a batch asked for) ask Celery to keep no result:
sent by name, they made Celery's Redis result backend subscribe to each task's result channel as the message
went out, on a connection of its own, for results nobody reads (the tasks keep none), and where Redis took
no new connection that subscription retried for 19 s before the send failed (a review, 7 December 2026)."""

from __future__ import annotations

import gc

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.on_demand import request_recomputes
from kgplatform.jobs.service import JobService
from kgplatform.settings import Settings
from workers.celery_app import create_celery
from workers.queues import Queue


def _calls(client: redis.Redis, command: str) -> int:
    return int(client.info("commandstats").get(f"cmdstat_{command}", {}).get("calls", 0))


def _queued(client: redis.Redis) -> int:
    return sum(client.llen(queue.value) for queue in Queue)


def test_a_drain_and_a_batch_are_sent_without_subscribing_to_their_results(
    settings: Settings, graph: Graph, redis_client: redis.Redis
) -> None:
    celery = create_celery(settings)
    try:
        subscribed, pushed = _calls(redis_client, "subscribe"), _calls(redis_client, "lpush")
        assert request_recomputes(redis_client, ["learner-1"], settings.workers, celery.send_task) == 1
        JobService(redis_client, graph, settings.workers).start_recompute_all(celery.send_task)
        gc.collect()  # an unread result unsubscribes once collected: its subscription was made by then
        assert _queued(redis_client) == 2 and _calls(redis_client, "lpush") == pushed + 2  # both sent
        assert _calls(redis_client, "subscribe") == subscribed
        assert not any(key.startswith(b"celery-task-meta-") for key in redis_client.scan_iter())
    finally:
        celery.close()
