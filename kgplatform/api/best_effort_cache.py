"""The plan cache as the compute path uses it: the plans this path makes are stored in Neo4j first, so a
Redis that is down, or that answers but refuses (full at `maxmemory` with `noeviction`, a read-only
replica after a failover), costs a cache read or write, never the request (a refused write made every plan
miss a 500 after the plan was already stored, a review found). Batch plans live in Redis only
(`planning.cache`): while Redis is away the learner gets Neo4j's newest plan, which can be older than the
batch plan the learner last saw. After an outage error (a timeout above all: the sync
client waits up to 5 s per command) Redis is skipped for a short pause, so that a Redis that does not
answer costs one request the timeout, not each."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

import redis

from kgplatform.api.outages import REDIS_OUTAGE_ERRORS, CircuitBreaker
from kgplatform.planning.cache import DEFAULT_TTL_S, PlanCache
from kgplatform.planning.records import PlanRecord

log = logging.getLogger(__name__)
T = TypeVar("T")
# A full Redis refuses every write alike: one warning per this long says so without flooding the log.
REFUSAL_LOG_EVERY_S = 60.0


class ThrottledWarning:
    """Logs at most one warning per `every_s` (racy between threads: at worst one more line)."""

    def __init__(self, every_s: float = REFUSAL_LOG_EVERY_S) -> None:
        self.every_s = every_s
        self._next_at = 0.0

    def warn(self, message: str, *args: object) -> None:
        now = time.monotonic()
        if now >= self._next_at:
            self._next_at = now + self.every_s
            log.warning(message, *args)


class BestEffortPlanCache(PlanCache):
    """A Redis error is a miss, and a skipped write; an outage silently (readiness and the answers' `source`
    show it) and opens `breaker`, a refusal with a warning (Redis answers, so nothing else would tell)."""

    def __init__(
        self, client: redis.Redis, ttl_s: int = DEFAULT_TTL_S, breaker: CircuitBreaker | None = None
    ) -> None:
        super().__init__(client, ttl_s)
        self.breaker = breaker or CircuitBreaker()
        self._refused = ThrottledWarning()

    def get(self, learner_id: str) -> PlanRecord | None:
        read = super().get
        return self._guarded(lambda: read(learner_id), None, "plan cache not read")

    def put(self, record: PlanRecord) -> bool:
        # The compute path stored this plan in Neo4j first; the next request after recovery re-caches it.
        write = super().put
        return self._guarded(lambda: write(record), False, "plan not cached")

    def _guarded(self, call: Callable[[], T], instead: T, what: str) -> T:
        """`call`, or `instead` while the breaker is open or when Redis fails it (an outage trips the
        breaker; a refusal, with Redis answering, is a throttled warning)."""
        if self.breaker.retry_after_s() > 0:
            return instead
        try:
            return call()
        except redis.RedisError as error:
            self.failed(error, what)
            return instead

    def failed(self, error: redis.RedisError, what: str) -> None:
        """Takes note of a Redis error met by this cache or by the hit path's reader (one breaker, one
        warning throttle for both): an outage opens the breaker, a refusal is a throttled warning."""
        if isinstance(error, REDIS_OUTAGE_ERRORS):
            self.breaker.trip()
        else:
            self._refused.warn("%s: Redis refused (%s)", what, error)
