"""Calls made at once for the same key share one run: the first caller runs it, the others wait for its
value or its error. For the per-process caches that threads fill on a miss (the API's requests run on a
thread pool), where every request that misses together (the first ones after an edit) did the same read and
build, each in the process's one GIL."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from typing import Generic, TypeVar

T = TypeVar("T")


class SingleFlight(Generic[T]):
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[Hashable, Future[T]] = {}

    def run(self, key: Hashable, call: Callable[[], T]) -> T:
        """`call()`, unless a call for `key` runs now: then its value, or its error raised here too. A call
        that keeps its value where later callers look (a cache) must do so inside `call`: the run ends,
        and later calls run again, only once it returned."""
        with self._lock:
            running = self._running.get(key)
            if running is None:
                running = self._running[key] = Future()
                mine = True
            else:
                mine = False
        if not mine:
            return running.result()
        try:
            value = call()
        except BaseException as error:
            running.set_exception(error)
            raise
        else:
            running.set_result(value)
            return value
        finally:
            with self._lock:
                del self._running[key]
