"""The tests empty the Neo4j graph and the Redis databases they are pointed at. Before anything is emptied,
this says why it must not be, when the settings name a place where someone's data may live: a Redis
database outside 12-15 (scripts/test.sh puts the tests on 15, the workers' and browser tests take 12-14 of
the same server), or a server that is not on this machine. A shell prepared as the README's "Pointing
kgplatform at an existing Neo4j and Redis" says (`export KGP_REDIS__URL=redis://redis.internal:6379/0`)
would otherwise have the test command flush the broker and the plan cache and delete the graph.
`KGP_TESTS_MAY_EMPTY_REMOTE=1` lets them run against servers elsewhere that exist for tests."""

from __future__ import annotations

import os
from urllib.parse import urlsplit

from kgplatform.settings import Settings

TEST_REDIS_DATABASES = range(12, 16)
MAY_EMPTY_REMOTE = "KGP_TESTS_MAY_EMPTY_REMOTE"


def redis_database(url: str) -> int:
    path = urlsplit(url).path.strip("/")
    return int(path) if path.isdigit() else 0


def why_not_empty(settings: Settings) -> str | None:
    """None when the tests may empty what the settings name; else the reason, for the test run to stop on."""
    database = redis_database(settings.redis.url)
    if database not in TEST_REDIS_DATABASES:
        return (
            f"the tests empty the Redis database they use, and {settings.redis.shown} is database "
            f"{database}, not one of 12-15 (scripts/test.sh runs them on 15): point KGP_REDIS__URL at one "
            "of those"
        )
    remote = [
        shown
        for shown, local in (
            (settings.neo4j.uri, settings.neo4j.is_local),
            (settings.redis.shown, settings.redis.is_local),
        )
        if not local
    ]
    if remote and os.environ.get(MAY_EMPTY_REMOTE) != "1":
        return (
            f"the tests delete every node of the graph and empty the Redis database they use, and "
            f"{' and '.join(remote)} is not on this machine: run them against local servers, or set "
            f"{MAY_EMPTY_REMOTE}=1 if those exist for tests"
        )
    return None
