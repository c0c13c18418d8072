"""Learners owed an on-demand plan when Redis restarts under `kgplatform worker` are planned once it is back,
with no beat running and no new answer. The drain that was to plan them is a message the worker holds,
waiting out its countdown; the restart takes it from the worker (Celery drops what it held when its
connection goes, or kombu's channel close kills the worker, which `kgplatform worker` starts again), and the
broker hands it out again only after the visibility timeout, an hour by default. Before the consumer
re-armed the wake-up on connecting (`workers.drain_rearm`), those learners waited for beat's due sweep or
someone's next answer, and with no beat running for the visibility timeout (a review, 8 December 2026)."""

from __future__ import annotations

import time
from pathlib import Path

from kgplatform.graph.driver import Graph
from kgplatform.jobs.due import DUE_KEY, DueLearners
from kgplatform.jobs.on_demand import RECOMPUTE_DUE
from kgplatform.planning.cache import plan_key
from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import (
    KGPLATFORM_CLI,
    WorkerEnv,
    logged_process,
    stop_workers,
    wait_for_workers,
)
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 5
# Long enough for the worker to take the drain and Redis to stop before it runs (a drain run with Redis up
# tests nothing); the wake-up it records outlives a quick restart, as a lease end's does.
DRAIN_COUNTDOWN_S = 8.0
# Far past the test: the broker must not hand the held drain out again within it (production: an hour).
VISIBILITY_TIMEOUT_S = "600"
# From Redis back to the learners' plans: the worker reconnects (Celery's first retry is 2 s away, or the
# supervisor restarts it after 1 s) and plans them, within seconds.
PLANNED_WITHIN_S = 25.0


def test_learners_due_when_redis_restarts_are_planned_without_beat_or_answers(
    graph: Graph, settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    document = seed_curriculum(graph, "restart-test", concepts=20)
    learners = seed_learners(graph, LEARNERS, "restart-", [c.id for c in document.concepts])
    worker_env.env["KGP_WORKERS__VISIBILITY_TIMEOUT_S"] = VISIBILITY_TIMEOUT_S
    log = tmp_path / "worker.log"
    worker = logged_process(
        [*KGPLATFORM_CLI, "worker", "--queues", "ondemand", "--concurrency", "1"], worker_env.env, log
    )
    try:
        wait_for_workers(worker_env.celery, 1)
        client = worker_env.client
        due = DueLearners(client)
        # As `POST /answers` does: the learners due a countdown ahead, and one drain sent for then.
        due_at = time.time() + DRAIN_COUNTDOWN_S
        due.add(learners, due_at)

        def send(countdown: float) -> None:
            worker_env.celery.send_task(RECOMPUTE_DUE, countdown=countdown, queue="ondemand")

        assert due.wake_at(due_at, send)
        drain_at = time.monotonic() + DRAIN_COUNTDOWN_S
        deadline = time.monotonic() + 5
        while not client.hlen("unacked"):  # the worker holds the drain, waiting out its countdown
            assert time.monotonic() < deadline, "the worker did not take the drain"
            time.sleep(0.05)

        manager.down(settings, only=["redis"])
        assert time.monotonic() < drain_at, "Redis stopped after the drain's countdown: it ran with Redis up"
        manager.up(settings)
        back = time.monotonic()
        assert due.owed(learners) == [due_at] * LEARNERS  # the due set outlived the restart (append-only)

        while not all(client.mget([plan_key(learner) for learner in learners])):
            assert time.monotonic() - back < PLANNED_WITHIN_S, (
                f"learners still unplanned {PLANNED_WITHIN_S:.0f} s after Redis came back; due set: "
                f"{client.zcard(DUE_KEY)}; worker log tail: {log.read_text(errors='replace')[-3000:]}"
            )
            time.sleep(0.25)
    finally:
        stop_workers([worker])
