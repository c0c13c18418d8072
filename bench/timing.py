"""Timing for the read benchmarks: the same read repeated, the first `warmup` calls untimed (Neo4j's plan
cache and the page cache fill on them), the rest timed in milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any


def seconds(call: Callable[[], object]) -> float:
    """Seconds one call of `call` took."""
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def timed(
    read: Callable[[], Any], warmup: int, reads: int, count: Callable[[Any], int] = len
) -> tuple[list[float], int]:
    """The timed reads' durations in ms and `count` of the last read's result (rows, items), so that a
    benchmark can show that its cases read the same amount."""
    samples, rows = [], 0
    for i in range(warmup + reads):
        start = time.perf_counter()
        result = read()
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
        rows = count(result)
    return samples, rows


def timed_in_turns(
    cases: Mapping[str, Callable[[int], Any]], warmup: int, rounds: int
) -> dict[str, list[float]]:
    """Each case called once a round, in turn, with the round's number (drift in the machine's load falls
    on every case alike); the first `warmup` rounds untimed; each case's timed durations in ms."""
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(warmup + rounds):
        for name, call in cases.items():
            start = time.perf_counter()
            call(i)
            if i >= warmup:
                samples[name].append((time.perf_counter() - start) * 1000)
    return samples
