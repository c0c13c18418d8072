"""For tests of calls that share one run (`kgplatform.single_flight`): how many callers wait on a run
(waited for with `tests.waits.wait_for`)."""

from __future__ import annotations

import threading
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
