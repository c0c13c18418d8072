"""Debian's redis-server, run by us with append-only persistence in the project's state folder."""

from __future__ import annotations

import time
from pathlib import Path

import redis

from kgplatform.services.processes import ensure_debian_package, read_pid, spawn, stop_pid
from kgplatform.settings import Settings


def home(settings: Settings) -> Path:
    return settings.services.state_dir / "redis"


def pid_file(settings: Settings) -> Path:
    return home(settings) / "redis.pid"


def log_path(settings: Settings) -> Path:
    return home(settings) / "redis.log"


def start(settings: Settings) -> int:
    binary = ensure_debian_package("redis-server", "redis-server")
    folder = home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        binary,
        "--bind",
        settings.redis.host,
        "--port",
        str(settings.redis.port),
        "--dir",
        str(folder),
        "--appendonly",
        "yes",
        "--appendfsync",
        "everysec",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--logfile",
        "",
    ]
    return spawn(command, log_path(settings), pid_file(settings))


def running_pid(settings: Settings) -> int | None:
    return read_pid(pid_file(settings))


def stop(settings: Settings) -> bool:
    return stop_pid(pid_file(settings), timeout_s=30)


def ping(settings: Settings) -> str | None:
    """None when Redis answers PING; otherwise the reason."""
    try:
        client = redis.Redis.from_url(settings.redis.url, socket_connect_timeout=1, socket_timeout=2)
        client.ping()
        client.close()
        return None
    except redis.RedisError as error:
        return f"{error.__class__.__name__}: {error}"


def wait_until_ready(settings: Settings, pid: int | None, timeout_s: float = 30.0) -> str | None:
    deadline = time.monotonic() + timeout_s
    reason = ping(settings)
    while reason and time.monotonic() < deadline:
        if pid is not None and running_pid(settings) is None:
            return f"the redis-server process exited during start-up (log: {log_path(settings)})"
        time.sleep(0.2)
        reason = ping(settings)
    return (
        None
        if reason is None
        else f"Redis at {settings.redis.url} did not answer: {reason} (log: {log_path(settings)})"
    )
