"""Real prefork workers for the batch and on-demand tests, on a private Redis database with short
timeouts (a killed worker's chunk comes back after ~15 s instead of an hour)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
from celery import Celery

from kgplatform.jobs.models import JobStatus
from kgplatform.jobs.service import JobService
from kgplatform.settings import RedisSettings, Settings, WorkerSettings
from workers.celery_app import create_celery
from workers.run import celery_worker_command

BROKER_DB = 13
# What a planning worker consumes: on-demand recomputes and the batch's chunks.
PLANNING_QUEUES = ["ondemand", "planning"]
WORKER_OVERRIDES = {
    "KGP_WORKERS__VISIBILITY_TIMEOUT_S": "16",
    "KGP_WORKERS__MAX_CHUNK_S": "10",
    "KGP_WORKERS__MAX_RETRAIN_S": "10",
    "KGP_WORKERS__RETRY_BACKOFF_MAX_S": "5",
    "KGP_WORKERS__UNACKED_RESTORE_INTERVAL_S": "1",
    "KGP_WORKERS__UNACKED_RESTORE_THROTTLE": "1",
    "KGP_WORKERS__METRICS_PORT": "0",
}


@dataclass
class WorkerEnv:
    settings: Settings  # what the workers see: the private database, the short timeouts
    client: redis.Redis
    celery: Celery  # sends tasks to the workers' broker
    env: dict[str, str]

    def hold_lost_chunks(self, seconds: int) -> WorkerSettings:
        """Workers started from now on leave a dead worker's chunk unacknowledged for `seconds` (no
        redelivery within the test: only a resume brings it back); returns the job settings that match."""
        self.env["KGP_WORKERS__VISIBILITY_TIMEOUT_S"] = str(seconds)
        return self.settings.workers.model_copy(update={"visibility_timeout_s": seconds})

    def allow_slow_chunks(self, seconds: int) -> None:
        """Workers started from now on give a chunk `seconds` (its hard time limit; the soft one, and the
        retrace's half, follow) instead of the tests' 10 s, for a test whose chunk must finish however
        loaded the machine is; a dead worker's chunk comes back only after that (the visibility timeout
        must outlast a running chunk and its retry's backoff)."""
        self.env["KGP_WORKERS__MAX_CHUNK_S"] = str(seconds)
        backoff = int(self.env["KGP_WORKERS__RETRY_BACKOFF_MAX_S"])
        self.env["KGP_WORKERS__VISIBILITY_TIMEOUT_S"] = str(seconds + backoff + 1)


@pytest.fixture
def worker_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[WorkerEnv]:
    url = settings.redis.url.rsplit("/", 1)[0] + f"/{BROKER_DB}"
    env = {**os.environ, "KGP_REDIS__URL": url, **WORKER_OVERRIDES}
    for name, value in WORKER_OVERRIDES.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("KGP_REDIS__URL", url)
    worker_settings = Settings(_env_file=None, neo4j=settings.neo4j, redis=RedisSettings(url=url))
    client = redis.Redis.from_url(url)
    client.flushdb()
    celery = create_celery(worker_settings)
    yield WorkerEnv(worker_settings, client, celery, env)
    celery.close()
    client.flushdb()
    client.close()


StartWorker = Callable[..., subprocess.Popen]


def celery_worker(
    worker_env: WorkerEnv,
    name: str,
    queues: list[str] = PLANNING_QUEUES,
    log: Path | None = None,
    *,
    concurrency: int = 1,
    loglevel: str = "WARNING",
    env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """A `celery worker` process in its own process group (so a test can SIGKILL or SIGSTOP the whole
    worker, pool included), its output appended to `log` (dropped without one); `env` adds to or
    overrides the test's worker environment (another Neo4j, say)."""
    with log.open("ab") if log else open(os.devnull, "wb") as out:
        return subprocess.Popen(
            celery_worker_command(queues, concurrency, f"{name}@%h", loglevel),
            env={**worker_env.env, **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def logged_process(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """`argv` run in its own session (a test can signal its whole group), stdout and stderr written to
    `log`, which the test reads (a `kgplatform worker`, a supervised Celery, beat)."""
    with log.open("wb") as out:
        return subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


KGPLATFORM_CLI = [sys.executable, "-m", "kgplatform.cli"]


def stop_workers(processes: list[subprocess.Popen]) -> None:
    """SIGTERM to every worker still running, then SIGKILL to any not gone within 20 s.

    SIGTERM goes to the worker's main process alone, as an operator's stop does (`kgplatform worker`
    passes it on to Celery): Celery's warm shutdown lets a running task finish. Sent to the whole process
    group it also killed the pool process mid-task, and the log got a WorkerLostError traceback that a
    test asserting a clean log read as the product's."""
    for process in processes:
        if process.poll() is None:
            os.kill(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture
def start_worker(worker_env: WorkerEnv) -> Iterator[StartWorker]:
    """Starts `celery worker` processes (`celery_worker`); all are stopped at the end."""
    started: list[subprocess.Popen] = []

    def start(name: str, queues: list[str] = PLANNING_QUEUES) -> subprocess.Popen:
        started.append(celery_worker(worker_env, name, queues))
        return started[-1]

    yield start
    stop_workers(started)


def run_cli(worker_env: WorkerEnv, *args: str, timeout: float = 200) -> subprocess.CompletedProcess[str]:
    """`kgplatform ARGS` in a process of its own, on the workers' broker and settings (never raises on
    its exit code: the tests read it)."""
    return subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", *args],
        capture_output=True,
        text=True,
        env=worker_env.env,
        timeout=timeout,
        check=False,
    )


def wait_for_workers(celery: Celery, count: int, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if len(celery.control.ping(timeout=1.0)) >= count:
                return
        except redis.ConnectionError:
            # After a test that restarted Redis (test_on_demand_broker_outage), the first ping of this
            # process, even from a new Celery app, reads its reply on a connection the old server closed
            # (kombu keeps some of it process-wide); the next ping opens a new one.
            continue
    raise AssertionError(f"{count} worker(s) did not answer a ping within {timeout_s:.0f} s")


def finished_job(jobs: JobService, job_id: str, timeout_s: float) -> JobStatus:
    """The job's status once it has finished; fails the test when it has not within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not (status := jobs.status(job_id)).state.finished:
        assert time.monotonic() < deadline, f"the batch did not finish within {timeout_s} s: {status}"
        time.sleep(0.2)
    return status
