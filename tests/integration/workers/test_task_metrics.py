"""The workers' /metrics on a real prefork worker: a task run killed at its hard time limit counts once in
`kgp_task_duration_seconds`, as a failure. Its pool process is killed, so no postrun hook counts it, and
Celery 5.7 reports the kill twice from the worker's main process (a review, 8 December 2026)."""

from __future__ import annotations

import os
import signal
import time
import urllib.request
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    WorkerEnv,
    celery_worker,
    finished_job,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.seeding import seed_curriculum, seed_learners
from tests.ports import unused_port

LEARNERS = 2000  # one chunk of seconds' work: still running when its pool process is stopped
HARD_LIMIT_S = 10.0  # the tests' KGP_WORKERS__MAX_CHUNK_S
CHUNK_TASK = "kgp.plans.recompute_chunk"


def pool_processes(worker_pid: int) -> list[int]:
    return [int(pid) for pid in Path(f"/proc/{worker_pid}/task/{worker_pid}/children").read_text().split()]


def task_samples(port: int, task: str) -> dict[tuple[str, str], float]:
    """(sample name, outcome) -> value of `kgp_task_duration_seconds` for `task`, as the worker serves it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    return {
        (sample.name, sample.labels["outcome"]): sample.value
        for family in text_string_to_metric_families(text)
        if family.name == "kgp_task_duration_seconds"
        for sample in family.samples
        if sample.labels.get("task") == task and sample.name.endswith(("_count", "_sum"))
    }


def test_a_chunk_killed_at_its_hard_time_limit_counts_as_one_failure(
    graph: Graph, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    document = seed_curriculum(graph, "hard-limit-test", concepts=30)
    seed_learners(graph, LEARNERS, "hard-limit-", [c.id for c in document.concepts])
    port = unused_port()
    metrics_env = {"KGP_WORKERS__METRICS_PORT": str(port), "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = celery_worker(worker_env, "hard-limit", PLANNING_QUEUES, concurrency=1, env=metrics_env)
    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=LEARNERS)
        deadline = time.monotonic() + 60
        while not jobs.progress.starts(job_id):
            assert time.monotonic() < deadline, f"the chunk never started: {jobs.status(job_id)}"
            time.sleep(0.01)
        # The pool process hangs mid-chunk (as on a stuck call) until the main process kills it at the limit.
        for pid in pool_processes(worker.pid):
            os.kill(pid, signal.SIGSTOP)

        status = finished_job(jobs, job_id, timeout_s=HARD_LIMIT_S + 50)
        assert status.state == JobState.FAILED, status
        assert "TimeLimitExceeded" in str(status.failures), status.failures
        samples = task_samples(port, CHUNK_TASK)
    finally:
        stop_workers([worker])

    assert samples.get(("kgp_task_duration_seconds_count", "failure")) == 1.0, samples
    assert samples[("kgp_task_duration_seconds_sum", "failure")] == HARD_LIMIT_S, samples
    assert ("kgp_task_duration_seconds_count", "success") not in samples, samples
