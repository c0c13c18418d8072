"""A real Celery worker process (prefork pool) reaches Neo4j through the driver it opens after the fork."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator

import pytest

from kgplatform.settings import Settings


@pytest.fixture
def worker(settings: Settings) -> Iterator[str]:
    # A private Redis database keeps this broker queue apart from any other run.
    broker = settings.redis.url.rsplit("/", 1)[0] + "/14"
    env = {**os.environ, "KGP_REDIS__URL": broker}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "workers.celery_app",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    yield broker
    process.terminate()
    process.communicate(timeout=30)


def test_ping_task_runs_in_a_forked_worker_and_reads_neo4j(worker: str) -> None:
    code = "from workers.celery_app import app; print(app.send_task('kgp.system.ping').get(timeout=60))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=90,
        env={**os.environ, "KGP_REDIS__URL": worker},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "{'neo4j': 1}"
