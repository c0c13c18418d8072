"""A worker started while Neo4j is away (a machine's services starting together: Neo4j takes the longest; or
`kgplatform worker`'s supervisor starting Celery again during a Neo4j restart) says so in one line per pool
process and connects at its first task. Each pool process's Neo4j connect raised in Celery's process-init
signal before, and Celery logged it as a failed signal handler with a chain of four tracebacks (an operator's
test, 3 December)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from pathlib import Path

from tests.integration.workers.conftest import WorkerEnv, wait_for_workers
from workers.run import celery_worker_command


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_worker_started_while_neo4j_is_away_logs_one_line_per_pool_process(
    worker_env: WorkerEnv, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    env = {**worker_env.env, "KGP_NEO4J__URI": f"bolt://127.0.0.1:{closed_port()}"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            celery_worker_command(["planning"], 2, "no-neo4j@%h"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_workers(worker_env.celery, 1)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    text = log.read_text(errors="replace")
    said = [line for line in text.splitlines() if "Neo4j not reachable as this pool process starts" in line]
    assert len(said) == 2, text[-3000:]  # one per pool process
    assert "Traceback" not in text and "Signal handler" not in text, text[-3000:]
