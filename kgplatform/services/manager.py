"""`services up | down | status`: idempotent management of the local Neo4j and Redis.

Only services whose URI points at this machine are managed. A service already answering (ours
from an earlier `up`, or someone else's) is left alone; `down` stops only processes whose pid we
recorded when we started them.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import partial

from kgplatform.errors import ServiceSetupFailed
from kgplatform.services import maintenance, neo4j_local, redis_local
from kgplatform.services.neo4j_local import STATUS_TIMEOUT_S
from kgplatform.services.processes import listening_ports, port_open
from kgplatform.settings import Settings

SERVICE_NAMES = ("neo4j", "redis")


class State(StrEnum):
    STARTED = "started"
    RUNNING_OURS = "already running (started by kgplatform)"
    RUNNING_FOREIGN = "already running (not started by kgplatform, left alone)"
    REMOTE = "remote, not managed here"
    REMOTE_UNREACHABLE = "remote, not managed here, and nothing answers at this address"
    STOPPED = "stopped"
    NOT_RUNNING = "not running"
    # The state folder's server runs, but does not listen at the configured address (settings changed).
    OURS_ELSEWHERE = "started by kgplatform, but not listening at this address"
    # The state folder's server runs and listens nowhere yet: starting (Neo4j binds Bolt last), or stuck.
    STARTING = "started by kgplatform, starting: not listening yet"
    # Listening, but no answer: Redis to PING (stopped with SIGSTOP, swapping, loading its file), Neo4j to a
    # query in its database (frozen, its database still starting or not openable).
    NOT_ANSWERING = "running, but does not answer"
    # Stopped (or starting again) on purpose by a `services backup` or `restore` still under way.
    MAINTENANCE = "stopped for maintenance"


@dataclass(frozen=True)
class ServiceStatus:
    name: str
    address: str
    state: State
    pid: int | None = None
    detail: str | None = None  # what the state alone does not say (which backup stopped it)


Report = Callable[[str], None]


def _bring_up(
    name: str,
    address: str,
    is_local: bool,
    listening: bool,
    our_pid: int | None,
    start: Callable[[], int],
    wait: Callable[[int | None], str | None],
    on_started: Callable[[str], None] | None,
) -> ServiceStatus:
    if not is_local:
        return ServiceStatus(name, address, State.REMOTE)
    if our_pid is not None and not listening and (reason := wait(our_pid)):
        # Not at the address, even after waiting: still starting (a start that timed out), or started
        # with other settings. Either way a second server must not start on the same data folder.
        raise ServiceSetupFailed(
            f"{name}: the server this state folder started (pid {our_pid}) does not answer at {address} "
            f"({reason}): if it is still starting, run `services up` again later; if it was started with "
            "other settings, run `kgplatform services down` with those, or set KGP_SERVICES__STATE_DIR "
            "to another folder"
        )
    if our_pid is not None:
        state, pid = State.RUNNING_OURS, our_pid
    elif listening:
        state, pid = State.RUNNING_FOREIGN, None
    else:
        state, pid = State.STARTED, start()
        if on_started:
            on_started(name)  # before waiting: a process that never becomes ready must still be stopped
    reason = wait(pid)
    if reason:
        raise ServiceSetupFailed(f"{name}: {reason}")
    return ServiceStatus(name, address, state, pid)


@contextmanager
def state_lock(settings: Settings) -> Iterator[None]:
    """Holds the state folder's lock: two `services up` at once (two terminals, a test run and the demo)
    would otherwise both see a port free and both start a server on one data folder. The folder is
    private (0700): it holds the databases and Neo4j's auth file. One that already exists (made by a
    `mkdir`, or by a run with another KGP_SERVICES__STATE_DIR below it, at 0755) is made private too when
    it is this user's: `mkdir(mode=)` left it as it was (a review, 1 December)."""
    folder = settings.services.state_dir
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    status = folder.stat()
    if status.st_uid == os.getuid() and status.st_mode & 0o077:
        folder.chmod(0o700)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def up(settings: Settings, on_started: Callable[[str], None] | None = None) -> list[ServiceStatus]:
    """Brings up Redis, then Neo4j, and returns their statuses (Neo4j first). Each service this call
    starts is reported to `on_started` as soon as its process is spawned, so a caller that stops what
    it started (scripts/test.sh) can stop it even when a later step fails and this raises. Redis comes
    first because it is up in well under a second; Neo4j takes seconds and is the likelier to fail.
    One call at a time per state folder (`state_lock`); a second waits, then finds them running."""
    with state_lock(settings):
        return _up(settings, on_started)


def _up(settings: Settings, on_started: Callable[[str], None] | None) -> list[ServiceStatus]:
    neo, red = settings.neo4j, settings.redis
    statuses = {}
    for name, address, is_local, host, port, local in (
        ("redis", red.shown, red.is_local, red.host, red.port, redis_local),
        ("neo4j", neo.uri, neo.is_local, neo.host, neo.port, neo4j_local),
    ):
        statuses[name] = _bring_up(
            name,
            address,
            is_local,
            port_open(host, port),
            local.running_pid(settings),
            partial(local.start, settings),
            partial(local.wait_until_ready, settings),
            on_started,
        )
    # Neo4j answers again: a killed backup's or restore's note is done with (status would go on blaming it
    # for a later crash). Said on the row, as the reason Neo4j was started.
    killed = maintenance.forget_abandoned(settings) if neo.is_local else None
    if killed is not None and statuses["neo4j"].state is State.STARTED:
        detail = f"after {killed.describe()} was stopped part-way{killed.then()}"
        statuses["neo4j"] = replace(statuses["neo4j"], detail=detail)
    return [statuses["neo4j"], statuses["redis"]]


