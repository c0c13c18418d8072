"""The Celery app, configured from Settings. One Neo4j driver and one Redis client per worker process,
opened after the fork (a driver created before a fork breaks in the children). Nothing here imports
torch: the GNN is imported by the training task itself, only in the process that runs it."""

from __future__ import annotations

import logging
import threading
import time
import warnings
from collections import deque

import redis
from celery import Celery
from celery.exceptions import CPendingDeprecationWarning, TimeLimitExceeded
from celery.signals import (
    task_failure,
    task_postrun,
    task_prerun,
    worker_init,
    worker_process_init,
    worker_process_shutdown,
    worker_ready,
)
from kombu import Queue as KombuQueue

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.redis_client import open_redis
from kgplatform.settings import Settings, get_settings
from workers.message_format import known_formats
from workers.queues import Queue, route_task
from workers.schedule import beat_schedule

# Celery prints this notice at every broker reconnect while
# `worker_cancel_long_running_tasks_on_connection_loss` is false, chosen (`celery_config`) or not.
CANCEL_NOTICE = (
    r"\s*In Celery 5\.1 we introduced an optional breaking change which\s+on connection loss cancels"
)


def celery_config(settings: Settings) -> dict[str, object]:
    """Everything Celery needs, from Settings (the reliability choices are spelled out here)."""
    workers = settings.workers
    return {
        # A task is acknowledged after it ran, so a worker killed mid-task loses nothing: a dead pool
        # process's message is requeued at once (the retrain opts out: workers.tasks), a dead worker's is
        # handed to another worker once the visibility timeout has passed.
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        # KiB for Celery; checked after each task, so the task that grew the process (the retrain) ends first.
        "worker_max_memory_per_child": workers.max_memory_per_child_mib * 1024 or None,
        "task_serializer": "json",
        "result_serializer": "json",
        "accept_content": ["json"],
        "timezone": workers.timezone,
        "enable_utc": True,
        "task_queues": [KombuQueue(q.value, routing_key=q.value) for q in Queue],
        "task_default_queue": Queue.DEFAULT.value,
        "task_routes": (route_task,),
        "task_track_started": True,
        # The default hard limit of a task that names none: still under the visibility timeout.
        "task_time_limit": workers.max_chunk_s,
        "result_expires": 24 * 3600,
        "broker_connection_retry_on_startup": True,
        # Must exceed the longest task (the chunk's hard time limit; checked by Settings and a test).
        "broker_transport_options": {
            "visibility_timeout": workers.visibility_timeout_s,
            "unacked_restore_interval": workers.unacked_restore_interval_s,
            "unacked_restore_throttle": workers.unacked_restore_throttle,
        },
        "beat_schedule": beat_schedule(workers),
        # A send refused while Redis is away is tried again, not skipped until the entry's next run.
        "beat_scheduler": "workers.beat_scheduler:PatientScheduler",
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        # A task running when the broker connection drops runs on to its end (Celery 5's default, which
        # Celery 6 turns around): cancelled, a night's retrain would start over after every Redis blip
        # (docs/workers.md, "Reliability"); every task is safe to run twice, which a message redelivered
        # after its lost ack asks for. Chosen here, so Celery's eight-line notice of the coming default is
        # not printed at each reconnect (`CANCEL_NOTICE` above).
        "worker_cancel_long_running_tasks_on_connection_loss": False,
    }


def create_celery(settings: Settings) -> Celery:
    """An app on `settings`' Redis; workers load the module-level one, tests may make their own."""
    celery = Celery(
        "kgplatform",
        broker=settings.redis.url,
        backend=settings.redis.url,
        include=["workers.tasks"],
        # Every task checks its message's format before it runs (workers.message_format); importing that
        # module also connects the signal that stamps each message this release sends.
        task_cls="workers.message_format:FormatCheckedTask",
    )
    celery.conf.update(celery_config(settings))
    # Learners owed a plan get a drain at each broker (re)connect: a restart took the one held (the module).
    celery.steps["consumer"].add("workers.drain_rearm:RearmDrainOnConnect")
    return celery


settings = get_settings()
app = create_celery(settings)

_graph: Graph | None = None
_redis: redis.Redis | None = None
_started: dict[str, float] = {}
# Runs counted as killed at their hard time limit, lately: Celery 5.7 reports such a kill twice, from the
# pool's result handler and from its timeout handler, a millisecond apart, maybe on two threads.
_killed: deque[str] = deque(maxlen=64)
_killed_lock = threading.Lock()


@worker_process_init.connect
def open_clients(**_: object) -> None:
    global _graph, _redis
    _redis = open_redis(settings.redis.url)
    try:
        _graph = Graph.connect(settings.neo4j)
    except ServiceUnavailable as error:
        # Left to `get_graph`, which connects at the first task that needs Neo4j (a task meeting Neo4j
        # still away retries). Raised here, Celery logged each pool process's signal handler failure with
        # a chain of four tracebacks (about 40 lines a process) when a worker started, or was started again
        # by its supervisor, while Neo4j was away or still starting (an operator's test, 3 December).
        logging.getLogger(__name__).warning(
            "Neo4j not reachable as this pool process starts (%s); connecting at its first task",
            error.message,
        )


@worker_process_shutdown.connect
def close_clients(**_: object) -> None:
    if _graph is not None:
        _graph.close()
    if _redis is not None:
        _redis.close()


