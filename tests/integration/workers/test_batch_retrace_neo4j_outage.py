"""Neo4j going away between two of a chunk's retrace transactions on a real worker, after a refit: every
learner the chunk found stale reads stale in serving during the outage (their answers stamped before its
first page), the chunk's retry finishes the batch once Neo4j is back, replaying only the rest, and every
learner ends planned, counted once, and traced as one ingest of the whole log under the refit. The outage
is test_batch_neo4j_outage's proxy."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from kgplatform.settings import Settings
from tests.integration.jobs.test_batch_retrace import refitted, run_batch, runner
from tests.integration.jobs.test_batch_retrace_interrupted import stale_plans
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_order import ingest
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    WorkerEnv,
    celery_worker,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.refits import assert_as_one_ingest, save_refit
from tests.integration.workers.test_batch_neo4j_outage import Outage

LEARNERS = 600  # three retrace pages of 200 in one chunk
ANSWERS = 18_000
OUTAGE_S = 4.0


def test_a_neo4j_outage_mid_retrace_is_retried_to_the_end_counting_each_learner_once(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    synthetic = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, synthetic)
    log = make_answers(synthetic, LEARNERS, ANSWERS, seed=52)
    ingest(MasteryService(MasteryStore(graph)), log, 3_000)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    run_batch(runner(graph, worker_env.client, refit, None), "job-before", chunk_size=LEARNERS)
    models = save_refit(worker_env, refit, tmp_path)
    outage = Outage(settings.neo4j.host, settings.neo4j.port)
    env = {
        "KGP_PATHS__MODELS_DIR": str(models),
        "KGP_NEO4J__URI": f"bolt://127.0.0.1:{outage.port}",
        "KGP_NEO4J__MAX_TRANSACTION_RETRY_TIME_S": "1",  # the task's retry is under test, not the driver's
    }
    worker = celery_worker(worker_env, "outage", PLANNING_QUEUES, tmp_path / "worker.log", env=env)
    try:
        wait_for_workers(worker_env.celery, 1)
        jobs = JobService(worker_env.client, graph, worker_env.settings.workers)
        job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=LEARNERS)
        deadline = time.monotonic() + 60
        while not 0 < len(under_refit.stale_among(learner_ids)) < LEARNERS:
            assert time.monotonic() < deadline, f"the retrace was never caught midway: {jobs.status(job_id)}"
            assert under_refit.stale_among(learner_ids), "the retrace ended before the outage"
            time.sleep(0.02)
        os.killpg(worker.pid, signal.SIGSTOP)
        outage.cut()
        os.killpg(worker.pid, signal.SIGCONT)
        replayed = set(learner_ids) - set(under_refit.stale_among(learner_ids))
        time.sleep(OUTAGE_S)
        # Every learner the chunk found stale reads stale at once, replayed or not.
        assert stale_plans(worker_env.client, learner_ids) == set(learner_ids)
        assert set(learner_ids) - set(under_refit.stale_among(learner_ids)) == replayed  # nothing moved
        outage.restore()
        deadline = time.monotonic() + 60
        while not (status := jobs.status(job_id)).state.finished:
            assert worker.poll() is None, "the worker died"
            assert time.monotonic() < deadline, f"the batch did not finish after the outage: {status}"
            time.sleep(0.25)
    finally:
        stop_workers([worker])
        outage.close()

    assert status.state is JobState.SUCCEEDED, status
    assert (status.total, status.done, status.failed, status.skipped) == (LEARNERS, LEARNERS, 0, 0)
    # The counted run (the retry) replayed only the learners the first had not reached.
    assert (status.retraced, status.retrace_left) == (LEARNERS - len(replayed), 0), status
    assert len(jobs.progress.starts(job_id)) >= 2, "the chunk was not retried: the outage was not met"
    assert stale_plans(worker_env.client, learner_ids) == set()
    assert under_refit.stale_among(learner_ids) == []
    assert_as_one_ingest(graph, synthetic, under_refit, log)
