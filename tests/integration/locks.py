"""Waiting for a writer to be blocked on another's lock, for the tests that need that interleaving."""

from __future__ import annotations

import time

from kgplatform.graph.driver import Graph


def wait_until_blocked(graph: Graph, timeout_s: float = 10.0) -> None:
    """Returns once a transaction waits on a lock: the second writer is behind the first. A fixed sleep
    let a test pass when the second writer had not started yet, without the interleaving it is named for
    (or fail by chance, where the late writer takes another path)."""
    deadline = time.monotonic() + timeout_s
    while graph.read("testing/count_blocked_transactions")[0]["blocked"] == 0:
        assert time.monotonic() < deadline, f"no transaction waited on a lock within {timeout_s} s"
        time.sleep(0.02)
