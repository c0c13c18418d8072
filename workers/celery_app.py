"""The Celery app, configured from Settings. One Neo4j driver per worker process, opened after the
fork (a driver created before a fork breaks in the children)."""

from __future__ import annotations

from celery import Celery
from celery.signals import worker_process_init, worker_process_shutdown

from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings

settings = get_settings()
app = Celery("kgplatform", broker=settings.redis.url, backend=settings.redis.url, include=["workers.tasks"])
app.conf.update(
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_serializer="json",
    result_serializer="json",
    accept_content=["json"],
    timezone="UTC",
    # The broker re-delivers an unacknowledged task after this long; it must exceed the longest task.
    broker_transport_options={"visibility_timeout": 6 * 3600},
)

_graph: Graph | None = None


@worker_process_init.connect
def open_graph(**_: object) -> None:
    global _graph
    _graph = Graph.connect(settings.neo4j)


@worker_process_shutdown.connect
def close_graph(**_: object) -> None:
    if _graph is not None:
        _graph.close()


def get_graph() -> Graph:
    """This process's graph; opened lazily where no fork happened (solo pool, eager tests)."""
    global _graph
    if _graph is None:
        _graph = Graph.connect(settings.neo4j)
    return _graph
