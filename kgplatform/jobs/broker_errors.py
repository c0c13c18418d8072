"""A send to Celery's broker that fails with Redis's own error, not the wrapper a library put around it.

Each library wraps a Redis error its own way: kombu's publish raises its `OperationalError` from it, and
Celery's Redis result backend, where a send subscribes to the task's result as the message goes out (ours
ask for none since a later review the same day: `jobs.sending.NO_RESULT`), a `RuntimeError` ("Retry limit
exceeded while trying to reconnect to the Celery result store backend"). Callers choose by type: the
API's outage mapping makes Redis's connection errors a 503 (`REDIS_OUTAGE_ERRORS`) and the CLI says "Redis
failed" in one line, but neither knew the wrappers, so a batch asked for while Redis took no new connection
(at its client limit; the app's pooled one still worked) was a 500 (a review, 7 December 2026)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import redis
from kombu.exceptions import OperationalError

from kgplatform.errors import caused_by, raising_what_is_behind

T = TypeVar("T")
# What kombu and Celery's result backend wrap a Redis error in; others pass as they are.
WRAPPERS = (OperationalError, RuntimeError)


def raising_redis_errors(send: Callable[..., T]) -> Callable[..., T]:
    """`send` (Celery's `send_task`, or any call that publishes), raising the Redis error behind a
    wrapper (`WRAPPERS`); a wrapper with no Redis error behind it stays as it is."""

    def sent(*args: Any, **kwargs: Any) -> T:
        return raising_what_is_behind(
            lambda: send(*args, **kwargs), WRAPPERS, lambda error: caused_by(error, redis.RedisError)
        )

    return sent
