"""Reading and creating jobs for the API and the CLI: live progress from Redis, else the stored summary."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.lock import BatchLock, live_holder
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.progress import JobProgress
from kgplatform.jobs.store import JobStore
from kgplatform.settings import WorkerSettings

KIND_RECOMPUTE_ALL = "recompute_all"
LOCK_RECOMPUTE_ALL = "plans:recompute_all"
RECOMPUTE_ALL = "kgp.plans.recompute_all"
# Celery's `send_task(name, args=..., ...)`, or anything shaped like it.
SendTask = Callable[..., Any]


def new_job_id(kind: str) -> str:
    """Sortable by time, unique without coordination: `recompute_all-20260105T020000-1a2b3c4d`."""
    return f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


class JobService:
    def __init__(self, client: redis.Redis, graph: Graph, settings: WorkerSettings) -> None:
        self.progress = JobProgress(client, settings.job_ttl_s)
        self.store = JobStore(graph)
        self.lock = BatchLock(client, LOCK_RECOMPUTE_ALL, settings.batch_lock_ttl_s)

    def create(self, kind: str, curriculum_id: str | None, start_by: datetime | None = None) -> str:
        """A queued job; `start_by`: when it is known that it can no longer start after some moment (its
        messages expire), past that moment it reads as failed instead of queued forever."""
        job_id = new_job_id(kind)
        self.progress.create(job_id, kind, curriculum_id, start_by)
        return job_id

    def start_recompute_all(
        self, send: SendTask, curriculum_id: str | None = None, chunk_size: int | None = None
    ) -> str:
        """Creates the job (queued, readable at once) and sends its fan-out task; returns the job id.
        `send` is Celery's `send_task` (by name, so callers need not import the tasks)."""
        job_id = self.create(KIND_RECOMPUTE_ALL, curriculum_id)
        send(RECOMPUTE_ALL, args=(job_id, curriculum_id, chunk_size))
        return job_id

    def running_batch(self) -> str | None:
        """The id of the recompute-all batch holding the lock, if any (a finished holder's lock is freed)."""
        return live_holder(self.lock, self.progress.is_finished)

    def status(self, job_id: str) -> JobStatus:
        """Live progress while Redis holds it, else the summary kept in Neo4j; NotFound otherwise."""
        if self.progress.exists(job_id):
            if self.progress.missed_start(job_id, datetime.now(UTC)):
                message = (
                    "never started: the step before it (the nightly transfer retrain) failed, or its "
                    "messages expired before a worker took them; see the training worker's log"
                )
                self.progress.mark(job_id, JobState.FAILED, message)
                self.store.save_summary(self.progress.status(job_id))
            return self.progress.status(job_id)
        stored = self.store.summary(job_id)
        return stored if stored is not None else self.progress.status(job_id)
