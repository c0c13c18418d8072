"""A night whose retrain was lost with its worker (SIGKILL of the whole worker, pool included, while the
retrain runs): the job stays `queued` holding the batch lock until the retrain's message is redelivered (the
visibility timeout, an hour by default; 600 s here, so not within the test), `jobs resume` refuses it, and the
way out the README gives works: `jobs cancel`, then `recompute --all`."""

from __future__ import annotations

import os
import re
import signal
import time

from kgplatform.cli.base import EXIT_REFUSED
from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from tests.integration.workers.conftest import StartWorker, WorkerEnv, run_cli, wait_for_workers
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 30
# No redelivery of the killed worker's retrain within the test: the night waits as it would for an hour.
VISIBILITY_TIMEOUT_S = 600


def test_a_night_whose_retrain_died_with_its_worker_is_cancelled_then_recomputed(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    settings = worker_env.hold_lost_chunks(VISIBILITY_TIMEOUT_S)
    document = seed_curriculum(graph, "lost-retrain", concepts=20)
    seed_learners(graph, LEARNERS, "lost-", [c.id for c in document.concepts])
    trainer = start_worker("trainer", ["training"])
    wait_for_workers(worker_env.celery, 1)
    jobs = JobService(worker_env.client, graph, settings)

    sent = run_cli(worker_env, "nightly")
    assert sent.returncode == 0, sent.stdout + sent.stderr
    found = re.search(r"then job (recompute_all-\S+)", sent.stdout)
    assert found, sent.stdout
    job_id = found.group(1)
    # Killed once the retrain has recorded its start (before it imports torch, which takes seconds).
    deadline = time.monotonic() + 60
    while not jobs.progress.get_field(job_id, "retrain_started_at"):
        assert time.monotonic() < deadline, f"the retrain never started: {jobs.status(job_id)}"
        time.sleep(0.01)
    os.killpg(trainer.pid, signal.SIGKILL)
    trainer.wait()

    status = jobs.status(job_id)
    assert status.state is JobState.QUEUED and not status.retrain_failed, status
    assert jobs.running_batch() == job_id, "the night holds the batch lock"
    refused = run_cli(worker_env, "recompute", "--all")
    assert refused.returncode == EXIT_REFUSED, refused.stdout + refused.stderr
    resumed = run_cli(worker_env, "jobs", "resume", job_id)
    assert resumed.returncode == EXIT_REFUSED, resumed.stdout + resumed.stderr
    assert f"job {job_id} is queued" in resumed.stdout + resumed.stderr

    cancelled = run_cli(worker_env, "jobs", "cancel", job_id)
    assert cancelled.returncode == 0, cancelled.stdout + cancelled.stderr
    assert jobs.status(job_id).state is JobState.FAILED and jobs.running_batch() is None

    start_worker("planner")
    wait_for_workers(worker_env.celery, 1)
    again = run_cli(worker_env, "recompute", "--all", "--wait", "--timeout", "90", timeout=150)
    assert again.returncode == 0, again.stdout + again.stderr
    newest = jobs.newest(1)[0]
    assert newest.id != job_id and newest.state is JobState.SUCCEEDED, newest
    assert newest.done == newest.total == LEARNERS
