"""The processes a benchmark starts and stops itself (an API, Celery workers), for the benchmarks that time
work across processes: each started in a session of its own, so that stopping it stops its children (a
worker's pool, uvicorn's), and logged to a file of its own."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path


def start(command: list[str], log: Path) -> subprocess.Popen:
    """`command` in a new session, stdout and stderr to `log`. Metrics port 0: a worker's metrics server
    would take the port of the operator's own worker."""
    env = {**os.environ, "KGP_WORKERS__METRICS_PORT": "0"}
    with log.open("w") as handle:
        return subprocess.Popen(
            command, env=env, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process (a worker's warm shutdown ends its task; sent to its session, it also killed the
    pool process mid-task), SIGKILL to its session after 60 s."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def wait_until(check: Callable[[], object], timeout_s: float, what: str, logs: Path) -> None:
    """Polls `check` every 0.2 s until it is true; gives up (exit, naming `what` and where the started
    processes' logs are) after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"gave up after {timeout_s:.0f} s waiting for {what} (see {logs})")
        time.sleep(0.2)
