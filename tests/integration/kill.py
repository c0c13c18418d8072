"""Killing a local server the way a crash does, for the tests that check what survives one."""

from __future__ import annotations

import os
import signal
import time

from kgplatform.services.processes import pid_alive, port_open, reap
from kgplatform.settings import Settings


def kill_and_wait(settings: Settings, pid: int) -> None:
    """SIGKILL, then wait until the process is gone and its Bolt port closed. Before that, `services up`
    would take it for running; and a JVM's main thread shows as a zombie while its other threads still
    exit holding the store's lock, so a new Neo4j could not start. Reaped when it is our own child (a
    Neo4j that an earlier test restarted from this process)."""
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        reap(pid)
        if not pid_alive(pid) and not port_open(settings.neo4j.host, settings.neo4j.port):
            return
        time.sleep(0.05)
    raise AssertionError(f"Neo4j (pid {pid}) still runs 30 s after SIGKILL")
