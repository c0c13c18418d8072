"""The local token bucket: burst, refill rate, independent keys, bounded memory; whose bucket a request
spends; the body-size limit's reading of Content-Length."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest
import redis
from starlette.types import Message, Receive, Scope, Send

from kgplatform.api.limits import BodySizeLimit, LocalTokenBuckets, RateLimit, RedisFixedWindow
from kgplatform.api.outages import CircuitBreaker
from kgplatform.auth.models import Principal, Role
from kgplatform.classes.models import MAX_ROSTER
from kgplatform.curriculum.models import MAX_ID_LENGTH
from kgplatform.mastery.models import MAX_BATCH_SIZE
from kgplatform.settings import ServingSettings


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_burst_then_refill_at_the_rate() -> None:
    clock = Clock()
    buckets = LocalTokenBuckets(rate=2.0, burst=3, clock=clock)
    assert [buckets.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k") == pytest.approx(0.5)  # one token comes every 1/rate s
    clock.now += 0.5
    assert buckets.take("k") == 0.0
    assert buckets.take("other") == 0.0  # keys do not share tokens


def test_refill_never_exceeds_the_burst() -> None:
    clock = Clock()
    buckets = LocalTokenBuckets(rate=10.0, burst=2, clock=clock)
    buckets.take("k")
    clock.now += 3600
    assert [buckets.take("k") for _ in range(3)][2] > 0


def test_garbage_keys_cannot_grow_memory_without_bound() -> None:
    buckets = LocalTokenBuckets(rate=1.0, burst=1, max_keys=10, clock=Clock())
    for i in range(1000):
        buckets.take(f"key-{i}")
    assert len(buckets._buckets) <= 10


def test_a_flood_of_new_names_does_not_refill_a_busy_bucket() -> None:
    """At the table's size the least recently used bucket goes: one in use at its limit stays empty."""
    buckets = LocalTokenBuckets(rate=0.001, burst=2, max_keys=5, clock=Clock())
    assert [buckets.take("victim") for _ in range(2)] == [0.0, 0.0]
    for i in range(3):
        for j in range(2):
            buckets.take(f"junk-{i}-{j}")
        assert buckets.take("victim") > 0  # still limited after every few new names


class CachedKeys:
    """`KeyAuthenticator.cached` for a set of known secrets."""

    def __init__(self, known: dict[str, str]) -> None:
        self.known = known

    def cached(self, secret: str) -> Principal | None:
        key_id = self.known.get(secret)
        return Principal(key_id=key_id, name=key_id, role=Role.SERVICE) if key_id else None


def scope_of(key: str | None, address: str = "10.0.0.1", authenticator: object = None) -> Scope:
    app = SimpleNamespace(state=SimpleNamespace(authenticator=authenticator))
    headers = [(b"x-api-key", key.encode())] if key else []
    return {"type": "http", "path": "/x", "headers": headers, "client": (address, 5000), "app": app}


def test_only_a_key_checked_valid_has_a_bucket_of_its_own() -> None:
    keys = CachedKeys({"kgp_good": "k1"})
    assert RateLimit.bucket_of(scope_of("kgp_good", authenticator=keys)) == "key:k1"
    # Made-up keys, and a valid one not yet checked, count against the client's address.
    assert RateLimit.bucket_of(scope_of("kgp_made-up-1", authenticator=keys)) == "addr:10.0.0.1"
    assert RateLimit.bucket_of(scope_of("kgp_made-up-2", authenticator=keys)) == "addr:10.0.0.1"
    assert RateLimit.bucket_of(scope_of(None, "10.0.0.2", keys)) == "addr:10.0.0.2"
    assert RateLimit.bucket_of(scope_of("kgp_good", authenticator=None)) == "addr:10.0.0.1"  # app starting


def test_a_new_made_up_key_per_request_is_still_limited() -> None:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 401, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    limited = RateLimit(app, LocalTokenBuckets(rate=0.001, burst=3, clock=Clock()))
    statuses = []
    for i in range(6):
        sent: list[Message] = []

        async def send(message: Message, sent: list[Message] = sent) -> None:
            sent.append(message)

        async def receive() -> Message:
            return {"type": "http.request", "body": b"", "more_body": False}

        scope = scope_of(f"kgp_junk-{i}", authenticator=CachedKeys({}))
        asyncio.run(limited(scope, receive, send))
        statuses.append(sent[0]["status"])
    assert statuses == [401, 401, 401, 429, 429, 429]


def through_body_limit(
    method: str, path: str, content_length: bytes, **limits: int
) -> tuple[list[Scope], list[Message]]:
    """One request with this Content-Length through `BodySizeLimit(**limits)`: the scopes that reached the
    app behind it, and the messages sent back."""
    reached: list[Scope] = []
    sent: list[Message] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "headers": [(b"content-length", content_length)]}
    asyncio.run(BodySizeLimit(app, **limits)(scope, receive, send))
    return reached, sent


