"""The broker queues and which task goes to which: planning and training scale apart.

Training (the GNN) is long and memory-hungry; planning is many short chunks. Separate queues let an
operator run `kgplatform worker --queues training --concurrency 1` on one machine and planning workers
on others, so a retrain never starves the nightly batch or on-demand plans. On-demand recomputes (one
learner, seconds after their answers) have a queue of their own: in the FIFO planning queue they would
wait behind every chunk of a batch already fanned out. A worker consuming several queues takes from
them in turn, so planning workers that also consume `ondemand` (the default) serve it between chunks.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum


class Queue(StrEnum):
    ONDEMAND = "ondemand"
    PLANNING = "planning"
    TRAINING = "training"
    # Everything else: pings, curriculum imports.
    DEFAULT = "default"


# Task name -> queue. A task missing here goes to Queue.DEFAULT.
TASK_QUEUES: dict[str, Queue] = {
    "kgp.plans.recompute_learner": Queue.ONDEMAND,
    "kgp.plans.recompute_due": Queue.ONDEMAND,
    "kgp.plans.recompute_all": Queue.PLANNING,
    "kgp.plans.recompute_chunk": Queue.PLANNING,
    "kgp.plans.nightly": Queue.PLANNING,
    "kgp.plans.recompute_after_failed_retrain": Queue.PLANNING,
    "kgp.transfer.retrain": Queue.TRAINING,
    "kgp.curriculum.import_file": Queue.DEFAULT,
    "kgp.system.ping": Queue.DEFAULT,
}


def route_task(name: str, *_: object, **__: object) -> dict[str, str]:
    """Celery router: the queue of a task by its stable name."""
    return {"queue": TASK_QUEUES.get(name, Queue.DEFAULT).value}


# What `kgplatform worker` consumes unless told otherwise: everything, on-demand first.
DEFAULT_WORKER_QUEUES: tuple[Queue, ...] = (Queue.ONDEMAND, Queue.PLANNING, Queue.TRAINING, Queue.DEFAULT)


def queue_list(text: str) -> list[str]:
    """Comma-separated queue names (`planning,ondemand`, as `kgplatform worker --queues` and
    KGP_SERVING__QUEUES take them), blanks dropped."""
    return [name.strip() for name in text.split(",") if name.strip()]


def unknown_queues(names: Iterable[str]) -> str | None:
    """What is wrong with `names` (a misspelt queue is never consumed, and its depth reads 0 for ever), or
    None when each one is a queue."""
    unknown = sorted(set(names) - {q.value for q in Queue})
    if not unknown:
        return None
    # In words, not a Python list: it read "unknown queue(s) ['planing']" (a review, 6 December 2026).
    named = ", ".join(repr(name) for name in unknown)
    known = ", ".join(q.value for q in Queue)
    return f"unknown {'queue' if len(unknown) == 1 else 'queues'} {named}; known: {known}"
