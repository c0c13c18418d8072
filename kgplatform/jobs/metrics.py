"""Prometheus metrics of the workers: task durations and outcomes, plans recomputed, queue depth.

Prefork workers run tasks in child processes, so task metrics use prometheus-client's multiprocess
mode: each process writes its samples under one directory (`PROMETHEUS_MULTIPROC_DIR`, set by
`kgplatform worker` from `settings.workers.metrics_dir` before anything imports prometheus_client),
and the worker's main process serves them all, with the broker's queue depths read at scrape time,
on `settings.workers.metrics_port`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence

import redis
from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

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


class QueueDepthCollector(Collector):
    """Messages waiting in each broker queue, and messages taken but not yet acknowledged."""

    def __init__(self, client: redis.Redis, queues: Sequence[str]) -> None:
        self.client = client
        self.queues = list(queues)

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
            lengths = pipe.execute()
        except redis.RedisError as error:
            log.warning("queue depth unavailable: %s", error)
            return
        step = 1 + len(PRIORITY_LEVELS)
        for i, queue in enumerate(self.queues):
            waiting.add_metric([queue], float(sum(lengths[i * step : (i + 1) * step])))
        unacked.add_metric([], float(lengths[-1]))
        yield waiting
        yield unacked


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
    registry.register(QueueDepthCollector(client, queues))
    return registry


def serve_metrics(port: int, client: redis.Redis, queues: Sequence[str]) -> None:
    """Starts the /metrics HTTP server in a daemon thread of this process."""
    start_http_server(port, registry=metrics_registry(client, queues))
    log.info("worker metrics on :%s/metrics", port)
