"""The pipelined plan reader's error handling, over a stand-in socket (its wire behaviour against a real
Redis is in tests/integration/api/test_redis_reader.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from kgplatform.api.outages import REDIS_OUTAGE_ERRORS
from kgplatform.api.redis_reader import PipelinedRedisReader, _Connection


class Replying:
    """A socket whose Redis answers every command with `reply`."""

    def __init__(self, connection: _Connection, reply: bytes) -> None:
        self.connection, self.reply = connection, reply

    def write(self, _: bytes) -> None:
        asyncio.get_running_loop().call_soon(self.connection.data_received, self.reply)

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


def reader_over(transport: Callable[[_Connection], Any], **options: Any) -> PipelinedRedisReader:
    """A reader whose every connection is `transport(connection)`; `opened` counts them."""
    reader = PipelinedRedisReader("redis://localhost:6379/0", **options)
    reader.opened = 0  # type: ignore[attr-defined]

    async def open_fake() -> _Connection:
        connection = _Connection()
        connection.transport = transport(connection)
        reader.opened += 1  # type: ignore[attr-defined]
        return connection

    reader._open = open_fake  # type: ignore[method-assign]
    return reader


def error_of(reader: PipelinedRedisReader) -> BaseException:
    async def call() -> BaseException:
        with pytest.raises(Exception) as raised:  # noqa: PT011 - the type is what the tests compare
            await reader.mget("kgp:plan:l1")
        return raised.value

    return asyncio.run(call())


@pytest.mark.parametrize(
    "reply",
    [
        b"-NOAUTH Authentication required.\r\n",
        b"-WRONGPASS invalid username-password pair or user is disabled.\r\n",
        b"-ERR max number of clients reached\r\n",
        b"-LOADING Redis is loading the dataset in memory\r\n",
    ],
    ids=["noauth", "wrongpass", "max-clients", "loading"],
)
def test_error_replies_that_mean_redis_cannot_serve_us_are_outages(reply: bytes) -> None:
    """As redis-py maps them: a password rotated away or a Redis at maxclients raised a bare ResponseError
    here, so next-tasks was a 500 on every request instead of falling back to Neo4j."""
    error = error_of(reader_over(lambda connection: Replying(connection, reply)))
    assert isinstance(error, REDIS_OUTAGE_ERRORS), repr(error)


def test_other_error_replies_stay_errors() -> None:
    error = error_of(reader_over(lambda connection: Replying(connection, b"-ERR unknown command 'MGET'\r\n")))
    assert isinstance(error, ResponseError) and not isinstance(error, REDIS_OUTAGE_ERRORS)


class Silent:
    """A socket whose Redis takes the connection and never answers (stalled, or a proxy whose backend
    died); aborting it ends the connection as a real one would."""

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection

    def write(self, _: bytes) -> None:
        pass

    def abort(self) -> None:
        asyncio.get_running_loop().call_soon(self.connection.connection_lost, None)

    def close(self) -> None:
        pass


def test_after_a_reply_timeout_calls_fail_at_once_until_the_pause_is_over() -> None:
    """Each call waited the whole reply timeout (2 s in the API) while Redis did not answer: only a failed
    connect paused the attempts. The pause is timed by the reader's clock, stepped here: a wall-clock check
    (under 0.05 s, a sleep of 0.35 s for a 0.3 s pause) was at the mercy of a loaded machine."""
    now = [0.0]
    reader = reader_over(Silent, reply_timeout_s=0.1, retry_after_timeout_s=0.3, clock=lambda: now[0])

    async def scenario() -> tuple[str, int, int]:
        with pytest.raises(REDIS_OUTAGE_ERRORS):
            await reader.mget("kgp:plan:l1")  # waits the timeout once
        now[0] += 0.29
        with pytest.raises(REDIS_OUTAGE_ERRORS, match="not retried yet") as refused:
            await reader.mget("kgp:plan:l1")  # no connection tried: nothing to wait for
        opened_in_pause = reader.opened  # type: ignore[attr-defined]
        now[0] += 0.02
        with pytest.raises(REDIS_OUTAGE_ERRORS):
            await reader.mget("kgp:plan:l1")  # the pause is over: tried again
        return str(refused.value), opened_in_pause, reader.opened  # type: ignore[attr-defined]

    refused, opened_in_pause, opened = asyncio.run(scenario())
    assert "0.29 s ago" in refused and opened_in_pause == 1 and opened == 2


def test_a_connect_that_timed_out_pauses_as_long_as_a_reply_that_did() -> None:
    reader = PipelinedRedisReader(
        "redis://localhost:6379/0", retry_after_failure_s=0, retry_after_timeout_s=60
    )
    attempts: list[str] = []

    async def open_blackholed() -> _Connection:
        attempts.append("connect")
        raise RedisConnectionError("cannot connect to Redis at localhost:6379") from TimeoutError()

    reader._open = open_blackholed  # type: ignore[method-assign]

    async def scenario() -> None:
        for _ in range(3):
            with pytest.raises(RedisConnectionError):
                await reader.mget("kgp:plan:l1")

    asyncio.run(scenario())
    assert attempts == ["connect"]
