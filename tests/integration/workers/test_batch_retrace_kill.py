"""A worker SIGKILLed between two of a chunk's retrace transactions, after a refit of the tracer: every
learner it found stale reads stale in serving at once (their answers stamped before its first page),
the chunk comes back to another worker (redelivery), which replays only the rest, and the batch ends
with every learner planned, counted once, and traced as one ingest of the whole log under the refit."""

from __future__ import annotations

import os
import signal
import time

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from tests.integration.jobs.test_batch_retrace import refitted, run_batch, runner
from tests.integration.jobs.test_batch_retrace_interrupted import stale_plans
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_order import ingest
from tests.integration.workers.conftest import StartWorker, WorkerEnv, finished_job, wait_for_workers
from tests.integration.workers.refits import assert_as_one_ingest, save_refit

LEARNERS = 600  # three retrace pages of 200 in one chunk
ANSWERS = 18_000


def test_a_worker_killed_mid_retrace_loses_and_doubles_nothing(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker, tmp_path
) -> None:
    synthetic = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, synthetic)
    log = make_answers(synthetic, LEARNERS, ANSWERS, seed=51)
    ingest(MasteryService(MasteryStore(graph)), log, 3_000)
    learner_ids = list(JobStore(graph).learner_ids())
    assert len(learner_ids) == LEARNERS
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    # Plans from the old mastery, cached and fresh (nobody answered since).
    run_batch(runner(graph, worker_env.client, refit, None), "job-before", chunk_size=LEARNERS)
    assert stale_plans(worker_env.client, learner_ids) == set()
    models = save_refit(worker_env, refit, tmp_path)
    worker_env.env["KGP_PATHS__MODELS_DIR"] = str(models)

    victim = start_worker("victim")
    wait_for_workers(worker_env.celery, 1)
    jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
    job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=LEARNERS)
    deadline = time.monotonic() + 60
    while True:
        assert time.monotonic() < deadline, f"the victim was never caught mid-retrace: {jobs.status(job_id)}"
        left = len(under_refit.stale_among(learner_ids))
        if 0 < left < LEARNERS:
            os.killpg(victim.pid, signal.SIGSTOP)
            # A commit sent before the stop still lands: read once it has.
            time.sleep(1.0)
            left = len(under_refit.stale_among(learner_ids))
            break
        assert left, "the retrace ended before the kill"
        time.sleep(0.02)
    os.killpg(victim.pid, signal.SIGKILL)
    victim.wait()
    # Every learner the chunk found stale reads stale at once, replayed or not.
    assert stale_plans(worker_env.client, learner_ids) == set(learner_ids)

    start_worker("survivor")  # the chunk comes back to it after the visibility timeout (16 s)
    status = finished_job(jobs, job_id, 60)
    assert status.state is JobState.SUCCEEDED, status
    assert (status.total, status.done, status.failed, status.skipped) == (LEARNERS, LEARNERS, 0, 0)
    # The counted run (the survivor's) replayed only the learners the victim had not reached.
    assert (status.retraced, status.retrace_left) == (left, 0), status
    starts = [runner_name for _, runner_name in jobs.progress.starts(job_id)]
    assert starts[0].startswith("victim@") and starts[-1].startswith("survivor@"), starts
    assert stale_plans(worker_env.client, learner_ids) == set()
    assert under_refit.stale_among(learner_ids) == []
    assert_as_one_ingest(graph, synthetic, under_refit, log)
