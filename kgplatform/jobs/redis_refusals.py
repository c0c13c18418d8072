"""Redis answering but refusing writes: errors that say something about the server, not about a learner.

Full under the `maxmemory-policy noeviction` the platform requires (`OOM command not allowed`), a replica
after a failover (`READONLY`), a primary lost (`MASTERDOWN`), a disk too full for its append-only file
(`MISCONF`: `CannotPersistError`). redis-py raises these as `ResponseError`s,
unlike the outages (`ConnectionError`, `TimeoutError`, and `BusyLoadingError`, which already is one), so
code that retries "Redis away" must name them too: taken for a learner's error, they had a drain bisect its
claim, planning and saving every learner to Neo4j about ten times, then fail without a retry.
"""

from __future__ import annotations

import redis
from redis._parsers.base import BaseParser


class CannotPersistError(redis.exceptions.ResponseError):
    """`MISCONF`: Redis cannot write its append-only file (or snapshot), a full disk for one, and refuses
    every write and PING until it can; it lets writes through again by itself within a second of the space
    being freed (measured 7 December 2026, "MISCONF Errors writing to the AOF file: No space left on
    device"). redis-py has no class for it, so it was a bare `ResponseError`: POST /jobs/recompute a 500,
    and a drain bisecting its claim as for a learner's error."""


# redis-py picks an error reply's class by its first word from this table (OOM, READONLY, ...), shared by
# its parsers (hiredis, RESP2, RESP3) and the API's own reader (`api.redis_reader`); MISCONF is not in it.
# Registered on import of this module, which the API (`api.outages`) and the workers (`workers.tasks`) load.
BaseParser.EXCEPTION_CLASSES.setdefault("MISCONF", CannotPersistError)

REDIS_REFUSED_WRITE: tuple[type[redis.RedisError], ...] = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.MasterDownError,
    CannotPersistError,
)


def redis_trouble(error: BaseException) -> str:
    """Words for a log line: whether Redis refused the write (it answers) or is away."""
    if isinstance(error, REDIS_REFUSED_WRITE):
        return f"Redis refused the write ({type(error).__name__}: {error})"
    return "Redis is away"
