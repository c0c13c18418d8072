"""CPU per MGET on the next-tasks hit path: the pipelined reader against redis-py's asyncio client.

In one run, on the Redis the settings name, both readers issue the hit path's command (MGET of a
~1.5 kB plan and two small keys) from --concurrency coroutines on one uvloop, and this prints the
wall time and the process CPU time per call of each, and the ratio. Writes one key, deletes it.
    python bench/bench_redis_reader.py --calls 40000
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable

import redis
import uvloop

from kgplatform.api.redis_reader import PipelinedRedisReader, PlanReader, RedisPyReader
from kgplatform.settings import get_settings

KEYS = ("kgp:plan:bench-reader", "kgp:recompute-pending:bench-reader", "kgp:answered:bench-reader")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=40_000)
    parser.add_argument("--concurrency", type=int, default=4, help="coroutines issuing calls at once")
    return parser.parse_args()


async def measure(call: Callable[[], Awaitable[object]], calls: int, concurrency: int) -> tuple[float, float]:
    """(wall us, CPU us) per call, after a warm-up."""

    async def worker(n: int) -> None:
        for _ in range(n):
            await call()

    await worker(500)
    wall, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker(calls // concurrency) for _ in range(concurrency)))
    done = calls // concurrency * concurrency
    return (time.perf_counter() - wall) / done * 1e6, (time.process_time() - cpu) / done * 1e6


async def run(url: str, args: argparse.Namespace) -> dict[str, tuple[float, float]]:
    readers: dict[str, PlanReader] = {
        "redis.asyncio (redis-py)": RedisPyReader(url),
        "pipelined reader": PipelinedRedisReader(url),
    }
    results = {}
    try:
        for name, reader in readers.items():
            results[name] = await measure(lambda r=reader: r.mget(*KEYS), args.calls, args.concurrency)
    finally:
        for reader in readers.values():
            await reader.close()
    return results


def main() -> None:
    args = parse_args()
    url = get_settings().redis.url
    client = redis.Redis.from_url(url)
    client.set(KEYS[0], b"x" * 1500)
    try:
        results = uvloop.run(run(url, args))
    finally:
        client.delete(KEYS[0])
        client.close()
    print(f"{args.calls:,} MGETs of 3 keys, {args.concurrency} concurrent callers, {url}")
    for name, (wall, cpu) in results.items():
        print(f"  {name:26s} wall {wall:7.1f} us/call   CPU {cpu:7.1f} us/call")
    base_cpu = results["redis.asyncio (redis-py)"][1]
    ours_cpu = results["pipelined reader"][1]
    print(f"CPU ratio pipelined / redis-py: {ours_cpu / base_cpu:.2f}")


if __name__ == "__main__":
    main()
