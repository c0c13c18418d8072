"""A Redis that stalls (SIGSTOP: the port takes connections, nothing answers) under a running chunk, past
its soft time limit: the chunk's Redis call times out, Celery sends its retry (on the same Redis, once it
answers again), and the soft limit fires as that retry is sent or handled. The batch succeeds, every chunk
counted once, the retried one by its retry.

The worker's main process, which signals the time limits, waits on the frozen Redis too, so it signals the
soft limit late: just after the resume, while the pool process handles the retry it has just sent (outside
the task's body, where the body's `except SoftTimeLimitExceeded` cannot see it), or, less often, while it
still sends it (or, rarely, after the retry was handled whole: the test then says it missed the window
and skips, once the batch's outcome is checked). Until 6 December 2026 (a review) the chunk's failure hook
then counted it failed, and its retry planned its learners and found it counted: the batch ended `failed`
with 100 learners "failed" that were planned. The workers run with the tests' short limits
(`conftest.WORKER_OVERRIDES`: a 9 s soft limit, which Redis' 5 s reply timeout and the stall reach; with the
default 9 minutes, a stall met in a chunk's last seconds).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.planning.cache import plan_key
from kgplatform.planning.pages import batch_plan_id
from kgplatform.services import redis_local
from kgplatform.settings import Settings
from tests.integration.freezing import frozen
from tests.integration.workers.conftest import WorkerEnv, finished_job, stop_workers
from tests.integration.workers.mid_batch import CHUNK, LEARNERS, SOFT_LIMIT_S, batch_mid_chunk

STALL_S = SOFT_LIMIT_S + 3
# What the worker says when the limit fired after the retry was sent (`ChunkTask.on_failure`), or while it
# was sent (`PatientRetryTask.retry`, which hands the message back): which one depends on a race.
AFTER_RETRY_SENT = "after its retry was sent; the retry counts the chunk"
WHILE_RETRY_SENT = "the soft time limit fired while its retry was sent"
# Celery's own line once it has handled a retry (`celery.app.trace.LOG_RETRY`).
RETRY_HANDLED = "] retry: Retry in"


def test_a_soft_limit_fired_after_a_redis_stalled_chunk_sent_its_retry_leaves_the_chunk_to_its_retry(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, tmp_path: Path
) -> None:
    redis_pid = redis_local.running_pid(settings)
    assert redis_pid is not None, "the tests' Redis was not started by `services up`"
    log = tmp_path / "worker.log"
    jobs, job_id, worker = batch_mid_chunk(graph, worker_env, log, "rstall-", in_flight=True)
    try:
        with frozen(redis_pid):
            os.killpg(worker.pid, signal.SIGCONT)
            time.sleep(STALL_S)
        status = finished_job(jobs, job_id, 120)
    finally:
        stop_workers([worker])
    text = log.read_text(errors="replace")

    assert (status.state, status.done, status.failed, status.failures) == (
        JobState.SUCCEEDED,
        LEARNERS,
        0,
        [],
    ), (status, text[-4000:])
    assert status.chunks_done == status.chunks_total == LEARNERS // CHUNK
    learner_ids = [f"rstall-{i:06d}" for i in range(LEARNERS)]
    plans = [json.loads(v) for v in worker_env.client.mget([plan_key(i) for i in learner_ids]) if v]
    assert len(plans) == LEARNERS
    assert all(p["id"] == batch_plan_id(job_id, p["learner_id"]) for p in plans)
    # The case under test happened: the soft limit fired as the chunk's retry was sent, or after.
    assert f"Soft time limit ({SOFT_LIMIT_S}s) exceeded" in text, text[-4000:]
    if AFTER_RETRY_SENT not in text and WHILE_RETRY_SENT not in text:
        # The worker's main process, back from the stall, read its timers before the pool process's result:
        # the signal came after Celery had handled the retry whole. Nothing for the fix to do, and nothing
        # went wrong (checked above), but the window this test is for was missed.
        assert RETRY_HANDLED in text, notable_lines(text)
        pytest.skip("the soft limit fired after the chunk's retry was handled whole: the window was missed")


def notable_lines(log: str) -> str:
    """The worker log's lines about limits, retries and failures: the tail alone showed only the chunks
    that ran after the stall."""
    words = ("time limit", "retry", "Retry", "WARNING", "ERROR")
    return "\n".join(line for line in log.splitlines() if any(word in line for word in words))[-6000:]
