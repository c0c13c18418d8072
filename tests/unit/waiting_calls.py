"""For tests of calls that share one run (`kgplatform.single_flight`): how many callers wait on a run."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from kgplatform import single_flight


class CountedFuture(Future):  # type: ignore[type-arg]
    """The runs' futures, counting the calls waiting on one."""

    waits = 0
    lock = threading.Lock()

    def result(self, timeout: float | None = None) -> Any:
        with CountedFuture.lock:
            CountedFuture.waits += 1
        return super().result(timeout)


def count_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(single_flight, "Future", CountedFuture)
    CountedFuture.waits = 0


def until(condition: Callable[[], bool], what: Callable[[], object], timeout_s: float = 10.0) -> None:
    """Returns once `condition()` holds (a fixed pause let a caller scheduled late arrive after the run had
    ended, and run again); fails after `timeout_s` saying `what()`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, what()
        time.sleep(0.01)
