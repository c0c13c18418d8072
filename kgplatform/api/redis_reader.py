"""A pipelined asyncio Redis reader for the next-tasks hit path: one connection, many requests in flight.

Why not `redis.asyncio` here: measured with `python bench/bench_redis_reader.py`, its MGET costs about
three times the CPU of this reader per call (connection pool, per-command plumbing), which on the hit
path is more than the rest of the request. This reader is an `asyncio.Protocol` with hiredis' parser
(the C parser redis-py itself uses when installed). Redis answers the commands of one connection in
order, so replies are matched to a FIFO of futures, and concurrent requests share the connection.

It does only what the hit path needs: MGET (AUTH and SELECT when connecting). Failures raise redis-py's
own exception types, so callers' outage handling (`REDIS_OUTAGE_ERRORS`) is unchanged. After a reply
timeout or a lost connection the connection is dropped and every call waiting on it fails (the FIFO
can no longer be trusted); the next call connects again, so the API recovers when Redis is back. After
a failed connect, and longer after a timeout (a Redis that takes connections but does not answer: stalled,
or behind a proxy whose backend died), calls fail at once for a pause instead of each waiting it out.
TLS URLs (`rediss://`) are served by redis-py's asyncio client instead (`open_plan_reader`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Callable
from typing import Any, Protocol

import hiredis
import redis.asyncio as aioredis
from redis._parsers.base import BaseParser
from redis.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

Reply = Any


class PlanReader(Protocol):
    async def mget(self, *keys: str) -> list[bytes | None]: ...

    async def close(self) -> None: ...


def encode_command(*parts: str | bytes) -> bytes:
    """A command in RESP: an array of bulk strings."""
    out = [b"*%d\r\n" % len(parts)]
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


def _outage_or_error(reply: ResponseError) -> Exception:
    """An error reply as redis-py raises it, by redis-py's own table: those that mean Redis cannot serve
    this client now are connection errors there (NOAUTH and WRONGPASS: `AuthenticationError`; "max
    number of clients reached"; LOADING after a restart: `BusyLoadingError`), so callers fall back as for
    a lost connection (REDIS_OUTAGE_ERRORS) instead of failing with a 500 on a bare `ResponseError`."""
    error: Exception = BaseParser.parse_error(str(reply))
    return error


class _Connection(asyncio.Protocol):
    """One socket: writes commands, hands each parsed reply to the oldest waiting future."""

    def __init__(self) -> None:
        self.parser = hiredis.Reader(replyError=ResponseError)
        self.waiting: deque[asyncio.Future[Reply]] = deque()
        self.transport: asyncio.Transport | None = None
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.parser.feed(data)
        while (reply := self.parser.gets()) is not False:
            if not self.waiting:  # a reply nobody asked for: the stream is not what we think
                self.fail(RedisConnectionError("unexpected reply from Redis; reconnecting"))
                return
            waiter = self.waiting.popleft()
            if not waiter.done():  # a caller that gave up (cancelled) still had its place in line
                waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self._fail_waiting(RedisConnectionError(f"connection to Redis lost ({exc or 'closed by server'})"))

    def send(self, payload: bytes) -> asyncio.Future[Reply]:
        assert self.transport is not None
        waiter: asyncio.Future[Reply] = asyncio.get_running_loop().create_future()
        self.waiting.append(waiter)
        self.transport.write(payload)
        return waiter

    def fail(self, error: Exception) -> None:
        """Fails every waiting call and drops the socket (the next call reconnects)."""
        self.closed = True
        self._fail_waiting(error)
        if self.transport is not None:
            self.transport.abort()

    def _fail_waiting(self, error: Exception) -> None:
        while self.waiting:
            waiter = self.waiting.popleft()
            if not waiter.done():
                waiter.set_exception(error)


class PipelinedRedisReader:
    """MGET over one shared, lazily (re)opened connection; see the module's doc."""

    def __init__(
        self,
        url: str,
        *,
        connect_timeout_s: float = 1.0,
        reply_timeout_s: float = 2.0,
        retry_after_failure_s: float = 0.5,
        retry_after_timeout_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        options = parse_url(url)
        if options.get("connection_class") is SSLConnection:
            raise ValueError("PipelinedRedisReader speaks plain TCP or a Unix socket; use open_plan_reader")
        self.path: str | None = options.get("path")
        self.host: str = options.get("host", "localhost")
        self.port: int = int(options.get("port", 6379))
        self.db = int(options.get("db") or 0)
        self.username: str | None = options.get("username")
        self.password: str | None = options.get("password")
        self.connect_timeout_s, self.reply_timeout_s = connect_timeout_s, reply_timeout_s
        # After a failed connect, calls fail at once for this long instead of each waiting on its own
        # attempt (behind the connect lock, an unreachable host would cost every request the timeout).
        self.retry_after_failure_s = retry_after_failure_s
        # After a connect or a reply that timed out, for this long: each attempt costs every call queued on
        # it the whole timeout, where a refused connect costs nothing.
        self.retry_after_timeout_s = retry_after_timeout_s
        # What the pauses above are timed by: a seam for tests, which step it instead of sleeping through a
        # pause (a test stalled on a loaded machine woke past a pause's end, or before it).
        self._clock = clock
        self._connection: _Connection | None = None
        self._connect_lock = asyncio.Lock()
        self._failed: tuple[float, str, float] | None = None  # (`clock` time of the failure, why, pause)

    async def mget(self, *keys: str) -> list[bytes | None]:
        reply = await self._call(encode_command(b"MGET", *keys))
        return list(reply)

    async def close(self) -> None:
        if self._connection is not None and self._connection.transport is not None:
            self._connection.closed = True
            self._connection.transport.close()
        self._connection = None

    async def _call(self, payload: bytes) -> Reply:
        connection = self._connection
        if connection is None or connection.closed:
            connection = await self._connected()
        return await self._exchange(connection, payload)

    async def _exchange(self, connection: _Connection, payload: bytes) -> Reply:
        waiter = connection.send(payload)
        timer = asyncio.get_running_loop().call_later(
            self.reply_timeout_s,
            connection.fail,
            RedisTimeoutError(f"no reply from Redis within {self.reply_timeout_s} s"),
        )
        try:
            reply = await waiter
        except RedisTimeoutError as error:
            self._failed = (self._clock(), str(error), self.retry_after_timeout_s)
            raise
        finally:
            timer.cancel()
        if isinstance(reply, ResponseError):
            raise _outage_or_error(reply)
        return reply

    async def _connected(self) -> _Connection:
        async with self._connect_lock:  # concurrent callers share one connection attempt
            if self._connection is None or self._connection.closed:
                if self._failed is not None:
                    at, why, pause = self._failed
                    ago = self._clock() - at
                    if ago < pause:
                        raise RedisConnectionError(f"{why} ({ago:.2f} s ago; not retried yet)")
                try:
                    self._connection = await self._open()
                except RedisConnectionError as error:
                    timed_out = isinstance(error.__cause__, TimeoutError)
                    pause = self.retry_after_timeout_s if timed_out else self.retry_after_failure_s
                    self._failed = (self._clock(), str(error), pause)
                    raise
                self._failed = None
            return self._connection

    async def _open(self) -> _Connection:
        loop = asyncio.get_running_loop()
        where = self.path or f"{self.host}:{self.port}"
        try:
            async with asyncio.timeout(self.connect_timeout_s):
                if self.path:
                    _, connection = await loop.create_unix_connection(_Connection, self.path)
                else:
                    _, connection = await loop.create_connection(_Connection, self.host, self.port)
        except (OSError, TimeoutError) as error:
            raise RedisConnectionError(f"cannot connect to Redis at {where}: {error}") from error
        try:
            if self.password:
                auth = [self.username, self.password] if self.username else [self.password]
                await self._exchange(connection, encode_command(b"AUTH", *auth))
            if self.db:
                await self._exchange(connection, encode_command(b"SELECT", str(self.db)))
        except (ResponseError, RedisConnectionError) as error:  # a refused AUTH is an AuthenticationError
            connection.fail(RedisConnectionError(str(error)))
            raise RedisConnectionError(f"Redis at {where} refused the connection set-up: {error}") from error
        return connection


class RedisPyReader:
    """The same interface over redis-py's asyncio client (TLS and anything else it speaks)."""

    def __init__(self, url: str, *, connect_timeout_s: float = 1.0, reply_timeout_s: float = 2.0) -> None:
        self.client = aioredis.Redis.from_url(
            url, socket_connect_timeout=connect_timeout_s, socket_timeout=reply_timeout_s
        )

    async def mget(self, *keys: str) -> list[bytes | None]:
        return list(await self.client.mget(*keys))

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.client.aclose()


def open_plan_reader(url: str, *, connect_timeout_s: float = 1.0, reply_timeout_s: float = 2.0) -> PlanReader:
    """The pipelined reader for redis:// and unix:// URLs, redis-py's client for the rest (TLS)."""
    if parse_url(url).get("connection_class") is SSLConnection:
        return RedisPyReader(url, connect_timeout_s=connect_timeout_s, reply_timeout_s=reply_timeout_s)
    return PipelinedRedisReader(url, connect_timeout_s=connect_timeout_s, reply_timeout_s=reply_timeout_s)
