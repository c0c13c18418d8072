"""A batch caught mid-run, for the tests that stall Neo4j or Redis under it: the worker is stopped (SIGSTOP)
once two chunks are counted, so that, continued, the chunk it runs meets what the test did meanwhile."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.service import JobService
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    WorkerEnv,
    celery_worker,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 2000
CHUNK = 100
SOFT_LIMIT_S = 9.0  # the tests' KGP_WORKERS__MAX_CHUNK_S (10) x 0.9
SETTLE_S = 0.3  # far above a local Redis' reply time, far below a chunk's Redis time-out (5 s)


def batch_mid_chunk(
    graph: Graph, worker_env: WorkerEnv, log: Path, prefix: str, *, in_flight: bool = False
) -> tuple[JobService, str, subprocess.Popen[bytes]]:
    """Seeds the learners (ids `prefix` + 6 digits), starts a worker and a batch, and returns (jobs, job id,
    worker) once two chunks are counted, with the worker stopped (SIGSTOP). `in_flight`: stopped while a
    chunk has started and is not counted yet, so that its next Redis call meets a Redis stalled meanwhile
    (stopped between two chunks, the next one waits in the broker, on that Redis, and meets nothing)."""
    document = seed_curriculum(graph, f"{prefix}stall-test", concepts=30)
    seed_learners(graph, LEARNERS, prefix, [c.id for c in document.concepts])
    worker = celery_worker(worker_env, f"{prefix}stall", PLANNING_QUEUES, log, loglevel="INFO")
    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=CHUNK)
        deadline = time.monotonic() + 60
        while jobs.progress.status(job_id).chunks_done < 2:
            assert time.monotonic() < deadline, f"the batch did not start: {jobs.progress.status(job_id)}"
            time.sleep(0.02)
        stop_and_settle(worker)
        while in_flight and chunk_in_flight(jobs, job_id) is None:
            assert time.monotonic() < deadline, f"no chunk was caught mid-run: {jobs.progress.status(job_id)}"
            os.killpg(worker.pid, signal.SIGCONT)
            time.sleep(0.01)
            stop_and_settle(worker)
    except BaseException:
        stop_workers([worker])
        raise
    return jobs, job_id, worker


def stop_and_settle(worker: subprocess.Popen[bytes]) -> None:
    """Stops the worker, then lets Redis take what it sent just before: SIGSTOP is not instant, and a chunk
    may send its count as it lands. Read at once, such a chunk looked in flight though its count was on the
    way, and, continued, met no frozen Redis: most likely why the project's CI of 7 December 2026 saw the
    soft limit fire on a chunk already done, and no retry at all. After the pause, a chunk that reads
    uncounted still has its count to send."""
    os.killpg(worker.pid, signal.SIGSTOP)
    time.sleep(SETTLE_S)


def chunk_in_flight(jobs: JobService, job_id: str, worker: str | None = None) -> int | None:
    """The chunk started last (by the worker named `worker`, when given), when it is not counted yet."""
    started = [
        chunk
        for chunk, runner in jobs.progress.starts(job_id)
        if worker is None or runner.startswith(f"{worker}@")
    ]
    if not started or jobs.progress.finished_chunks(job_id, [started[-1]]):
        return None
    return started[-1]
