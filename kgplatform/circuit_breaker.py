"""A circuit breaker: after a failure, callers skip a backing service for a short pause instead of each
waiting out its timeout. Used by the API (Neo4j outages, the plan cache, the rate limiter) and by the
answer stamps' backlog (`jobs.on_demand`), so it depends on neither."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CircuitBreaker:
    """Open for `cooldown_s` after a failure; while open, callers are refused without trying."""

    def __init__(self, cooldown_s: float = 2.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._open_until = 0.0
        self._lock = threading.Lock()

    def retry_after_s(self) -> float:
        """Seconds until calls may be tried again (0 when closed)."""
        return max(0.0, self._open_until - self._clock())

    def trip(self) -> None:
        with self._lock:
            self._open_until = self._clock() + self.cooldown_s

    def reset(self) -> None:
        with self._lock:
            self._open_until = 0.0
