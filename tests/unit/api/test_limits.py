"""The local token bucket: burst, refill rate, independent keys, bounded memory; the body-size limit's
reading of Content-Length."""

from __future__ import annotations

import asyncio
import json

import pytest
from starlette.types import Message, Receive, Scope, Send

from kgplatform.api.limits import BodySizeLimit, LocalTokenBuckets


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


@pytest.mark.parametrize("length", [b"9" * 5000, b"1" * 19, b"2048x", b"%C2%B2"])
def test_an_absurd_content_length_is_413_before_the_app(length: bytes) -> None:
    """Longer than int() converts, or not a number at all: refused as too large, never a 500."""
    reached: list[Scope] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        reached.append(scope)

    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/answers", "headers": [(b"content-length", length)]}
    asyncio.run(BodySizeLimit(app, max_bytes=2048)(scope, receive, send))
    assert not reached
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["status"] == 413
