"""The question asked of Neo4j and Redis once a batch chunk has run past its soft time limit: servers that
answer read as answered (the chunk was too slow: it fails as before), a stalled one (SIGSTOP: the port
takes connections, nothing answers) is named within the bound, and the chunk is retried as an outage."""

from __future__ import annotations

import time

import pytest

from kgplatform.errors import ServiceUnavailable
from kgplatform.services import neo4j_local, redis_local
from kgplatform.settings import Settings
from tests.integration.freezing import frozen
from workers.stall_probe import unanswered

WITHIN_S = 0.5


def test_servers_that_answer_read_as_answered_and_a_chunk_cut_short_then_fails_as_too_slow(
    settings: Settings,
) -> None:
    from workers.tasks import cut_short

    assert unanswered(settings, WITHIN_S) is None
    error = cut_short(9.0)
    assert type(error) is RuntimeError and str(error) == "chunk ran past its soft time limit (9 s)"


@pytest.mark.parametrize("service", ["neo4j", "redis"])
def test_a_stalled_server_is_named_within_the_bound_and_the_chunk_is_retried(
    settings: Settings, service: str
) -> None:
    from workers.tasks import cut_short

    module = neo4j_local if service == "neo4j" else redis_local
    pid = module.running_pid(settings)
    assert pid is not None, f"the tests' {service} was not started by `services up`"
    with frozen(pid):
        started = time.monotonic()
        reason = unanswered(settings, WITHIN_S)
        took = time.monotonic() - started
        error = cut_short(9.0)
    assert reason is not None and took < 2 * WITHIN_S + 0.5, (reason, took)
    if service == "neo4j":
        assert reason == (
            f"Neo4j at {settings.neo4j.host}:{settings.neo4j.port}: "
            f"it did not answer Bolt's handshake within {WITHIN_S:g} s"
        )
    else:
        assert reason.startswith(f"Redis at {settings.redis.host}:{settings.redis.port}: TimeoutError"), (
            reason
        )
    assert isinstance(error, ServiceUnavailable), error
    assert str(error).startswith("chunk cut short at its soft time limit (9 s): ")
