"""Waiting in tests for a condition rather than for a fixed time (a fixed sleep passes or fails with the
machine's load)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(condition: Callable[[], object], timeout_s: float, what: str, poll_s: float = 0.05) -> None:
    """Polls `condition` until it holds; fails the test, saying `what` was awaited, after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"waited {timeout_s:.0f} s: {what}"
        time.sleep(poll_s)
