"""What `kgplatform worker` logs when Redis restarts under it: Celery's reconnect lines, not pages. Before
(a restart on 5 December 2026), each reconnect logged gossip's traceback of six chained errors (gossip,
Celery's worker-to-worker chatter, which kgplatform does not use) and Celery's eight-line notice that a
setting's default will change, about 100 lines in all for a 10 s restart."""

from __future__ import annotations

import time
from pathlib import Path

from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import (
    KGPLATFORM_CLI,
    WorkerEnv,
    logged_process,
    stop_workers,
    wait_for_workers,
)

OUTAGE_S = 4.0


def test_a_redis_restart_under_a_worker_logs_the_reconnect_without_tracebacks(
    settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    # INFO, the default: the reconnect lines are INFO.
    worker = logged_process(
        [*KGPLATFORM_CLI, "worker", "--queues", "planning", "--concurrency", "1"], worker_env.env, log
    )
    try:
        wait_for_workers(worker_env.celery, 1)
        manager.down(settings, only=["redis"])
        time.sleep(OUTAGE_S)
        manager.up(settings)
        deadline = time.monotonic() + 60
        while "Connected to redis" not in (text := log.read_text(errors="replace")).split("broker lost")[-1]:
            assert worker.poll() is None, text[-3000:]
            assert time.monotonic() < deadline, text[-3000:]
            time.sleep(0.25)
        wait_for_workers(worker_env.celery, 1)  # it takes work again
    finally:
        stop_workers([worker])  # SIGTERM, which `kgplatform worker` passes on: a warm shutdown
    text = log.read_text(errors="replace")
    assert "Connection to broker lost" in text, text[-3000:]  # the case under test happened
    assert "Traceback" not in text, text[-6000:]
    assert "CPendingDeprecationWarning" not in text, text[-6000:]
