"""Learners owed an on-demand plan when Redis (the broker) goes away for longer than a retry's send is tried
(`workers.patient_retry`: 30 s; here the drain's half soft limit, 4.5 s) are planned once it is back. A
review (s36) had it that the drain's dropped retry lost their regeneration until the nightly batch. What
happens: the Celery worker holding the drain exits (kombu 5.7's "Unrecoverable error", README) or, had the
drain been running, its retry is refused and dropped; either way its learners stay in the due set
(`jobs.due`, in Redis, append-only) and beat's sweep drains them once Redis is back. A guard, not a fix:
it passed before s36's changes."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.on_demand import RECOMPUTE_DUE
from kgplatform.planning.cache import plan_key
from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import WorkerEnv, celery_worker, stop_workers, wait_for_workers
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 20
# Well past the drain's retry window here (4.5 s) and the production one (30 s).
OUTAGE_S = 40.0
# The drain must still be waiting out its countdown when Redis goes: begun before, it plans the learners with
# Redis up and the outage tests nothing. 3 s was all a loaded machine had for the worker to take the drain
# and Redis to stop (a review, 7 December 2026); the drain still begins well within the outage, its retry
# window (4.5 s) ending some 20 s before Redis is back, and under the broker's visibility timeout (16 s).
DRAIN_COUNTDOWN_S = 12.0


def start(worker_env: WorkerEnv, log: Path) -> subprocess.Popen:
    return celery_worker(worker_env, "outage", ["ondemand"], log)


def test_learners_of_a_drain_whose_retry_was_dropped_are_planned_after_the_outage(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    document = seed_curriculum(graph, "outage-test", concepts=30)
    learners = seed_learners(graph, LEARNERS, "outage-", [c.id for c in document.concepts])
    log = tmp_path / "worker.log"
    workers = [start(worker_env, log)]
    try:
        wait_for_workers(worker_env.celery, 1)
        client = worker_env.client
        drain_at = time.monotonic() + DRAIN_COUNTDOWN_S
        DueLearners(client).add(learners, time.time() + DRAIN_COUNTDOWN_S)
        worker_env.celery.send_task(RECOMPUTE_DUE, countdown=DRAIN_COUNTDOWN_S, queue="ondemand")
        deadline = time.monotonic() + 10
        while not client.hlen("unacked"):  # the worker holds the drain, waiting out its countdown
            assert time.monotonic() < deadline, "the worker did not take the drain"
            time.sleep(0.05)

        manager.down(settings, only=["redis"])  # the drain starts, fails and retries while it is away
        assert time.monotonic() < drain_at, "Redis stopped after the drain's countdown: it ran with Redis up"
        time.sleep(OUTAGE_S)
        manager.up(settings)
        assert not any(client.mget([plan_key(learner) for learner in learners]))

        # As `kgplatform worker`'s supervisor: a Celery worker that exited over the outage starts again.
        if workers[-1].poll() is not None:
            workers.append(start(worker_env, log))
        deadline = time.monotonic() + 90
        while not all(client.mget([plan_key(learner) for learner in learners])):
            assert time.monotonic() < deadline, (
                f"learners still unplanned after the outage; due set: {client.zcard('kgp:ondemand:due')}; "
                f"worker log tail: {log.read_text()[-3000:]}"
            )
            # Beat's sweep (`workers.schedule.DUE_SWEEP_ENTRY`, every 30 s), sped up.
            worker_env.celery.send_task(RECOMPUTE_DUE, queue="ondemand", expires=3)
            time.sleep(3)
    finally:
        stop_workers(workers)
