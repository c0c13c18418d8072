"""Redis at its client limit, for tests of what a new connection's refusal does to a caller."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import redis


@contextmanager
def redis_taking_no_new_connection(client: redis.Redis) -> Iterator[None]:
    """The connections already open (`client`'s, an app's pooled one) still work; a new one (kombu's to
    publish, the result backend's to subscribe) is refused with "max number of clients reached"."""
    before = client.config_get("maxclients")["maxclients"]
    client.ping()  # `client` holds its connection before the limit
    # Redis checks the limit only as it accepts a connection, and keeps those it has: at 1, a connection
    # another one closing meanwhile cannot make room (the number of those open did, in a longer run).
    client.config_set("maxclients", 1)
    try:
        yield
    finally:
        client.config_set("maxclients", before)
