"""Prometheus metrics of the workers: task durations and outcomes, plans recomputed, retries dropped, queue
depth and the on-demand due set.

Prefork workers run tasks in child processes, so task metrics use prometheus-client's multiprocess
mode: each process writes its samples under one directory (`PROMETHEUS_MULTIPROC_DIR`, set by
`kgplatform worker` from `settings.workers.metrics_dir` before anything imports prometheus_client),
and the worker's main process serves them all, with the broker's queue depths read at scrape time,
on `settings.workers.metrics_port`.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Iterator, Sequence

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from kgplatform.jobs.due import DUE_KEY

log = logging.getLogger(__name__)
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# kombu's Redis transport keeps priority levels 3, 6 and 9 in lists named queue + separator + level.
PRIORITY_SEPARATOR = "\x06\x16"
PRIORITY_LEVELS = ("3", "6", "9")

TASK_SECONDS = Histogram(
    "kgp_task_duration_seconds",
    "Time a Celery task ran, by task name and outcome.",
    ["task", "outcome"],
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600, 1800),
)
PLANS_RECOMPUTED = Counter(
    "kgp_plans_recomputed_total", "Plans computed by the workers, by mode (on_demand or batch).", ["mode"]
)
ONDEMAND_DROPPED = Counter(
    "kgp_ondemand_dropped_total",
    "Learners dropped from the on-demand due set after their plan failed on its own, in a row "
    "(kgplatform.jobs.drain.MAX_FAILURES times).",
)

RETRIES_DROPPED = Counter(
    "kgp_task_retries_dropped_total",
    "Task runs whose retry the broker refused for the whole send window (workers.patient_retry): their "
    "message goes back to the broker (requeued once the worker reconnects, else redelivered after the "
    "visibility timeout) and runs again.",
    ["task"],
)


class QueueDepthCollector(Collector):
    """Messages waiting in each broker queue, and messages taken but not yet acknowledged."""

    def __init__(
        self, client: redis.Redis, queues: Sequence[str], clock: Callable[[], float] = time.time
    ) -> None:
        self.client = client
        self.queues = list(queues)
        self.clock = clock

    def collect(self) -> Iterator[GaugeMetricFamily]:
        waiting = GaugeMetricFamily(
            "kgp_queue_depth", "Messages waiting in a broker queue.", labels=["queue"]
        )
        unacked = GaugeMetricFamily(
            "kgp_queue_unacked", "Messages delivered to workers, not yet acknowledged."
        )
        try:
            pipe = self.client.pipeline(transaction=False)
            for queue in self.queues:
                pipe.llen(queue)
                for level in PRIORITY_LEVELS:
                    pipe.llen(queue + PRIORITY_SEPARATOR + level)
            pipe.hlen("unacked")
            pipe.zcard(DUE_KEY)
            pipe.zrange(DUE_KEY, 0, 0, withscores=True)
            *lengths, owed, earliest = pipe.execute()
        except redis.RedisError as error:
            log.warning("queue depth unavailable: %s", error)
            return
        step = 1 + len(PRIORITY_LEVELS)
        for i, queue in enumerate(self.queues):
            waiting.add_metric([queue], float(sum(lengths[i * step : (i + 1) * step])))
        unacked.add_metric([], float(lengths[-1]))
        yield waiting
        yield unacked
        # The on-demand backlog: learners owed a plan, and how long past its due time (or its drain's lease
        # end) the earliest waits. Drains run every few seconds, so an overdue time that keeps growing says
        # nothing drains the set (no worker on `ondemand`, beat's sweep not running), where the queue depth
        # stays 0 (a review, s36).
        yield GaugeMetricFamily(
            "kgp_ondemand_due_learners", "Learners in the on-demand due set (owed a plan).", value=float(owed)
        )
        overdue = max(0.0, self.clock() - float(earliest[0][1])) if earliest else 0.0
        yield GaugeMetricFamily(
            "kgp_ondemand_overdue_seconds",
            "How long past its due time (or lease end) the earliest learner of the due set waits; 0 if none.",
            value=overdue,
        )


def metrics_registry(client: redis.Redis, queues: Sequence[str]) -> CollectorRegistry:
    """All processes' task metrics (when multiprocess mode is on) plus live queue depths."""
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        log.warning("%s is not set: /metrics shows this process's samples only", MULTIPROC_ENV)
        registry.register(TASK_SECONDS)
        registry.register(PLANS_RECOMPUTED)
        registry.register(ONDEMAND_DROPPED)
        registry.register(RETRIES_DROPPED)
    registry.register(QueueDepthCollector(client, queues))
    return registry


def serve_metrics(port: int, client: redis.Redis, queues: Sequence[str]) -> None:
    """Starts the /metrics HTTP server in a daemon thread of this process."""
    start_http_server(port, registry=metrics_registry(client, queues))
    log.info("worker metrics on :%s/metrics", port)