@pytest.mark.parametrize("length", [b"9" * 5000, b"1" * 19, b"2048x", b"%C2%B2"])
def test_an_absurd_content_length_is_413_before_the_app(length: bytes) -> None:
    """Longer than int() converts, or not a number at all: refused as too large, never a 500."""
    reached, sent = through_body_limit("POST", "/answers", length, max_bytes=2048)
    assert not reached
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["status"] == 413


def test_answers_take_a_full_batch_with_the_longest_ids_and_no_more() -> None:
    """The answers' default bound holds a batch of 10,000 answers with 200-character ids, pretty-printed
    (jq's default, README's example), and refuses a body of that size plus one: the bound follows the
    batch maximum, while an import still takes `max_body_bytes`."""
    ids = "x" * MAX_ID_LENGTH
    row = {"event_id": ids, "learner_id": ids, "task_id": ids, "score": 0.123456789,
           "answered_at": "2026-12-02T09:00:00.123456+00:00", "duration_s": 1234.5}  # fmt: skip
    batch = json.dumps({"answers": [row] * MAX_BATCH_SIZE}, indent=2).encode()
    serving = ServingSettings()
    limits = {
        "max_bytes": serving.max_body_bytes,
        "max_small_bytes": serving.max_small_body_bytes,
        "max_answers_bytes": serving.max_answers_body_bytes,
    }
    fits, _ = through_body_limit("POST", "/answers", str(len(batch)).encode(), **limits)
    assert fits
    over = str(serving.max_answers_body_bytes + 1).encode()
    reached, sent = through_body_limit("POST", "/answers", over, **limits)
    assert not reached and sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["max_bytes"] == serving.max_answers_body_bytes < serving.max_body_bytes
    imported, _ = through_body_limit("POST", "/curricula/algebra/import", over, **limits)
    assert imported


def test_a_roster_takes_its_most_learners_with_the_longest_ids() -> None:
    """A roster of 5,000 ids of 200 characters, pretty-printed with Python's default ASCII escapes (6 bytes
    for each of these characters), is 6 MB and fits the answers' bound; it was a 413 under the small routes'
    256 KiB, which refused 5,000 ids of 50 characters (a review, 4 December). The roster cannot be split:
    each PUT replaces the whole class. Another route of /classes keeps the small bound."""
    ids = [f"{i:05d}" + "é" * (MAX_ID_LENGTH - 5) for i in range(MAX_ROSTER)]
    roster = json.dumps({"learner_ids": ids}, indent=2).encode()
    serving = ServingSettings()
    limits = {
        "max_bytes": serving.max_body_bytes,
        "max_small_bytes": serving.max_small_body_bytes,
        "max_answers_bytes": serving.max_answers_body_bytes,
    }
    fits, _ = through_body_limit("PUT", "/classes/7B/learners", str(len(roster)).encode(), **limits)
    assert fits
    over = str(serving.max_answers_body_bytes + 1).encode()
    reached, sent = through_body_limit("PUT", "/classes/7B/learners", over, **limits)
    assert not reached and sent[0]["status"] == 413
    small = str(serving.max_small_body_bytes + 1).encode()
    reached, sent = through_body_limit("DELETE", "/classes/7B", small, **limits)
    assert not reached and json.loads(sent[1]["body"])["max_bytes"] == serving.max_small_body_bytes


class RefusingRedis:
    """A Redis that is up but refuses writes, as at `maxmemory` with `noeviction` or after a failover."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def pipeline(self, transaction: bool = True) -> RefusingRedis:
        return self

    def incr(self, name: str) -> None:
        pass

    def expire(self, name: str, seconds: int) -> None:
        pass

    def execute(self) -> list[int]:
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        redis.exceptions.OutOfMemoryError("command not allowed when used memory > 'maxmemory'"),
        redis.exceptions.ReadOnlyError("You can't write against a read only replica."),
    ],
)
def test_the_redis_window_fails_open_when_redis_refuses_the_count(error: Exception) -> None:
    """It let these through as 500s on every limited route (a review, 1 December): the README says the
    Redis backend fails open."""
    window = RedisFixedWindow(RefusingRedis(error), rate=1.0, burst=1)  # type: ignore[arg-type]
    assert [window.take("k") for _ in range(3)] == [0.0, 0.0, 0.0]


class CountingRefusingRedis(RefusingRedis):
    def __init__(self, error: Exception) -> None:
        super().__init__(error)
        self.calls = 0

    def execute(self) -> list[int]:
        self.calls += 1
        raise self.error


def test_the_redis_window_skips_redis_for_a_pause_after_a_timeout() -> None:
    """The count blocks the event loop: a Redis that does not answer made every request of the process
    wait the limiter's socket timeout. After one timeout the next requests pass without asking, until
    the pause ends; a refusal (Redis answering) is no reason to stop asking."""
    now = [100.0]
    hung = CountingRefusingRedis(redis.exceptions.TimeoutError("Timeout reading from socket"))
    breaker = CircuitBreaker(cooldown_s=2.0, clock=lambda: now[0])
    window = RedisFixedWindow(hung, rate=1.0, burst=1, breaker=breaker)  # type: ignore[arg-type]
    assert [window.take("k") for _ in range(5)] == [0.0] * 5
    assert hung.calls == 1
    now[0] += 2.5
    assert window.take("k") == 0.0
    assert hung.calls == 2
    full = CountingRefusingRedis(redis.exceptions.OutOfMemoryError("OOM"))
    window = RedisFixedWindow(full, rate=1.0, burst=1)  # type: ignore[arg-type]
    assert [window.take("k") for _ in range(3)] == [0.0] * 3
    assert full.calls == 3


class CountingRedis:
    """INCR and EXPIRE in a pipeline, as the shared window uses them; keys never expire here."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.expiries: list[int] = []
        self._pending: list[str] = []

    def pipeline(self, transaction: bool = True) -> CountingRedis:
        return self

    def incr(self, name: str) -> None:
        self._pending.append(name)

    def expire(self, name: str, seconds: int) -> None:
        self.expiries.append(seconds)

    def execute(self) -> list[int]:
        (name,) = self._pending
        self._pending.clear()
        self.counts[name] = self.counts.get(name, 0) + 1
        return [self.counts[name], 1]