@worker_init.connect
def quiet_the_drivers_own_retries(**_: object) -> None:
    """A Neo4j outage is told by the task's retry, one line (`retry: Retry in Ns: ServiceUnavailable(...)`)
    or its failure. The driver's own lines came on top: a two-line warning for each of its transaction
    retries and an ERROR for each pooled connection Neo4j closed, 33 warnings and 2 errors for 6 task retries
    in an operator's 75 s Neo4j restart (3 December). Set in the main process, before the pool forks.
    Server notifications (`neo4j.notifications`) are kept."""
    logging.getLogger("neo4j.session").setLevel(logging.ERROR)  # "Transaction failed and will be retried"
    logging.getLogger("neo4j.io").setLevel(logging.CRITICAL)  # "<CONNECTION> error: ... defunct connection"


@worker_init.connect
def start_metrics(**_: object) -> None:
    """The /metrics exporter runs in the worker's main process (see kgplatform.jobs.metrics)."""
    if settings.workers.metrics_port:
        from kgplatform.jobs.metrics import serve_metrics

        try:
            serve_metrics(
                settings.workers.metrics_port,
                open_redis(settings.redis.url),
                [q.value for q in Queue],
            )
        except OSError as error:  # another worker on this machine already serves the port
            # A module logger: at worker_init Celery's own logger has no handler yet and dropped this.
            logging.getLogger(__name__).warning(
                "metrics not served: port %s is held by another process (another worker on this "
                "machine?): %s",
                settings.workers.metrics_port,
                error,
            )


@worker_ready.connect
def hide_cancel_notice(**_: object) -> None:
    """Drops `CANCEL_NOTICE`, the setting being chosen. At worker_ready: Celery's logging set-up, after
    worker_init, puts its own "always show" filter for these warnings first, which would win over one set
    earlier."""
    warnings.filterwarnings("ignore", message=CANCEL_NOTICE, category=CPendingDeprecationWarning)


@worker_ready.connect
def say_message_formats(**_: object) -> None:
    """One line at start: the message formats this worker runs (newer ones it leaves to newer workers),
    for an operator upgrading workers one by one. At worker_ready: Celery's log handler is set up by then."""
    logging.getLogger(__name__).info(
        "message formats this worker runs (newer ones are left for a newer worker; none stated: 1): %s",
        known_formats(),
    )


@worker_init.connect
def check_redis_eviction(**_: object) -> None:
    """Warns once per worker start when Redis may evict plan and stamp keys (see the module it calls)."""
    from kgplatform.planning.eviction_policy import check_eviction_policy

    client = open_redis(settings.redis.url)
    try:
        check_eviction_policy(client, "worker")
    finally:
        client.close()


@worker_init.connect
def check_graph_schema(**_: object) -> None:
    """Warns once per worker start when the graph lacks migrations this code ships (or has a newer
    release's), before the worker plans on it (kgplatform.graph.schema_check)."""
    from kgplatform.graph.schema_check import log_schema_findings

    try:
        graph = Graph.connect(settings.neo4j)
    except Exception as error:  # noqa: BLE001 - Neo4j not up yet: the first task meets it and retries
        logging.getLogger(__name__).debug("worker: schema not checked (%r)", error)
        return
    try:
        log_schema_findings(graph, "worker")
    finally:
        graph.close()


@task_prerun.connect
def _task_started(task_id: str, **_: object) -> None:
    _started[task_id] = time.perf_counter()


@task_postrun.connect
def _task_finished(task_id: str, task: object, state: str | None = None, **_: object) -> None:
    started = _started.pop(task_id, None)
    if started is not None:
        from kgplatform.jobs.metrics import TASK_SECONDS

        TASK_SECONDS.labels(getattr(task, "name", "?"), (state or "unknown").lower()).observe(
            time.perf_counter() - started
        )


@task_failure.connect
def _task_killed_at_hard_limit(
    task_id: str, exception: BaseException, sender: object = None, **_: object
) -> None:
    """A run killed at its hard time limit: its pool process is gone, so no postrun counted it, and Celery
    reports it from the worker's main process. Counted here, once, as a failure that ran for the limit:
    before, a chunk, drain or retrain killed there was missing from `kgp_task_duration_seconds`, which
    showed no failure while the job read failed (a review, 8 December 2026). A run this process saw start
    is left to its postrun (the solo pool runs both in one process)."""
    if not isinstance(exception, TimeLimitExceeded) or task_id in _started:
        return
    with _killed_lock:
        if task_id in _killed:
            return
        _killed.append(task_id)
    from kgplatform.jobs.metrics import TASK_SECONDS

    limit = exception.args[0] if exception.args and isinstance(exception.args[0], int | float) else 0.0
    TASK_SECONDS.labels(getattr(sender, "name", "?"), "failure").observe(float(limit))


def get_graph() -> Graph:
    """This process's graph; opened lazily where no fork happened (solo pool, eager tests)."""
    global _graph
    if _graph is None:
        _graph = Graph.connect(settings.neo4j)
    return _graph


def get_redis() -> redis.Redis:
    """This process's Redis client (plans cache, job progress, locks, debounce)."""
    global _redis
    if _redis is None:
        _redis = open_redis(settings.redis.url)
    return _redis
