"""A Celery worker that gives up on a Redis away past its reconnect limit exits with code 1, and
`kgplatform worker`'s supervisor (`workers.supervisor.supervise`, what `run_worker` runs) starts it again;
once Redis is back it takes work. The limit is lowered for the test (`few_broker_retries_app`); Celery's
own, 100 tries, makes the same happen after about 46 minutes (measured, 8 December 2026: docs/workers.md,
"Reliability"). A guard: it passed when written."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import WorkerEnv, logged_process, stop_workers, wait_for_workers
from workers.run import worker_argv

SUPERVISED = """
import logging, sys
from workers.supervisor import supervise
logging.basicConfig(level=logging.INFO)
sys.exit(supervise(sys.argv[1:]))
"""
GAVE_UP = "Unrecoverable error: OperationalError"
RESTARTED = "the worker exited with code 1"


def test_a_worker_that_gives_up_on_the_broker_is_started_again_and_takes_work_once_redis_is_back(
    settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    celery = [sys.executable, "-m", "celery", "-A", "tests.integration.workers.few_broker_retries_app"]
    command = [*celery, *worker_argv(["ondemand"], 1, "INFO", "gives-up@%h")]
    log = tmp_path / "worker.log"
    supervisor = logged_process([sys.executable, "-c", SUPERVISED, *command], worker_env.env, log)
    try:
        wait_for_workers(worker_env.celery, 1)
        manager.down(settings, only=["redis"])
        deadline = time.monotonic() + 30  # 2 + 4 s of tries, then the exit and the restart
        while RESTARTED not in (text := log.read_text(errors="replace")):
            assert supervisor.poll() is None, f"the supervisor exited: {text[-3000:]}"
            assert time.monotonic() < deadline, text[-3000:]
            time.sleep(0.25)
        assert GAVE_UP in text, text[-3000:]
        manager.up(settings)
        wait_for_workers(worker_env.celery, 1, timeout_s=40)  # started again, it connects and answers
        assert supervisor.poll() is None
    finally:
        stop_workers([supervisor])  # SIGTERM, passed on: a warm shutdown
