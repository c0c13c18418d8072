"""The one place that makes a synchronous Redis client, so that none waits without end on a stalled server."""

from __future__ import annotations

import redis

# The API's client's bounds (kgplatform/api/app.py): a stalled Redis fails a call in seconds, with the
# callers' own "Redis at ... failed" message. Until redis-py 8.0 a client made without them waited for ever
# on a server that takes connections but answers nothing; 8.0 made 5 s the library's default, and
# pyproject.toml allows redis>=5.0, so each call here says the bound itself (a review, 6 December 2026).
CONNECT_TIMEOUT_S = 2.0
REPLY_TIMEOUT_S = 5.0


def open_redis(
    url: str, *, connect_timeout_s: float = CONNECT_TIMEOUT_S, reply_timeout_s: float = REPLY_TIMEOUT_S
) -> redis.Redis:
    """A client for `url` whose connection and each reply wait at most the given seconds."""
    return redis.Redis.from_url(url, socket_connect_timeout=connect_timeout_s, socket_timeout=reply_timeout_s)
