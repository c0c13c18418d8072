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
    client.config_set("maxclients", client.info("clients")["connected_clients"])
    try:
        yield
    finally:
        client.config_set("maxclients", before)
