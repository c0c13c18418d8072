"""Redis answering but refusing writes: errors that say something about the server, not about a learner.

Full under the `maxmemory-policy noeviction` the platform requires (`OOM command not allowed`), a replica
after a failover (`READONLY`), a primary lost (`MASTERDOWN`). redis-py raises these as `ResponseError`s,
unlike the outages (`ConnectionError`, `TimeoutError`, and `BusyLoadingError`, which already is one), so
code that retries "Redis away" must name them too: taken for a learner's error, they had a drain bisect its
claim, planning and saving every learner to Neo4j about ten times, then fail without a retry.
"""

from __future__ import annotations

import redis

REDIS_REFUSED_WRITE: tuple[type[redis.RedisError], ...] = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.MasterDownError,
)


def redis_trouble(error: BaseException) -> str:
    """Words for a log line: whether Redis refused the write (it answers) or is away."""
    if isinstance(error, REDIS_REFUSED_WRITE):
        return f"Redis refused the write ({type(error).__name__}: {error})"
    return "Redis is away"
