"""A Neo4j that stalls (SIGSTOP: the port takes connections, nothing answers) for longer than a chunk's soft
time limit, then comes back: the chunk cut short is retried as the outage it is, and the batch succeeds with
every learner planned once by it; a cancel while the chunk waits to be retried still ends the batch.

Until 6 December 2026 (a review) the chunk failed its learners ("chunk ran past its soft time limit") and
the batch ended failed, though Neo4j answered again seconds later. The workers run with the tests' short
limits (a 9 s soft limit, `conftest.WORKER_OVERRIDES`) and the driver's own defaults, whose retries of a
transaction on a stalled server outlast that limit, as a stall met late in a long chunk does at 9 minutes.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.services import neo4j_local
from kgplatform.settings import Settings
from tests.integration.freezing import frozen
from tests.integration.workers.conftest import WorkerEnv, finished_job, stop_workers
from tests.integration.workers.mid_batch import CHUNK, LEARNERS, SOFT_LIMIT_S, batch_mid_chunk

STALL_S = SOFT_LIMIT_S + 5
CUT_SHORT = "chunk cut short at its soft time limit"


def the_tests_neo4j(settings: Settings) -> int:
    pid = neo4j_local.running_pid(settings)
    assert pid is not None, "the tests' Neo4j was not started by `services up`"
    return pid


def cut_short_retries(log: Path) -> list[str]:
    text = log.read_text(errors="replace")
    return [line for line in text.splitlines() if "retry: Retry in" in line and CUT_SHORT in line]


def test_a_chunk_cut_short_by_a_neo4j_stall_is_retried_and_the_batch_succeeds_counted_once(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    neo4j_pid = the_tests_neo4j(settings)
    jobs, job_id, worker = batch_mid_chunk(graph, worker_env, log, "stall-")
    try:
        with frozen(neo4j_pid):
            os.killpg(worker.pid, signal.SIGCONT)
            cut_at = jobs.progress.status(job_id).chunks_done
            time.sleep(STALL_S)
            during = jobs.progress.status(job_id)  # Redis only: `status` may read Neo4j
        status = finished_job(jobs, job_id, 120)
        retries = cut_short_retries(log)
    finally:
        stop_workers([worker])

    assert cut_at < status.chunks_total, "the batch ended before the stall: it proved nothing"
    assert during.state is JobState.RUNNING and during.failed == 0, during
    # `jobs show` says the batch is retrying, and why: it read "running" with an ETA of seconds.
    assert during.retrying is not None and f"failed on ServiceUnavailable: {CUT_SHORT}" in during.retrying
    assert "did not answer Bolt's handshake" in during.retrying, during.retrying
    assert status.retrying is None, status.retrying
    assert retries, f"no chunk was cut short by the stall: {log.read_text(errors='replace')[-3000:]}"
    assert "did not answer Bolt's handshake" in retries[0], retries[0]
    assert status.state is JobState.SUCCEEDED, status
    assert (status.done, status.failed, status.skipped, status.failures) == (LEARNERS, 0, 0, [])
    # Each chunk counted once, the retried one included.
    assert status.chunks_done == status.chunks_total == LEARNERS // CHUNK
    assert sum(status.workers.values()) == status.chunks_total, status.workers
    learner_ids = [f"stall-{i:06d}" for i in range(LEARNERS)]
    plans = [json.loads(v) for v in worker_env.client.mget([plan_key(i) for i in learner_ids]) if v]
    assert len(plans) == LEARNERS
    assert all(p["id"] == batch_plan_id(job_id, p["learner_id"]) for p in plans)


def test_a_cancel_while_the_cut_short_chunk_waits_to_be_retried_ends_the_batch(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    neo4j_pid = the_tests_neo4j(settings)
    jobs, job_id, worker = batch_mid_chunk(graph, worker_env, log, "cstall-")
    try:
        with frozen(neo4j_pid):
            os.killpg(worker.pid, signal.SIGCONT)
            deadline = time.monotonic() + 3 * SOFT_LIMIT_S
            while not cut_short_retries(log):
                assert time.monotonic() < deadline, "no chunk was cut short by the stall"
                time.sleep(0.2)
            # The cancel ends the job in Redis at once; its summary waits for Neo4j.
            cancel = threading.Thread(target=jobs.cancel, args=(job_id, "test"), daemon=True)
            cancel.start()
            deadline = time.monotonic() + 10
            while not (during := jobs.progress.status(job_id)).state.finished:
                assert time.monotonic() < deadline, during
                time.sleep(0.1)
        cancel.join(timeout=60)
        assert not cancel.is_alive(), "the cancel did not return once Neo4j was back"
        deadline = time.monotonic() + 60
        while "plans nothing" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, "the cut-short chunk was never tried again"
            time.sleep(0.2)
        status = jobs.status(job_id)
        holder = jobs.lock.holder()
    finally:
        stop_workers([worker])

    assert during.state is JobState.FAILED and during.message == "cancelled by test", during
    assert status.state is JobState.FAILED and status.chunks_done < status.chunks_total, status
    assert holder is None
