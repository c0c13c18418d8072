"""Redis (the broker) restarted as the night's retrain ends, between the retrain and the recompute's fan-out
(real worker, real training, a real Redis stopped and started): the night goes on by itself, and its job
says what the retrain did. Before (5 December 2026), Celery tried the chain's next send 3 times in 0.6 s,
then failed the retrain, which had published its model; the night was recomputed by the error callback
once Redis was back, and `jobs show` said "retrain: failed" and "plans recomputed with the previous
transfer model", both untrue."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.jobs.service import JobService
from kgplatform.services import manager
from kgplatform.settings import Settings
from kgplatform.transfer.writeback import load_current_transfer
from tests.integration.workers.conftest import (
    PLANNING_QUEUES,
    WorkerEnv,
    celery_worker,
    finished_job,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.test_beat_redis_outage import wait_for_line
from tests.integration.workers.test_nightly_retrain_outcome import retrain_line, run_cli, seed_chain

# Redis goes down while the retrain trains (which needs no Redis) and comes back this long after the model was
# published. The outcome's note waits for Redis about 30 s, then the chain's next send about 30 s more
# (`workers.patient_retry`): 12 s is within the first (the job keeps the retrain's line), 40 s within the
# second (the line is lost, said in the worker's log; the night goes on as a night whose retrain worked).
# Without either, Celery gave the send up after a few seconds.


@pytest.mark.parametrize(("outage_after_publish_s", "line_kept"), [(12, True), (40, False)])
def test_a_redis_restart_as_the_retrain_ends_does_not_fail_the_retrain(
    outage_after_publish_s: float,
    line_kept: bool,
    settings: Settings,
    graph: Graph,
    worker_env: WorkerEnv,
    services_restored: None,
    tmp_path: Path,
) -> None:
    seed_chain(graph, 60, helped_p=0.95, alone_p=0.15)
    worker_env.env.update(KGP_WORKERS__MAX_RETRAIN_S="300", KGP_WORKERS__VISIBILITY_TIMEOUT_S="420")
    log = tmp_path / "worker.log"
    worker = celery_worker(worker_env, "redis-restart", [*PLANNING_QUEUES, "training"], log, loglevel="INFO")
    try:
        wait_for_workers(worker_env.celery, 1)
        sent = run_cli(worker_env, "nightly")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        job_id = sent.stdout.split("then job ")[1].split()[0]
        wait_for_line(log, "transfer gnn 1/3", timeout_s=120)
        manager.down(settings, only=["redis"])
        try:
            wait_for_line(log, "is current:", timeout_s=120)
            time.sleep(outage_after_publish_s)
        finally:
            manager.up(settings)

        status = finished_job(JobService(worker_env.client, graph, worker_env.settings.workers), job_id, 90)
        assert status.state.value == "succeeded", status
        version, edges = load_current_transfer(graph)
        shown = run_cli(worker_env, "jobs", "show", job_id)
        if line_kept:
            line = retrain_line(shown.stdout)
            assert line.startswith(f"retrain: published transfer model {version} with {len(edges):,} edges")
        assert "retrain: failed" not in shown.stdout, shown.stdout
        assert "previous transfer model" not in shown.stdout, shown.stdout
        text = log.read_text(errors="replace")
        assert "Giving up refused callback publish" not in text, text[-3000:]
        assert "kgp.plans.recompute_after_failed_retrain[" not in text, text[-3000:]
    finally:
        stop_workers([worker])
