"""The pipelined plan reader against the real Redis: right values in order, recovery, timeouts."""

from __future__ import annotations

import asyncio

import pytest
import redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kgplatform.api.redis_reader import PipelinedRedisReader, RedisPyReader, open_plan_reader
from kgplatform.services.processes import free_port
from kgplatform.settings import Settings


def run(coro):  # type: ignore[no-untyped-def]
    return asyncio.run(coro)


def test_concurrent_mgets_each_get_their_own_values(settings: Settings, redis_client: redis.Redis) -> None:
    redis_client.mset({f"reader:{i}": f"value-{i}" for i in range(300)})

    async def scenario() -> list[list[bytes | None]]:
        reader = PipelinedRedisReader(settings.redis.url)
        try:
            # 300 calls in flight on one connection; each asks for its own key and a missing one.
            return await asyncio.gather(*(reader.mget(f"reader:{i}", f"missing:{i}") for i in range(300)))
        finally:
            await reader.close()

    replies = run(scenario())
    assert replies == [[f"value-{i}".encode(), None] for i in range(300)]


def test_same_answers_as_redis_py(settings: Settings, redis_client: redis.Redis) -> None:
    redis_client.set("reader:a", b"\x00binary\r\n")
    keys = ("reader:a", "reader:none", "reader:a")

    async def both() -> tuple[list[bytes | None], list[bytes | None]]:
        ours, theirs = PipelinedRedisReader(settings.redis.url), RedisPyReader(settings.redis.url)
        try:
            return await ours.mget(*keys), await theirs.mget(*keys)
        finally:
            await ours.close()
            await theirs.close()

    ours, theirs = run(both())
    assert ours == theirs == [b"\x00binary\r\n", None, b"\x00binary\r\n"]


def test_reconnects_after_the_server_dropped_the_connection(
    settings: Settings, redis_client: redis.Redis
) -> None:
    redis_client.set("reader:k", b"v")

    async def scenario() -> tuple[list[bytes | None], list[bytes | None]]:
        reader = PipelinedRedisReader(settings.redis.url)
        try:
            first = await reader.mget("reader:k")
            dropped = reader._connection
            assert dropped is not None
            redis_client.client_kill_filter(_type="normal", skipme=True)
            # Until the close has reached the reader's connection (what the reconnect is for; a call sent
            # on a connection still closing fails as an outage): a fixed 0.05 s stood for it before.
            deadline = asyncio.get_running_loop().time() + 10
            while not dropped.closed:
                assert asyncio.get_running_loop().time() < deadline, "the server never closed the connection"
                await asyncio.sleep(0.01)
            return first, await reader.mget("reader:k")
        finally:
            await reader.close()

    first, after = run(scenario())
    assert first == after == [b"v"]


def test_a_reply_that_does_not_come_is_a_timeout_then_the_reader_recovers(
    settings: Settings, redis_client: redis.Redis
) -> None:
    """The server holds replies 2 s, ten times the reply timeout, and the test waits for the end of that by
    a command of its own; the reader's retry pause is timed by a clock the test steps. With the server held
    0.6 s and sleeps instead (0.6 s for a 0.3 s retry pause), a test stalled on a loaded machine could get
    its reply in time, or call again once the pause had ended."""
    redis_client.set("reader:k", b"v")
    now = [0.0]

    async def scenario() -> list[bytes | None]:
        reader = PipelinedRedisReader(
            settings.redis.url, reply_timeout_s=0.2, retry_after_timeout_s=0.3, clock=lambda: now[0]
        )
        try:
            await reader.mget("reader:k")  # connected before the pause
            redis_client.client_pause(2000)  # the server holds every normal client's commands
            with pytest.raises(RedisTimeoutError, match="no reply from Redis within 0.2 s"):
                await reader.mget("reader:k")
            with pytest.raises(RedisConnectionError, match="not retried yet"):  # fails fast meanwhile
                await reader.mget("reader:k")
            redis_client.ping()  # answered once the server's pause is over (Redis 7.0 holds an UNPAUSE too)
            now[0] += 0.31
            return await reader.mget("reader:k")
        finally:
            await reader.close()

    try:
        assert run(scenario()) == [b"v"]
    finally:
        redis_client.client_unpause()


def test_nothing_listening_is_a_connection_error_naming_the_address() -> None:
    port = free_port()

    async def scenario() -> None:
        reader = PipelinedRedisReader(f"redis://127.0.0.1:{port}/0", connect_timeout_s=0.5)
        await reader.mget("k")

    with pytest.raises(RedisConnectionError, match=f"127.0.0.1:{port}"):
        run(scenario())


