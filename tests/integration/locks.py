"""Waiting for a writer to be blocked on another's lock, for the tests that need that interleaving."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from kgplatform.curriculum import store
from kgplatform.graph.driver import Graph


def wait_until_blocked(
    graph: Graph, timeout_s: float = 10.0, *, or_ended: threading.Thread | None = None
) -> None:
    """Returns once a transaction waits on a lock: the second writer is behind the first. A fixed sleep
    let a test pass when the second writer had not started yet, without the interleaving it is named for
    (or fail by chance, where the late writer takes another path). With `or_ended`, also once that thread
    (the second writer) has ended without waiting: the test's own checks then say what went wrong."""
    deadline = time.monotonic() + timeout_s
    while graph.read("testing/count_blocked_transactions")[0]["blocked"] == 0:
        if or_ended is not None and not or_ended.is_alive():
            return
        assert time.monotonic() < deadline, f"no transaction waited on a lock within {timeout_s} s"
        time.sleep(0.02)


def hold_after_audit(
    monkeypatch: pytest.MonkeyPatch, thread_name: str
) -> tuple[threading.Event, threading.Event]:
    """Makes the writer running in the thread named `thread_name` stop inside its transaction, right
    after writing its audit entries (the last write before commit), until released: returns (audited,
    release). Other threads write as usual."""
    audited, release = threading.Event(), threading.Event()
    real_audit = store.write_audit

    def audit_then_hold(tx: Any, entries: Any, moved: Any = None) -> None:
        real_audit(tx, entries, moved)
        if threading.current_thread().name == thread_name:
            audited.set()
            release.wait(timeout=10)

    monkeypatch.setattr(store, "write_audit", audit_then_hold)
    return audited, release


def write_behind_held_writer(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, writer: Callable[[], Any], write: Callable[[], Any]
) -> dict[str, Any]:
    """Forces one interleaving: `writer` (a curriculum writer, a delete say) runs in a thread until it has
    written its audit entries and holds its transaction open; `write` runs in another until it waits on a
    lock (a node `writer` holds and has changed); then `writer` commits. Returns `write`'s outcome:
    {"result": ...} or {"error": ...}."""
    audited, release = hold_after_audit(monkeypatch, "held-writer")
    holding = threading.Thread(target=writer, name="held-writer")
    holding.start()
    assert audited.wait(timeout=10)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = write()
        except Exception as error:  # noqa: BLE001 - the test names it
            outcome["error"] = error

    waiting = threading.Thread(target=run)
    waiting.start()
    wait_until_blocked(graph)
    release.set()
    holding.join(timeout=30)
    waiting.join(timeout=30)
    return outcome
