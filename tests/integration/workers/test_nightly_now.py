"""`kgplatform nightly`: an operator runs the nightly chain now, as beat would, and follows it."""

from __future__ import annotations

import subprocess
import sys

from kgplatform.cli.base import EXIT_RETRAIN_FAILED
from kgplatform.graph.driver import Graph
from tests.integration.workers.conftest import PLANNING_QUEUES, StartWorker, WorkerEnv, wait_for_workers
from tests.integration.workers.seeding import seed_curriculum, seed_learners

LEARNERS = 40


def test_the_nightly_chain_runs_now_and_the_cli_follows_its_recompute(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    document = seed_curriculum(graph, "nightly-now")
    seed_learners(graph, LEARNERS, "night-", [c.id for c in document.concepts])
    # The retrain's queue too: with no answers it fails, and the recompute runs all the same.
    start_worker("night", [*PLANNING_QUEUES, "training"])
    wait_for_workers(worker_env.celery, 1)
    result = subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", "nightly", "--wait", "--timeout", "150"],
        capture_output=True,
        text=True,
        env=worker_env.env,
        timeout=200,
    )
    # No answers to train on: the retrain fails, the recompute succeeds, and the exit code says which.
    assert result.returncode == EXIT_RETRAIN_FAILED, result.stdout + result.stderr
    assert "the nightly transfer retrain failed" in result.stdout
    assert "nightly chain sent: retrain, then job recompute_all-" in result.stdout
    assert "succeeded" in result.stdout and f"{LEARNERS} / {LEARNERS}" in result.stdout
