"""Debian's redis-server, run by us with append-only persistence in the project's state folder."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import redis

from kgplatform.redis_client import open_redis
from kgplatform.services.processes import as_root, ensure_debian_package, port_open, read_pid, spawn, stop_pid
from kgplatform.settings import Settings


def home(settings: Settings) -> Path:
    return settings.services.state_dir / "redis"


def pid_file(settings: Settings) -> Path:
    return home(settings) / "redis.pid"


def log_path(settings: Settings) -> Path:
    return home(settings) / "redis.log"


def start(settings: Settings) -> int:
    binary = shutil.which("redis-server")
    if binary is None:
        binary = ensure_debian_package("redis-server", "redis-server")
        stop_the_packages_own_service(settings)
    folder = home(settings)
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        binary,
        *auth_config(settings),
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
        # No RDB snapshots: with the append-only file on, a restart loads that file and never the dump,
        # and each snapshot (every 1 to 60 minutes, by Redis's default save rules) only rewrote dump.rdb
        # and appended five lines to redis.log, which nothing rotates: ~45 MB a year at one every 5 min.
        "--save",
        "",
        "--daemonize",
        "no",
        "--protected-mode",
        "yes",
        "--logfile",
        "",
    ]
    return spawn(command, log_path(settings), pid_file(settings))


def auth_config(settings: Settings) -> list[str]:
    """The configuration file that makes our Redis ask for the URL's credentials (empty without them):
    a Redis started without them refused every client's AUTH ("called without any password configured").
    A file readable by its owner only, not `--requirepass` on the command line, which `ps` shows to every
    user of the machine. A user other than `default` gets every right, and `default` is switched off."""
    password, user = settings.redis.password, settings.redis.username
    path = home(settings) / "auth.conf"
    if password is None:
        path.unlink(missing_ok=True)
        return []
    if user in (None, "default"):
        lines = [f"requirepass {_quoted(password)}"]
    else:
        lines = ["user default off", f"user {_quoted(user)} on {_quoted('>' + password)} ~* &* +@all"]
    path.touch(mode=0o600)
    path.chmod(0o600)  # touch keeps the mode of a file that was already there
    path.write_text("\n".join(lines) + "\n")
    return [str(path)]


def _quoted(text: str) -> str:
    """A string in Redis's configuration syntax (sdssplitargs): in double quotes, every byte that is not
    printable ASCII, and the quote and backslash, written as \\xHH."""
    return (
        '"'
        + "".join(chr(b) if 32 <= b < 127 and chr(b) not in '"\\' else f"\\x{b:02x}" for b in text.encode())
        + '"'
    )


def stop_the_packages_own_service(settings: Settings) -> None:
    """Debian's package starts its own redis-server.service on 127.0.0.1:6379 as it installs (where
    systemd runs). The project runs its own Redis instead (data under the state folder, stopped by
    `services down`), so the package's is stopped and kept from starting at boot, if it took our port."""
    if not port_open(settings.redis.host, settings.redis.port) or not shutil.which("systemctl"):
        return
    subprocess.run(
        [*as_root(), "systemctl", "disable", "--now", "redis-server"], capture_output=True, check=False
    )


def running_pid(settings: Settings) -> int | None:
    return read_pid(pid_file(settings))


def stop(settings: Settings) -> bool:
    return stop_pid(pid_file(settings), timeout_s=30)


NOT_REDIS = "is not Redis"


def ping(settings: Settings) -> str | None:
    """None when Redis answers PING; otherwise the reason."""
    try:
        client = open_redis(settings.redis.url, connect_timeout_s=1, reply_timeout_s=2)
        client.ping()
        client.close()
        return None
    except redis.AuthenticationError as error:
        return credentials_refusal(settings, error)
    except redis.exceptions.InvalidResponse as error:
        # Something answers on the port, in another protocol (an HTTP server, say).
        return (
            f"the program listening on port {settings.redis.port} {NOT_REDIS} ({error}): stop it, or set "
            "KGP_REDIS__URL to another port"
        )
    except redis.RedisError as error:
        return f"{error.__class__.__name__}: {error}"


def credentials_refusal(settings: Settings, error: redis.AuthenticationError) -> str:
    """Redis refused the URL's credentials (`services status`, the start of `worker` and `beat`): which
    setting to fix, and whether the URL gave a password at all. `services status` said only Redis's words,
    for one that wants a password "AuthenticationError: HELLO must be called with the client already
    authenticated, otherwise the HELLO AUTH <user> <pass> option can be used ..." (a review, 6 December
    2026)."""
    none = " (KGP_REDIS__URL gives no password)" if settings.redis.password is None else ""
    return (
        f"Redis at {settings.redis.shown} refused the credentials{none}: {error} (set KGP_REDIS__URL, "
        "redis://user:password@host:port/db)"
    )


def answering_pid(settings: Settings) -> int | None:
    """The process id of the Redis answering at the configured address (INFO server), or None."""
    try:
        client = open_redis(settings.redis.url, connect_timeout_s=1, reply_timeout_s=2)
        pid = client.info("server").get("process_id")
        client.close()
        return int(pid) if pid is not None else None
    except redis.RedisError:
        return None


def wait_until_ready(settings: Settings, pid: int | None, timeout_s: float | None = None) -> str | None:
    """None once Redis answers, and, when we started it (`pid`), once the one answering is ours: another
    Redis that took the port first would answer the ping while ours exited, unable to bind. Waits at most
    `timeout_s` (default: 30 s, or the services' start timeout when shorter); a program that is not Redis
    on the port ends the wait at once."""
    limit = timeout_s if timeout_s is not None else min(30.0, settings.services.start_timeout_s)
    deadline = time.monotonic() + limit
    reason = ping(settings)
    while reason and NOT_REDIS not in reason and time.monotonic() < deadline:
        if pid is not None and running_pid(settings) is None:
            return f"the redis-server process exited during start-up (log: {log_path(settings)})"
        time.sleep(0.2)
        reason = ping(settings)
    if reason is not None:
        log = f" (log: {log_path(settings)})" if pid is not None else ""  # no log of ours when not started
        return f"Redis at {settings.redis.shown} did not answer: {reason}{log}"
    if pid is not None and (answering := answering_pid(settings)) != pid:
        return (
            f"the Redis answering at {settings.redis.shown} is process {answering}, not the one started "
            f"({pid}; log: {log_path(settings)}): another Redis took the port (stop it, or set "
            "KGP_REDIS__URL to another port)"
        )
    return None