@pytest.mark.parametrize(
    ("rate", "burst", "per_s", "seconds"),
    [(100.0, 10, 100, 1), (50.0, 1, 50, 1), (300.0, 1000, 300, 60), (500.0, 1000, 500, 60)],
)
def test_the_redis_window_allows_the_configured_rate(
    rate: float, burst: int, per_s: int, seconds: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window was rounded up to whole seconds but still took only `burst`: rate 100 with burst 10
    allowed 10 requests a second, and rate 300 with burst 1000 allowed 250 (a review, s29). Requests sent
    evenly at the configured rate are all let through, give or take one window's rounding."""
    now = [1_000_000.0]
    monkeypatch.setattr("kgplatform.api.limits.time.time", lambda: now[0])
    window = RedisFixedWindow(CountingRedis(), rate=rate, burst=burst)  # type: ignore[arg-type]
    allowed = 0
    for _ in range(per_s * seconds):
        allowed += window.take("k") == 0.0
        now[0] += 1.0 / per_s
    assert allowed >= 0.95 * per_s * seconds
    assert all(expire_s >= window.window_s + 1 for expire_s in window.client.expiries)  # type: ignore[attr-defined]


def test_the_redis_window_still_refuses_past_its_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A flood within one window gets `burst` through when burst >= rate, and `rate` a second otherwise."""
    monkeypatch.setattr("kgplatform.api.limits.time.time", lambda: 1_000_000.25)
    window = RedisFixedWindow(CountingRedis(), rate=500.0, burst=1000)  # type: ignore[arg-type]
    waits = [window.take("k") for _ in range(1200)]
    assert waits.count(0.0) == 1000
    assert 0 < waits[-1] <= window.window_s
    window = RedisFixedWindow(CountingRedis(), rate=100.0, burst=10)  # type: ignore[arg-type]
    assert [window.take("k") for _ in range(150)].count(0.0) == 100


@pytest.mark.parametrize(
    ("method", "path", "length", "allowed"),
    [
        ("POST", "/answers", 5000, True),
        ("POST", "/curricula/algebra/import", 5000, True),
        ("POST", "/curricula/algebra/import", 9000, False),
        ("POST", "/curricula", 5000, False),
        ("POST", "/api-keys", 5000, False),
        ("PUT", "/learners/l1/goals", 5000, False),
        ("PATCH", "/concepts/import", 5000, False),  # a concept named "import" is no import
        ("POST", "/curricula", 1500, True),
    ],
)
def test_only_the_bulk_routes_take_large_bodies(method: str, path: str, length: int, allowed: bool) -> None:
    """A key check runs after FastAPI has parsed and validated the body: a route taking one concept or one
    goal list must not read megabytes from anyone first."""
    reached, sent = through_body_limit(
        method, path, str(length).encode(), max_bytes=8192, max_small_bytes=2048
    )
    assert bool(reached) is allowed
    if not allowed:
        assert sent[0]["status"] == 413
        assert json.loads(sent[1]["body"])["max_bytes"] == (
            8192 if "/import" in path and method == "POST" else 2048
        )


def test_the_small_limit_is_never_looser_than_the_bulk_one() -> None:
    """An operator who lowered the bulk limit below the default small one lowered it for every route."""
    reached, sent = through_body_limit("PUT", "/concepts/a", b"5000", max_bytes=4096, max_small_bytes=8192)
    assert not reached and json.loads(sent[1]["body"])["max_bytes"] == 4096
