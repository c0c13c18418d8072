"""The local token bucket: burst, refill rate, independent keys, bounded memory."""

from __future__ import annotations

import pytest

from kgplatform.api.limits import LocalTokenBuckets


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
