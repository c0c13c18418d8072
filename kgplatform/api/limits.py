"""Request limits as pure ASGI middleware (no per-request task or thread): body size and rate.

Both refuse with problem+json before the route runs, so a refused request changes nothing:
- `BodySizeLimit`: 413 when Content-Length says too much, or when a streamed body grows past it (the
  bulk routes, POST /answers, a roster PUT and a curriculum import, take large bodies; every other route
  small ones);
- `RateLimit`: 429 with Retry-After when a valid API key (or else the client address) spends its
  tokens. The probes and /metrics are never limited, so an orchestrator is never locked out;
- `BulkBodyKeyFirst`: 401 or 403 before a bulk route's large body is read, for a key that could not
  send it.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Protocol

import redis
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.deps import API_KEY_HEADER, recently_checked_principal, require_roles
from kgplatform.api.outages import REDIS_OUTAGE_ERRORS, CircuitBreaker
from kgplatform.api.problems import problem, problem_of
from kgplatform.auth.models import Role
from kgplatform.errors import KgpError
from kgplatform.settings import ServingSettings

log = logging.getLogger(__name__)

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class _BodyTooLarge(Exception):
    pass


def bulk_body_roles(scope: Scope) -> frozenset[Role] | None:
    """The roles (admin aside) of a route whose bodies may be large, a batch of answers, a class roster or
    a curriculum import; None for every other route. tests/unit/api/test_route_roles.py holds it to the
    routes' own."""
    path = scope.get("path", "")
    if is_roster_put(scope):
        return frozenset({Role.SERVICE})
    if scope.get("method") != "POST":
        return None
    if path == "/answers":
        return frozenset({Role.SERVICE})
    if path.startswith("/curricula/") and path.endswith("/import"):
        return frozenset({Role.DESIGNER})
    return None


def takes_bulk_body(scope: Scope) -> bool:
    """The routes whose bodies may be large: a batch of answers, a roster, a curriculum import."""
    return bulk_body_roles(scope) is not None


def is_answers_post(scope: Scope) -> bool:
    return scope.get("method") == "POST" and scope.get("path") == "/answers"


def is_roster_put(scope: Scope) -> bool:
    """PUT /classes/{class_id}/learners: a roster of up to 5,000 ids of up to 200 characters is about 1 MB
    of plain ids, and cannot be split (each PUT replaces the whole roster). Under the small routes' 256 KiB
    a roster of 5,000 ids of 50 characters was a 413 (a review, 4 December)."""
    parts = scope.get("path", "").split("/")
    return (
        scope.get("method") == "PUT"
        and len(parts) == 4
        and parts[1] == "classes"
        and parts[2] != ""
        and parts[3] == "learners"
    )


class BodySizeLimit:
    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        max_small_bytes: int | None = None,
        max_answers_bytes: int | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        # Never looser than the bulk routes' limit an operator lowered.
        self.max_small_bytes = max_bytes if max_small_bytes is None else min(max_small_bytes, max_bytes)
        # POST /answers has its own, from its batch maximum (`ServingSettings.max_answers_body_bytes`), and
        # a roster PUT shares it: a curriculum import's document is the only body that needs the whole of
        # `max_bytes`.
        self.max_answers_bytes = max_bytes if max_answers_bytes is None else min(max_answers_bytes, max_bytes)

    def limit_of(self, scope: Scope) -> int:
        if is_answers_post(scope) or is_roster_put(scope):
            return self.max_answers_bytes
        return self.max_bytes if takes_bulk_body(scope) else self.max_small_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_of(scope)
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                # At most 18 digits: int() refuses very long numbers, and no body is that large.
                if not value.isdigit() or len(value) > 18 or int(value) > limit:
                    await self._refuse(limit, scope, receive, send)
                    return
                await self.app(scope, receive, send)  # the server delivers no more than declared
                return
            chunked = chunked or name == b"transfer-encoding"
        if not chunked:  # no Content-Length and not chunked: HTTP/1.1 gives such a request no body
            await self.app(scope, receive, send)
            return
        received, too_large, refused = 0, False, False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            # A framework may turn the receive error into its own answer (FastAPI: 400); a body over
            # the limit is answered 413 instead, whatever the app made of it.
            nonlocal refused
            if not too_large:
                await send(message)
            elif not refused:
                refused = True
                await self._refuse(limit, scope, receive, send)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            if not refused:
                refused = True
                await self._refuse(limit, scope, receive, send)

    @staticmethod
    async def _refuse(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            413,
            "Request too large",
            f"the request body is over {limit:,} bytes (or its Content-Length is not a number); "
            "split it (POST /answers takes batches) and nothing was changed",
            field="body",
            max_bytes=limit,
        )
        await response(scope, receive, send)


