"""Whether Neo4j and Redis answer right now, each asked once within a bound.

Tells apart the two ways a batch chunk reaches its soft time limit: waiting on a server that has stalled
(a frozen JVM, a Redis swapped out), which passes like an outage and is retried as one, and running too
slowly on servers that answer, which a retry would only repeat. Asked between the soft and the hard time
limit, so every question is bounded: a stalled server takes the connection and says nothing.
"""

from __future__ import annotations

import redis

from kgplatform.redis_client import open_redis
from kgplatform.services.neo4j_local import NOT_NEO4J, bolt_refusal
from kgplatform.settings import Settings

# Schemes whose Bolt handshake is spoken in the clear; an encrypted one shakes hands inside TLS.
PLAIN_BOLT = ("bolt", "neo4j")


def unanswered(settings: Settings, within_s: float) -> str | None:
    """None when Neo4j answers Bolt's handshake and Redis its PING, each within `within_s`; otherwise
    which of them did not, and why. A Neo4j reached over TLS (its handshake inside TLS) is not asked: there
    a stall reads as an answer."""
    neo4j = settings.neo4j
    if neo4j.uri.split("://", 1)[0] in PLAIN_BOLT:
        refusal = bolt_refusal(neo4j.host, neo4j.port, within_s)
        if refusal is not None:
            reason, unsure = refusal
            # Silence from the port Neo4j was answering on a moment ago: a stalled Neo4j, not another program.
            said = f"the program listening on port {neo4j.port} {NOT_NEO4J}: "
            return f"Neo4j at {neo4j.host}:{neo4j.port}: {reason.removeprefix(said) if unsure else reason}"
    try:
        client = open_redis(settings.redis.url, connect_timeout_s=within_s, reply_timeout_s=within_s)
        try:
            client.ping()
        finally:
            client.close()
    except redis.RedisError as error:
        return f"Redis at {settings.redis.host}:{settings.redis.port}: {error.__class__.__name__}: {error}"
    return None
