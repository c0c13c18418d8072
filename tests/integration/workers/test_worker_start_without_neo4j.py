"""A worker started while Neo4j is away (a machine's services starting together: Neo4j takes the longest; or
`kgplatform worker`'s supervisor starting Celery again during a Neo4j restart) says so in one line per pool
process and connects at its first task. Each pool process's Neo4j connect raised in Celery's process-init
signal before, and Celery logged it as a failed signal handler with a chain of four tracebacks (an operator's
test, 3 December)."""

from __future__ import annotations

from pathlib import Path

from tests.integration.workers.conftest import WorkerEnv, celery_worker, stop_workers, wait_for_workers
from tests.ports import unused_port


def test_a_worker_started_while_neo4j_is_away_logs_one_line_per_pool_process(
    worker_env: WorkerEnv, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    env = {"KGP_NEO4J__URI": f"bolt://127.0.0.1:{unused_port()}"}
    process = celery_worker(worker_env, "no-neo4j", ["planning"], log, concurrency=2, env=env)
    try:
        wait_for_workers(worker_env.celery, 1)
    finally:
        stop_workers([process])
    text = log.read_text(errors="replace")
    said = [line for line in text.splitlines() if "Neo4j not reachable as this pool process starts" in line]
    assert len(said) == 2, text[-3000:]  # one per pool process
    assert "Traceback" not in text and "Signal handler" not in text, text[-3000:]
