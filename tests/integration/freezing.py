"""A server process frozen for a block of a test (SIGSTOP, as a swapped-out or stalled JVM or Redis): its
port still takes connections and nothing answers. Continued whatever happens, so a failing test never
leaves the suite's Neo4j or Redis stopped."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator


@contextlib.contextmanager
def frozen(pid: int) -> Iterator[None]:
    """The process `pid` stopped (SIGSTOP) for the block, continued (SIGCONT) after it."""
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)
