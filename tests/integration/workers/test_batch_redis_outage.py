"""A batch whose chunk fails while Redis (the broker) is away for longer than its retry's send is tried
(`workers.patient_retry`: 30 s; here the chunk's half soft limit, 4.5 s) finishes by itself once Redis is
back. An operator's 60 s Redis restart mid-batch (3 December) left two chunks' 400 learners unplanned: Celery
dropped the chunk whose retry it could not send, and the batch read "running" until someone ran `jobs
resume`. Now the message goes back to the broker (`Reject(requeue=True)`), and the worker requeues it once
it has reconnected."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    WorkerEnv,
    celery_worker,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.mid_batch import chunk_in_flight, stop_and_settle
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 2000
CHUNK = 100
# Past the chunk's send window here (4.5 s), with room for a retry's first backoff.
OUTAGE_S = 10.0


def start(worker_env: WorkerEnv, log: Path) -> subprocess.Popen:
    return celery_worker(worker_env, "outage", PLANNING_QUEUES, log)


def test_a_chunk_whose_retry_outlasts_the_send_window_runs_again_after_the_outage(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    document = seed_curriculum(graph, "redis-outage-test", concepts=30)
    learner_ids = seed_learners(graph, LEARNERS, "rout-", [c.id for c in document.concepts])
    log = tmp_path / "worker.log"
    workers = [start(worker_env, log)]
    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=CHUNK)
        deadline = time.monotonic() + 60
        while True:
            assert time.monotonic() < deadline, f"no chunk was caught mid-run: {jobs.status(job_id)}"
            if jobs.status(job_id).chunks_done >= 2:
                # Frozen before the check, so the chunk cannot be counted between the check and the outage:
                # it is then sure to meet the outage at its next Redis call. Settled, so that a count sent as
                # the worker was stopped is in Redis before the check (a review, 7 December 2026).
                stop_and_settle(workers[0])
                if (in_flight := chunk_in_flight(jobs, job_id)) is not None:
                    break
                os.killpg(workers[0].pid, signal.SIGCONT)
            time.sleep(0.01)
        counted_before = jobs.status(job_id).chunks_done
        manager.down(settings, only=["redis"])
        os.killpg(workers[0].pid, signal.SIGCONT)
        time.sleep(OUTAGE_S)
        manager.up(settings)

        deadline = time.monotonic() + 60
        while not (status := jobs.status(job_id)).state.finished:
            if workers[-1].poll() is not None:  # as `kgplatform worker`'s supervisor does (README)
                workers.append(start(worker_env, log))
            assert time.monotonic() < deadline, (
                f"the batch did not finish by itself after the outage: {status}; worker log tail: "
                f"{log.read_text(errors='replace')[-3000:]}"
            )
            time.sleep(0.25)
    finally:
        stop_workers(workers)

    text = log.read_text(errors="replace")
    # The case under test happened: the chunk's retry was given up on after its send window.
    assert "its retry could not be sent for" in text, text[-3000:]
    assert status.state is JobState.SUCCEEDED, status
    assert (status.done, status.failed, status.chunks_done) == (LEARNERS, 0, LEARNERS // CHUNK)
    assert counted_before < status.chunks_total
    assert [c for c, _ in jobs.progress.starts(job_id)].count(in_flight) >= 2, "the chunk never ran again"
    values = worker_env.client.mget([plan_key(i) for i in learner_ids])
    plans = [json.loads(v) for v in values if v is not None]
    assert len(plans) == LEARNERS, f"{LEARNERS - len(plans)} learners have no plan"
    assert all(p["id"] == batch_plan_id(job_id, p["learner_id"]) for p in plans)
    # One line for a given-up retry, not Celery's reject with the chain of connection errors behind it
    # (about 200 lines a run before).
    reject = text[text.index("reject requeue=True") :]
    assert "During handling of the above exception" not in reject.split("\n[", 1)[0], reject[:3000]
