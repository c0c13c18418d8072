"""Starting a worker or beat from the CLI, with the metrics directory prepared before the fork.

prometheus-client chooses multiprocess mode when it is first imported, from `PROMETHEUS_MULTIPROC_DIR`;
so the variable is set here, before the Celery app (and through it anything that imports
prometheus-client) is loaded, and the pool's children inherit it. The directory is per worker (its
host name and pid: containers sharing a volume all run their worker as pid 1) and emptied at start, as
prometheus-client asks; the directories of this host's workers that have exited are deleted then.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

import redis

from kgplatform.redis_client import open_redis
from kgplatform.services.processes import pid_alive
from kgplatform.settings import Settings, get_settings
from workers.queues import Queue, unknown_queues
from workers.supervisor import supervise

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def prepare_metrics_dir(settings: Settings) -> str | None:
    """A fresh multiprocess directory for this worker, exported to its children; None when metrics are off."""
    if not settings.workers.metrics_port:
        return None
    prefix = f"worker-{socket.gethostname()}-"
    folder = settings.workers.metrics_dir / f"{prefix}{os.getpid()}"
    shutil.rmtree(folder, ignore_errors=True)
    remove_dead_workers_dirs(settings.workers.metrics_dir, prefix)
    folder.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(folder)
    return str(folder)


def remove_dead_workers_dirs(root: Path, prefix: str) -> list[Path]:
    """Deletes the metrics directories of this host's workers that have exited (named `prefix` + a pid no
    process holds now): nothing reads them again, and each restart of `kgplatform worker` (a deploy, a
    reboot) left one more behind, for good. Other hosts' directories on a shared volume are left alone:
    whether their worker runs cannot be told from here."""
    removed = []
    for folder in root.glob(f"{glob.escape(prefix)}*"):
        pid = folder.name[len(prefix) :]
        if pid.isdigit() and int(pid) != os.getpid() and not pid_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def worker_argv(queues: Sequence[str], concurrency: int, loglevel: str, hostname: str | None) -> list[str]:
    from kgplatform.errors import ValidationFailed

    if (problem := unknown_queues(queues)) is not None:
        raise ValidationFailed(f"--queues: {problem}", field="queues")
    if not queues:
        # `--queues=` makes Celery consume only its default queue: a worker that answers pings (so the
        # CLI's "no worker" warning stays silent) yet never plans; what `--queues "$UNSET"` gives.
        raise ValidationFailed(
            f"--queues names no queue: give at least one of {', '.join(q.value for q in Queue)}",
            field="queues",
        )
    argv = [
        "worker",
        "--pool=prefork",
        f"--concurrency={concurrency}",
        f"--queues={','.join(queues)}",
        f"--loglevel={loglevel}",
    ]
    if hostname:
        argv.append(f"--hostname={hostname}")
    # Gossip and mingle are Celery's worker-to-worker chatter (elections, revoked ids, clocks): kgplatform
    # uses none of them (its control commands, `ping` and `inspect`, go through the broker's pidbox), and
    # gossip lost to a broker restart logged a traceback of six chained errors at every reconnect.
    argv += ["--without-gossip", "--without-mingle"]
    return argv


def celery_worker_command(
    queues: Sequence[str], concurrency: int, hostname: str, loglevel: str = "WARNING"
) -> list[str]:
    """`python -m celery -A workers.celery_app worker ...` as a subprocess argv (tests, benchmarks)."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "workers.celery_app",
        *worker_argv(queues, concurrency, loglevel, hostname),
    ]


def refuse_wrong_credentials(settings: Settings, *, neo4j: bool = True) -> None:
    """Raises `ServiceUnavailable` (one line, exit 2 from the CLI) when Redis, or with `neo4j` Neo4j,
    refuses the credentials the settings give. Waiting does not mend those: a worker started with a wrong
    Neo4j password said "ready", took messages and retried each as an outage for about 34 minutes, and a
    wrong Redis user or password had Celery (worker or beat) try the broker 100 times (a review, 5 December
    2026). A service that does not answer at all is left to the worker, which waits for it (docs/workers.md,
    "Reliability"): a machine's services may be starting with it."""
    from neo4j import exceptions as neo4j_errors

    from kgplatform.errors import ServiceUnavailable
    from kgplatform.graph.driver import open_driver
    from kgplatform.services.redis_local import credentials_refusal

    client = open_redis(settings.redis.url, connect_timeout_s=5)
    try:
        client.ping()
    except redis.AuthenticationError as error:
        raise ServiceUnavailable(credentials_refusal(settings, error)) from None
    except redis.RedisError:
        pass  # not answering: Celery says so and connects when it does
    finally:
        client.close()
    if not neo4j:
        return
    try:
        open_driver(settings.neo4j).close()
    except ServiceUnavailable as error:
        cause = error.__cause__
        refused = isinstance(cause, neo4j_errors.AuthError) or (
            getattr(cause, "code", None) == "Neo.ClientError.Security.AuthenticationRateLimit"
        )
        if refused:
            raise
        # Not reachable: each pool process says so and connects at its first task.


def run_worker(
    queues: Sequence[str], concurrency: int, loglevel: str = "INFO", hostname: str | None = None
) -> int:
    """The Celery worker, under `supervisor.supervise` (started again if it dies by itself, as kombu makes
    it do on some broker restarts); its exit code. The metrics directory is emptied before each start.
    Credentials Redis or Neo4j refuses stop it before Celery starts (`refuse_wrong_credentials`)."""
    argv = worker_argv(queues, concurrency, loglevel, hostname)
    settings = get_settings()
    refuse_wrong_credentials(settings)
    command = [sys.executable, "-m", "celery", "-A", "workers.celery_app", *argv]
    return supervise(command, before_start=lambda: prepare_metrics_dir(settings))


def run_beat(loglevel: str = "INFO", schedule_file: str | None = None) -> None:
    from workers.celery_app import app

    settings = get_settings()
    refuse_wrong_credentials(settings, neo4j=False)  # beat uses Redis alone
    path = schedule_file or str(settings.paths.data_dir / "celerybeat-schedule")
    settings.paths.data_dir.mkdir(parents=True, exist_ok=True)
    app.start(["beat", f"--loglevel={loglevel}", f"--schedule={path}"])
