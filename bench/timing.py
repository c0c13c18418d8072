"""Timing for the read benchmarks: the same read repeated, the first `warmup` calls untimed (Neo4j's plan
cache and the page cache fill on them), the rest timed in milliseconds."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


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
