"""A lock with expiry in Redis: at most one batch of a kind runs at a time, even if two start at once.

The value is the holder's job id, so only the holder releases or extends it (compare-and-set in Lua),
and a holder that died without releasing it stops blocking others once the lock expires.
"""

from __future__ import annotations

from collections.abc import Callable

import redis

LOCK_PREFIX = "kgp:lock:"
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_EXTEND = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('expire', KEYS[1], ARGV[2]) end return 0"
)


class BatchLock:
    def __init__(self, client: redis.Redis, name: str, ttl_s: int) -> None:
        self.client = client
        self.key = LOCK_PREFIX + name
        self.ttl_s = ttl_s

    def acquire(self, holder: str, ttl_s: int | None = None) -> bool:
        """True when `holder` now holds the lock (also when it already did: a redelivered task), for
        `ttl_s` (default: the lock's own)."""
        if self.client.set(self.key, holder, nx=True, ex=ttl_s or self.ttl_s):
            return True
        return self.holder() == holder and self.extend(holder, ttl_s)

    def holder(self) -> str | None:
        value = self.client.get(self.key)
        return value.decode() if isinstance(value, bytes) else value

    def extend(self, holder: str, ttl_s: int | None = None) -> bool:
        return bool(self.client.eval(_EXTEND, 1, self.key, holder, ttl_s or self.ttl_s))

    def release(self, holder: str) -> bool:
        return bool(self.client.eval(_RELEASE, 1, self.key, holder))


def live_holder(lock: BatchLock, finished: Callable[[str], bool]) -> str | None:
    """The lock's holder, unless that batch is already finished: then the lock is released for it.

    A batch is marked finished before its lock goes (`BatchRunner.finalize`); a worker killed between
    the two would otherwise block the next batch until a redelivery or the lock's expiry (hours)."""
    holder = lock.holder()
    if holder is not None and finished(holder):
        lock.release(holder)
        return None
    return holder