def test_after_a_failed_connect_calls_fail_at_once_until_the_retry_pause_is_over() -> None:
    port = free_port()
    attempts = 0
    now = [0.0]

    async def scenario() -> list[str]:
        nonlocal attempts
        reader = PipelinedRedisReader(
            f"redis://127.0.0.1:{port}/0", retry_after_failure_s=0.3, clock=lambda: now[0]
        )
        real_open = reader._open

        async def counted_open():  # type: ignore[no-untyped-def]
            nonlocal attempts
            attempts += 1
            return await real_open()

        reader._open = counted_open  # type: ignore[method-assign]
        messages = []
        # The pause is timed by the clock stepped here: slept through (0, 0, 0, then 0.35 s), the three
        # calls of a test stalled on a loaded machine could span the whole pause.
        for step in (0, 0.1, 0.1, 0.15):
            now[0] += step
            with pytest.raises(RedisConnectionError) as caught:
                await reader.mget("k")
            messages.append(str(caught.value))
        return messages

    messages = run(scenario())
    assert attempts == 2  # the first call, then the one after the pause; the two between failed fast
    assert "not retried yet" in messages[1] and "not retried yet" in messages[2]
    assert "not retried yet" not in messages[3]


def test_wrong_database_number_is_refused_at_connect(settings: Settings) -> None:
    base = settings.redis.url.rsplit("/", 1)[0]

    async def scenario() -> None:
        reader = PipelinedRedisReader(f"{base}/100000")
        try:
            await reader.mget("k")
        finally:
            await reader.close()

    with pytest.raises(RedisConnectionError, match="refused the connection set-up"):
        run(scenario())


def test_an_error_reply_raises_and_keeps_the_connection_usable(
    settings: Settings, redis_client: redis.Redis
) -> None:
    redis_client.set("reader:k", b"v")

    async def scenario() -> list[bytes | None]:
        reader = PipelinedRedisReader(settings.redis.url)
        try:
            with pytest.raises(ResponseError, match="wrong number of arguments"):
                await reader.mget()  # MGET with no key: Redis answers with an error
            return await reader.mget("reader:k")
        finally:
            await reader.close()

    assert run(scenario()) == [b"v"]


def test_tls_urls_use_redis_py_and_plain_ones_the_pipelined_reader() -> None:
    assert isinstance(open_plan_reader("rediss://example.invalid:6380/0"), RedisPyReader)
    assert isinstance(open_plan_reader("redis://127.0.0.1:6379/0"), PipelinedRedisReader)
    assert isinstance(open_plan_reader("unix:///tmp/redis.sock?db=2"), PipelinedRedisReader)


def test_cancelled_callers_keep_the_line_in_order(settings: Settings, redis_client: redis.Redis) -> None:
    redis_client.mset({"reader:a": b"a", "reader:b": b"b"})

    async def scenario() -> list[bytes | None]:
        reader = PipelinedRedisReader(settings.redis.url)
        try:
            await reader.mget("reader:a")
            redis_client.client_pause(200)
            doomed = asyncio.ensure_future(reader.mget("reader:a"))
            await asyncio.sleep(0.02)
            doomed.cancel()  # its reply still arrives, and must not go to the next caller
            return await reader.mget("reader:b")
        finally:
            await reader.close()

    try:
        assert run(scenario()) == [b"b"]
    finally:
        redis_client.client_unpause()


@pytest.mark.parametrize(
    ("reply", "outage"),
    [(b"-LOADING Redis is loading the dataset in memory\r\n", True), (b"-ERR unknown command\r\n", False)],
)
def test_a_redis_still_loading_is_an_outage_on_both_readers(reply: bytes, outage: bool) -> None:
    """After a restart Redis answers LOADING until its data are in: serving must fall back to Neo4j as
    for a lost connection (REDIS_OUTAGE_ERRORS), as redis-py's reader already made it; the pipelined
    reader raised a plain ResponseError, a 500."""
    from kgplatform.api.outages import REDIS_OUTAGE_ERRORS

    async def scenario() -> list[bool]:
        async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            while await reader.read(4096):
                writer.write(reply)
                await writer.drain()
            writer.close()

        server = await asyncio.start_server(answer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        seen = []
        try:
            for kind in (PipelinedRedisReader, RedisPyReader):
                reader = kind(f"redis://127.0.0.1:{port}/0")
                try:
                    with pytest.raises(Exception) as error:  # noqa: PT011 - the type is what is compared
                        await reader.mget("kgp:plan:x")
                    seen.append(isinstance(error.value, REDIS_OUTAGE_ERRORS))
                finally:
                    await reader.close()
        finally:
            server.close()
            await server.wait_closed()
        return seen

    assert run(scenario()) == [outage, outage]
