"""For tests of calls that share one run (`kgplatform.single_flight`): how many callers wait on a run."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

import pytest

from kgplatform import single_flight
from tests.waits import wait_for


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


def all_running_or_waiting(runs: Callable[[], int], callers: int) -> None:
    """Returns once each of `callers` runs the call (`runs()` of them) or waits on a run (a fixed pause let
    a caller scheduled late arrive after the run had ended, and run again)."""
    wait_for(
        lambda: runs() + CountedFuture.waits >= callers,
        10,
        "every caller running or waiting on the run",
        poll_s=0.01,
    )
