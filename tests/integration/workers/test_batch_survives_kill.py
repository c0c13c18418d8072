"""Done-when: SIGKILL one of two workers in the middle of a 10,000-learner batch; the batch completes
(the killed worker's unacknowledged chunk comes back after the visibility timeout) and every learner
has exactly one current plan, the one this batch made."""

from __future__ import annotations

import json
import os
import signal
import time
from datetime import datetime

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from tests.integration.workers.conftest import StartWorker, WorkerEnv, wait_for_workers
from tests.integration.workers.mid_batch import chunk_in_flight, stop_and_settle
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 10_000
CHUNK = 250


def test_a_killed_worker_loses_no_learner(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    document = seed_curriculum(graph, "kill-test")
    learner_ids = seed_learners(graph, LEARNERS, "kill-", [c.id for c in document.concepts])
    victim, survivor = start_worker("victim"), start_worker("survivor")
    wait_for_workers(worker_env.celery, 2)
    jobs = JobService(worker_env.client, graph, worker_env.settings.workers)

    job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=CHUNK)
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, f"the victim was never caught mid-chunk: {jobs.status(job_id)}"
        if jobs.status(job_id).chunks_done >= 4:
            # Frozen before the check, so it cannot finish the chunk between the check and the kill (the
            # check, then the kill, left it a few ms to do so: more on a loaded machine). Then settled: a
            # count the victim sent as it was stopped may reach Redis after an immediate check, which then
            # took a finished chunk for one in flight, and the check after the kill failed the test (the
            # race `mid_batch.stop_and_settle` closes for the stall tests; a review, 7 December 2026).
            stop_and_settle(victim)
            if chunk_in_flight(jobs, job_id, "victim") is not None:
                break
            os.killpg(victim.pid, signal.SIGCONT)
        time.sleep(0.01)
    # Kill it while it runs a chunk (not between two): that chunk is started, unacknowledged, unfinished.
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    killed_at = jobs.status(job_id).chunks_done
    # The victim is dead and the survivor cannot see its message before the visibility timeout, so
    # what is unfinished now was in the victim's hands when it died.
    in_flight = chunk_in_flight(jobs, job_id, "victim")
    assert in_flight is not None, "the victim finished its chunk just before the kill: nothing was in flight"

    deadline = time.monotonic() + 75
    while not (status := jobs.status(job_id)).state.finished:
        assert time.monotonic() < deadline, f"the batch did not finish: {status}"
        assert survivor.poll() is None, "the surviving worker died"
        time.sleep(0.25)

    assert status.state is JobState.SUCCEEDED, status
    assert (status.total, status.done, status.failed, status.skipped) == (LEARNERS, LEARNERS, 0, 0)
    assert status.chunks_done == status.chunks_total == LEARNERS // CHUNK
    assert killed_at < status.chunks_total, "the kill came after the batch's end: it proved nothing"
    starts = jobs.progress.starts(job_id)
    assert [r for c, r in starts if c == in_flight][-1].startswith("survivor@"), (
        f"chunk {in_flight}, running when the victim died, was not run again by the survivor: {starts}"
    )

    values = worker_env.client.mget([plan_key(i) for i in learner_ids])
    plans = [json.loads(v) for v in values if v is not None]
    assert len(plans) == LEARNERS, f"{LEARNERS - len(plans)} learners have no plan"
    assert all(p["id"] == batch_plan_id(job_id, p["learner_id"]) for p in plans)
    assert {p["learner_id"] for p in plans} == set(learner_ids)
    # Each plan is dated when its chunk read mastery (a redelivered chunk: when the survivor read it).
    dated = [datetime.fromisoformat(p["created_at"]) for p in plans]
    assert status.started_at is not None and status.finished_at is not None
    assert all(status.started_at <= d <= status.finished_at for d in dated), "a plan dated outside its batch"
    assert all(p["tasks"] for p in plans)
    assert jobs.status(job_id).state is JobState.SUCCEEDED
    assert jobs.running_batch() is None, "the lock outlived its batch"