_BULK_ROLE_CHECKS = {
    roles: require_roles(*roles) for roles in (frozenset({Role.SERVICE}), frozenset({Role.DESIGNER}))
}


class BulkBodyKeyFirst:
    """A bulk route's body larger than the small routes' limit is read only for a key valid for the route:
    else 401 or 403, as the route itself answers, before one byte of it is read.

    FastAPI reads and parses a route's declared JSON body before any dependency runs, the key check
    included, and parses it on the event loop: a key-less POST /answers of 32 MiB of `{},` took the API
    from 151 MB to 1 GB of memory and held every request of the process for about 5 s, then answered 401
    (a review, 3 December). The small routes' bodies are bounded for that reason (`max_small_bytes`); a
    bulk body within that bound costs no more than theirs, and goes on unchecked, to the route's own check.
    Inside `RateLimit`: a made-up key's lookup here is counted like any other request's.
    """

    def __init__(self, app: ASGIApp, max_small_bytes: int) -> None:
        self.app = app
        self.max_small_bytes = max_small_bytes

    def _may_be_large(self, scope: Scope) -> bool:
        chunked = False
        for name, value in scope["headers"]:
            if name == b"content-length":
                # `BodySizeLimit`, outside, refused a Content-Length that is not a number.
                return not value.isdigit() or len(value) > 18 or int(value) > self.max_small_bytes
            chunked = chunked or name == b"transfer-encoding"
        return chunked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        roles = bulk_body_roles(scope) if scope["type"] == "http" else None
        authenticator = getattr(scope["app"].state, "authenticator", None) if roles is not None else None
        if roles is None or authenticator is None or not self._may_be_large(scope):
            await self.app(scope, receive, send)
            return
        header = API_KEY_HEADER.lower().encode()
        try:
            principal = recently_checked_principal(scope)
            if principal is None:
                secret = next((value for name, value in scope["headers"] if name == header), None)
                principal = await run_in_threadpool(
                    authenticator.authenticate, None if secret is None else secret.decode("latin-1")
                )
            _BULK_ROLE_CHECKS[roles](principal)
        except KgpError as error:  # 401, 403, or 503 while Neo4j is away; middleware has no handlers
            await problem_of(error)(scope, receive, send)
            return
        await self.app(scope, receive, send)


class Limiter(Protocol):
    def take(self, key: str) -> float:
        """Spends one token of `key`; 0 when allowed, else the seconds to wait."""
        ...