def down(settings: Settings, only: list[str] | None = None) -> list[ServiceStatus]:
    with state_lock(settings):
        return _down(settings, only)


def _down(settings: Settings, only: list[str] | None) -> list[ServiceStatus]:
    statuses = []
    # `down` stops what this state folder started: a local server. With a URI elsewhere, the row names that
    # server, not the remote address (which read as though the remote service had been stopped).
    local_server = f"local server of {settings.services.state_dir}"
    for name, address, stop in (
        ("redis", settings.redis.shown if settings.redis.is_local else local_server, redis_local.stop),
        ("neo4j", settings.neo4j.uri if settings.neo4j.is_local else local_server, neo4j_local.stop),
    ):
        if only is not None and name not in only:
            continue
        stopped = stop(settings)
        statuses.append(ServiceStatus(name, address, State.STOPPED if stopped else State.NOT_RUNNING))
    return statuses


def status(settings: Settings) -> list[ServiceStatus]:
    result = []
    for name, address, is_local, host, port, pid in (
        (
            "neo4j",
            settings.neo4j.uri,
            settings.neo4j.is_local,
            settings.neo4j.host,
            settings.neo4j.port,
            neo4j_local.running_pid(settings),
        ),
        (
            "redis",
            settings.redis.shown,
            settings.redis.is_local,
            settings.redis.host,
            settings.redis.port,
            redis_local.running_pid(settings),
        ),
    ):
        if not is_local:
            # Only the address is ours to report: the state folder's pid belongs to a local server. A remote
            # one is asked the same question as ours: one whose port took connections read "remote, not
            # managed here", exit 0, while it refused kgplatform's password, its database was offline or
            # missing, or it was frozen (a review, 6 December 2026).
            if not port_open(host, port, timeout_s=STATUS_TIMEOUT_S):
                result.append(ServiceStatus(name, address, State.REMOTE_UNREACHABLE))
            elif (reason := _answer(name, settings)) is not None:
                said = f"{State.REMOTE}; {reason}"
                result.append(ServiceStatus(name, address, State.NOT_ANSWERING, detail=said))
            else:
                result.append(ServiceStatus(name, address, State.REMOTE))
            continue
        listening = port_open(host, port)
        if pid is not None:
            # The pid file names this folder's server; it is the one at the address only if that listens,
            # and only if the socket listening there is that process's (not another checkout's server).
            ports = listening_ports(pid)  # None: cannot be told (no /proc, not ours to read)
            ours = listening and (ports is None or port in ports)
            # Listening on no port at all is a server still starting, not one moved to another address (a
            # status taken while `services up` waited for Neo4j read "not listening at this address").
            starting = not ours and ports == set()
            state = State.RUNNING_OURS if ours else State.STARTING if starting else State.OURS_ELSEWHERE
        elif listening:
            state = State.RUNNING_FOREIGN
        else:
            state = State.NOT_RUNNING
        # A backup stops Neo4j and starts it again (not listening yet while it starts): planned, not a crash.
        # The note is read only for a Neo4j that does not answer at its address.
        down = name == "neo4j" and state in (State.NOT_RUNNING, State.OURS_ELSEWHERE, State.STARTING)
        if down and (under_way := maintenance.current(settings)) is not None:
            result.append(ServiceStatus(name, address, State.MAINTENANCE, pid, under_way.describe()))
            continue
        killed = maintenance.abandoned(settings) if down and state is State.NOT_RUNNING else None
        # The neo4j-admin of a backup or restore killed before it died with it: `up` refuses until it ends.
        left = neo4j_local.admin_tool_refusal(neo4j_local.layout_for(settings)) if down else None
        if left is not None:
            said = f"{killed.describe()} was stopped part-way; " if killed is not None else ""
            result.append(ServiceStatus(name, address, state, pid, said + left))
            continue
        # A restore killed during its load left a store Neo4j cannot open: `up` refuses, a restore mends it.
        cut = maintenance.cut_short_load(settings, neo4j_local.store_folders(settings)) if down else None
        if cut is not None:
            result.append(ServiceStatus(name, address, state, pid, cut.describe()))
            continue
        # A backup or restore killed with Neo4j stopped left its note: not a crash, and `up` is the remedy.
        if killed is not None:
            result.append(ServiceStatus(name, address, state, pid, killed.describe_abandoned()))
            continue
        # Listening is not answering. A Redis that takes connections but answers nothing (stopped, loading a
        # large append-only file) read "already running" and exit 0, while every command that used it failed
        # (a review, 5 December 2026); so did a Neo4j whose database was still starting or could not be
        # opened (a store left unusable), while the API answered 503 to everything (6 December 2026).
        answering = state in (State.RUNNING_OURS, State.RUNNING_FOREIGN)
        if answering and (reason := _answer(name, settings)) is not None:
            whose = "started by kgplatform" if state is State.RUNNING_OURS else "not started by kgplatform"
            log = _log_of(name, settings) if state is State.RUNNING_OURS else None
            said = f"{whose}; {reason}" + (f" (log: {log})" if log else "")
            result.append(ServiceStatus(name, address, State.NOT_ANSWERING, pid, said))
            continue
        result.append(ServiceStatus(name, address, state, pid))
    return result


def _answer(name: str, settings: Settings) -> str | None:
    """None when the service at the settings' address answers (Redis its PING, Neo4j a query in the
    database the settings name), each within STATUS_TIMEOUT_S; otherwise why not."""
    return redis_local.ping(settings) if name == "redis" else neo4j_local.database_answer(settings)


def _log_of(name: str, settings: Settings) -> str:
    """Where the server this state folder started says why it does not answer (Neo4j: a database it could
    not open is told in its debug log, with the cause)."""
    if name == "redis":
        return str(redis_local.log_path(settings))
    return str(neo4j_local.layout_for(settings).home / "logs" / "debug.log")
