"""Answers keep arriving, as through the API (stored, stamped, a drain requested), for the learners a
real worker's chunks are tracing again after a refit, while the drains (`kgp.plans.recompute_due`) race
the chunks: the mastery ends as one ingest of the whole log under the refit, and no plan that reads as
fresh, in Redis (the answer stamp) or in Neo4j's rule (the newest MASTERY.updated_at), was made from
mastery older than the learner's last write."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.models import JobState
from kgplatform.jobs.on_demand import request_recomputes
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from kgplatform.planning.cache import plan_key
from tests.integration.jobs.test_batch_retrace import refitted, run_batch, runner
from tests.integration.jobs.test_batch_retrace_interrupted import stale_plans
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.mastery.test_order import ingest
from tests.integration.workers.conftest import StartWorker, WorkerEnv, wait_for_workers
from tests.integration.workers.refits import assert_as_one_ingest, save_refit

LEARNERS = 300
BEFORE, DURING = 9_000, 3_000


def newest_write(graph: Graph, learner_id: str) -> datetime:
    rows = graph.read("testing/list_learner_mastery_stamps", learner_id=learner_id)
    return max(row["updated_at"] for row in rows).to_native()


def test_answers_and_drains_during_the_chunks_retrace_end_as_one_ingest(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker, tmp_path: Path
) -> None:
    synthetic = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, synthetic)
    log = sorted(make_answers(synthetic, LEARNERS, BEFORE + DURING, seed=61), key=lambda r: r["answered_at"])
    ingest(MasteryService(MasteryStore(graph)), log[:BEFORE], 3_000)
    learner_ids = list(JobStore(graph).learner_ids())
    refit = refitted(synthetic)
    under_refit = MasteryService(MasteryStore(graph), lambda: refit)
    run_batch(runner(graph, worker_env.client, refit, None), "job-before", chunk_size=LEARNERS)
    models = save_refit(worker_env, refit, tmp_path)
    worker_env.env["KGP_PATHS__MODELS_DIR"] = str(models)
    start_worker("one")
    start_worker("two")
    wait_for_workers(worker_env.celery, 2)
    jobs = JobService(worker_env.client, graph, worker_env.settings.workers)

    failed: list[BaseException] = []
    stored_at: list[datetime] = []

    def answer_as_the_api() -> None:
        """Each batch stored, then stamped and a drain requested, as POST /answers does."""
        try:
            rows = log[BEFORE:]
            for start in range(0, len(rows), 50):
                batch: list[dict[str, Any]] = rows[start : start + 50]
                assert not under_refit.ingest(batch).rejected
                learners = sorted({row["learner_id"] for row in batch})
                request_recomputes(
                    worker_env.client, learners, worker_env.settings.workers, worker_env.celery.send_task
                )
                stored_at.append(datetime.now(UTC))
        except BaseException as error:  # noqa: BLE001 - reported below, not lost in the thread
            failed.append(error)

    # The answers flow from before the batch starts until after it ends: its chunks' retrace meets them.
    answering = threading.Thread(target=answer_as_the_api)
    answering.start()
    while not stored_at and answering.is_alive():
        time.sleep(0.01)
    job_id = jobs.start_recompute_all(worker_env.celery.send_task, chunk_size=LEARNERS // 2)
    answering.join(timeout=60)
    assert not failed and not answering.is_alive(), failed
    deadline = time.monotonic() + 60
    due = DueLearners(worker_env.client)
    while not (status := jobs.status(job_id)).state.finished or due.earliest() is not None:
        assert time.monotonic() < deadline, f"batch or drains not done: {status}, due {due.earliest()}"
        time.sleep(0.25)
    assert status.state is JobState.SUCCEEDED, status
    assert (status.done, status.failed, status.skipped) == (LEARNERS, 0, 0)
    assert status.finished_at is not None and status.finished_at < stored_at[-1], "no race was run"
    assert status.retraced > 0, status  # the chunks did trace learners again, while the answers came in
    assert status.retraced + status.retrace_left <= LEARNERS

    # Every plan reads fresh now (the drains planned after the last answers), and each was made from the
    # learner's newest mastery write.
    assert stale_plans(worker_env.client, learner_ids) == set()
    for learner_id, raw in zip(
        learner_ids, worker_env.client.mget([plan_key(i) for i in learner_ids]), strict=True
    ):
        plan = json.loads(raw)
        assert datetime.fromisoformat(plan["mastery_at"]) >= newest_write(graph, learner_id), learner_id
    assert under_refit.stale_among(learner_ids) == []
    assert_as_one_ingest(graph, synthetic, under_refit, log)
