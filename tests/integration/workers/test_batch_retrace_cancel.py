"""`kgplatform jobs cancel` while a real worker's chunk traces its learners again after a refit: the chunk
stops replaying at its next page (at most the page then running commits), still plans and counts its
learners, and the rest stay stale for `kgplatform retrace` or the next batch. Before 6 December 2026 (a
review) the chunk replayed on, under the learners' locks, for up to half its time limit."""

from __future__ import annotations

import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from kgplatform.planning.cache import plan_key
from tests.integration.jobs.test_batch_retrace import refitted
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_order import ingest
from tests.integration.workers.conftest import StartWorker, WorkerEnv, wait_for_workers
from tests.integration.workers.refits import save_refit

LEARNERS = 1_000  # five retrace pages of 200 in one chunk
PAGE = 200
# The chunk's time limit for this test's worker. At the tests' 10 s (`conftest.WORKER_OVERRIDES`) a loaded
# 2-core machine ran past the soft limit before the first page committed, and the chunk failed with nothing
# to cancel (a review, 7 December 2026: 1 run in 4 with two busy loops beside the suite). At 120 s the
# retrace's own budget (half the limit) cannot end it either: only the cancel can.
CHUNK_LIMIT_S = 120


def test_a_cancel_stops_a_running_chunks_retrace_at_its_next_page(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker, tmp_path: Path
) -> None:
    synthetic = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, synthetic)
    ingest(MasteryService(MasteryStore(graph)), make_answers(synthetic, LEARNERS, 25_000, seed=53), 5_000)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    models = save_refit(worker_env, refit, tmp_path)
    worker_env.env["KGP_PATHS__MODELS_DIR"] = str(models)
    worker_env.allow_slow_chunks(CHUNK_LIMIT_S)
    start_worker("retrace")
    wait_for_workers(worker_env.celery, 1)
    jobs = JobService(worker_env.client, graph, worker_env.settings.workers)

    job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=LEARNERS)
    deadline = time.monotonic() + CHUNK_LIMIT_S  # the chunk ends (fails) by then at the latest
    while len(under_refit.stale_among(learner_ids)) == LEARNERS:  # its first page has committed
        assert time.monotonic() < deadline, f"the retrace never began: {jobs.status(job_id)}"
        time.sleep(0.01)
    before_cancel = len(under_refit.stale_among(learner_ids))
    jobs.cancel(job_id, "an operator")  # what `kgplatform jobs cancel` runs
    assert before_cancel > PAGE, "the retrace was nearly done before the cancel: it would prove nothing"
    deadline = time.monotonic() + CHUNK_LIMIT_S
    while not jobs.progress.finished_chunks(job_id, [0]):  # the running chunk ends and is counted
        assert time.monotonic() < deadline, f"the chunk did not end: {jobs.status(job_id)}"
        time.sleep(0.1)

    status = jobs.status(job_id)
    assert status.state is JobState.FAILED and "cancelled by" in (status.message or ""), status
    left = len(under_refit.stale_among(learner_ids))
    # At most the page running at the cancel (and one started between the count and the cancel) committed.
    assert left >= before_cancel - 2 * PAGE, (before_cancel, left)
    assert (status.retraced, status.retrace_left) == (LEARNERS - left, left), status
    assert all(worker_env.client.mget([plan_key(i) for i in learner_ids]))  # the chunk still planned all
