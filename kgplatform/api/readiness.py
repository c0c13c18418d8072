"""The readiness check, memoised for a second and shared by concurrent callers.

/readyz needs no key and is never rate limited (an orchestrator must never be locked out), and each check
is a Neo4j transaction and a Redis round trip: anyone who could reach the API could so send any number of
backend round trips, each holding a thread of the pool every sync route shares (a review, s29). A check
now answers every probe for `ttl_s` after it ended, and probes arriving while one runs wait for its
answer without a thread of their own. The answer itself is as strict as before.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future

from starlette.concurrency import run_in_threadpool

Checks = dict[str, str]


class ReadinessProbe:
    """`check()` (blocking, run in the threadpool) at most once per `ttl_s`, single-flight."""

    def __init__(
        self, check: Callable[[], Checks], ttl_s: float = 1.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._check, self.ttl_s, self._clock = check, ttl_s, clock
        # A thread lock, not an asyncio one: the state is shared by whatever event loops serve the app.
        self._lock = threading.Lock()
        self._last: tuple[float, Checks] | None = None
        self._pending: Future[Checks] | None = None

    async def checks(self) -> Checks:
        with self._lock:
            if self._last is not None and self._clock() - self._last[0] < self.ttl_s:
                return self._last[1]
            pending, runs_it = self._pending, self._pending is None
            if pending is None:
                pending = self._pending = Future()
        if runs_it:
            # The thread settles `pending` itself, so the waiters get their answer even if this caller
            # goes away.
            await run_in_threadpool(self._run, pending)
        return await asyncio.wrap_future(pending)

    def _run(self, pending: Future[Checks]) -> None:
        try:
            result = self._check()
        except BaseException as error:
            with self._lock:
                self._pending = None
            pending.set_exception(error)
            return
        with self._lock:
            self._last = (self._clock(), result)
            self._pending = None
        pending.set_result(result)