class LocalTokenBuckets:
    """One token bucket per key in this process: `rate` tokens a second, at most `burst` saved.

    At `max_keys` buckets the one used least recently is dropped: a flood of new names then evicts
    idle buckets, never the busy ones (emptying the table would hand every caller a fresh burst)."""

    def __init__(
        self, rate: float, burst: int, max_keys: int = 100_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate, self.burst, self.max_keys = rate, float(burst), max_keys
        self._clock = clock
        # Insertion-ordered, and each take re-inserts its key: the first entry is the least recent.
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            tokens, last = self._buckets.pop(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if len(self._buckets) >= self.max_keys:
                del self._buckets[next(iter(self._buckets))]
            if tokens >= 1.0:
                self._buckets[key] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1.0 - tokens) / self.rate


class RedisFixedWindow:
    """`limit` requests per fixed window, shared by every API process through Redis, so `rate` a second
    on average: the window is burst/rate seconds and takes `burst`, or, when burst < rate, 1 s and takes
    `rate` (a shorter window would put the count at the mercy of clock skew between API hosts). The
    window was rounded up to whole seconds while it still took `burst`: rate 100 with burst 10 allowed
    10 a second (a review, s29).

    Fails open: while Redis is down or refuses the count (out of memory at `maxmemory` with `noeviction`,
    the usual policy beside a Celery broker; read-only after a failover), requests are not limited: the
    limiter must not cause an outage (a refused count made every limited route a 500, a review found).
    The count is a blocking call on the event loop: after an outage error (a Redis that does not answer
    costs its whole socket timeout) the limiter skips Redis while `breaker` is open, so one request in
    each pause waits out the timeout, not every request of the process.
    """

    def __init__(
        self,
        client: redis.Redis,
        rate: float,
        burst: int,
        prefix: str = "kgp:rate:",
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.client, self.prefix = client, prefix
        self.window_s = max(1.0, burst / rate)
        self.limit = max(burst, math.floor(rate * self.window_s))
        self._expire_s = math.ceil(self.window_s) + 1
        self.breaker = breaker or CircuitBreaker()
        self._said_refused = False

    def take(self, key: str) -> float:
        if self.breaker.retry_after_s() > 0:
            return 0.0
        window = int(time.time() // self.window_s)
        name = f"{self.prefix}{key}:{window}"
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.incr(name)
            pipe.expire(name, self._expire_s)
            count = int(pipe.execute()[0])
        except REDIS_OUTAGE_ERRORS:
            self.breaker.trip()
            return 0.0
        except redis.RedisError as error:
            if not self._said_refused:  # once per process: every request would say it again
                log.warning("rate limit not applied: Redis refused the count (%s)", error)
                self._said_refused = True
            return 0.0
        if count <= self.limit:
            return 0.0
        return (window + 1) * self.window_s - time.time()


class RateLimit:
    """Counts each request against its API key's bucket when the key is known valid, else against the
    client address's. Only a key this process checked recently (`KeyAuthenticator.cached`) has a
    bucket of its own: a made-up key per request would otherwise get a fresh burst every time, and
    each unknown key costs the route a graph lookup. So a valid key's first request (and one after
    its cache entry lapsed) counts against its address, and junk keys share their address's budget."""

    def __init__(self, app: ASGIApp, limiter: Limiter) -> None:
        self.app = app
        self.limiter = limiter

    @staticmethod
    def bucket_of(scope: Scope) -> str:
        principal = recently_checked_principal(scope)
        if principal is not None:
            return f"key:{principal.key_id}"
        client = scope.get("client")
        return f"addr:{client[0] if client else 'unknown'}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        wait = self.limiter.take(self.bucket_of(scope))
        if wait <= 0:
            await self.app(scope, receive, send)
            return
        seconds = max(1, math.ceil(wait))
        response = problem(
            429,
            "Too many requests",
            f"this API key (or, for a key not yet checked, this client address) is over its rate limit; "
            f"retry in {seconds} s",
            headers={"Retry-After": str(seconds)},
            field="X-API-Key",
            retry_after_s=seconds,
        )
        await response(scope, receive, send)


def make_limiter(settings: ServingSettings, client: redis.Redis) -> Limiter | None:
    """The configured limiter, or None when rate limiting is off (`rate_limit_per_s` = 0)."""
    if settings.rate_limit_per_s <= 0:
        return None
    if settings.rate_limit_backend == "redis":
        return RedisFixedWindow(client, settings.rate_limit_per_s, settings.rate_limit_burst)
    return LocalTokenBuckets(settings.rate_limit_per_s, settings.rate_limit_burst)
