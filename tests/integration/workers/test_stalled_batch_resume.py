"""A batch whose only worker dies mid-run: its status says how many learners are held back and how to
resume it, and `JobService.resume` (`kgplatform jobs resume`) plans them with another worker, also after
the stall check failed the batch, without waiting for the broker's visibility timeout (an hour by default,
here 600 s). Before (a review, s36): "running, failed: 0" with a count of chunks only, and a stalled batch
could only be started again whole."""

from __future__ import annotations

import os
import signal
import time

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.planning.cache import plan_key
from tests.integration.jobs.test_batch_ends import silence
from tests.integration.workers.conftest import StartWorker, WorkerEnv, finished_job, wait_for_workers
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 300
CHUNK = 20
# No redelivery of the dead worker's chunk within the test: only a resume can bring it back.
VISIBILITY_TIMEOUT_S = 600


def test_a_batch_whose_worker_died_says_what_it_holds_back_and_resumes(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    settings = worker_env.hold_lost_chunks(VISIBILITY_TIMEOUT_S)
    document = seed_curriculum(graph, "stall-test", concepts=30)
    learner_ids = seed_learners(graph, LEARNERS, "stall-", [c.id for c in document.concepts])
    victim = start_worker("victim", ["planning"])
    wait_for_workers(worker_env.celery, 1)
    jobs = JobService(worker_env.client, graph, settings)

    job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=CHUNK)
    deadline = time.monotonic() + 60
    while jobs.status(job_id).chunks_done < 2:
        assert time.monotonic() < deadline, f"the batch did not run: {jobs.status(job_id)}"
        time.sleep(0.01)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()

    deadline = time.monotonic() + 60
    while (status := jobs.status(job_id)).waiting is None:
        assert time.monotonic() < deadline, f"the silent batch never said what it waits for: {status}"
        time.sleep(0.5)
    assert status.state is JobState.RUNNING and status.failed == 0  # as the review saw it
    assert status.total is not None and status.done < status.total
    assert status.waiting.learners_out == status.total - status.done
    assert f"kgplatform jobs resume {job_id}" in status.waiting.message

    # The stall check fails it (as after KGP_WORKERS stall_after_s, 72 min by default, of silence).
    silence(worker_env.client, job_id, settings.stall_after_s + 60)
    stalled = jobs.status(job_id)
    assert stalled.state is JobState.FAILED and (stalled.message or "").startswith("stalled:")
    assert f"kgplatform jobs resume {job_id}" in (stalled.message or "")

    start_worker("survivor", ["planning"])
    wait_for_workers(worker_env.celery, 1)
    resumed = jobs.resume(job_id, worker_env.celery.send_task)
    assert resumed.state is JobState.RUNNING and resumed.message is None
    final = finished_job(jobs, job_id, 90)
    assert final.state is JobState.SUCCEEDED, final
    assert final.done == final.total == LEARNERS and final.failed == 0
    assert all(worker_env.client.mget([plan_key(learner) for learner in learner_ids]))
    assert jobs.running_batch() is None  # the lock went with the end
