"""What stamping each message's format costs a send: the on-demand drain (`kgp.plans.recompute_due`), sent
after every answer batch, published with and without `workers.message_format.stamp_format` connected.

In one run, on one Redis: --messages sends in blocks of --block, alternately with the publish signal
connected and disconnected (which goes first alternates from block to block, so the machine's changing load
weighs on both). The messages go to a queue of their own (`bench-message-format`), which nothing consumes and
which is deleted (with its bindings) at the end. Also times the worker's check (`decide`) alone. Prints
sends/s of both, the ratio of their times, and the check's cost per message.

Run it against your own Redis (see CONTRIBUTING.md). Example:
    python bench/bench_message_format.py --messages 20000
"""

from __future__ import annotations

import argparse
import time

from celery.signals import before_task_publish

from kgplatform.settings import get_settings
from workers.celery_app import create_celery
from workers.message_format import FORMAT_HEADER, decide, stamp_format

QUEUE = "bench-message-format"
TASK = "kgp.plans.recompute_due"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--block", type=int, default=1_000)
    return parser.parse_args()


def send_block(celery: object, count: int, stamped: bool) -> float:
    if not stamped:
        before_task_publish.disconnect(stamp_format)
    try:
        started = time.perf_counter()
        for _ in range(count):
            celery.send_task(TASK, countdown=2.0, queue=QUEUE)  # type: ignore[attr-defined]
        return time.perf_counter() - started
    finally:
        if not stamped:
            before_task_publish.connect(stamp_format)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    celery = create_celery(settings)
    client = celery.connection_for_write().default_channel.client
    times = {True: 0.0, False: 0.0}
    counts = {True: 0, False: 0}
    try:
        send_block(celery, 200, True)  # warm-up: connection, routes
        send_block(celery, 200, False)
        for block in range(max(1, args.messages // (2 * args.block))):
            for stamped in (True, False) if block % 2 == 0 else (False, True):
                times[stamped] += send_block(celery, args.block, stamped)
                counts[stamped] += args.block
    finally:
        # The queue and the bindings kombu declared for it: nothing of the run is left.
        client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
        celery.close()
    headers = {FORMAT_HEADER: 1}
    checks = 200_000
    started = time.perf_counter()
    for _ in range(checks):
        decide(TASK, headers, 20)
    check_us = (time.perf_counter() - started) / checks * 1e6
    with_rate, without_rate = counts[True] / times[True], counts[False] / times[False]
    print(f"sends stamped:   {counts[True]:,} in {times[True]:.2f} s, {with_rate:,.0f}/s")
    print(f"sends unstamped: {counts[False]:,} in {times[False]:.2f} s, {without_rate:,.0f}/s")
    print(f"time per send, stamped / unstamped: {without_rate / with_rate:.3f}")
    share = check_us * with_rate / 1e6
    print(f"the worker's check (decide): {check_us:.2f} us a message, {share:.4f} of a send's time")


if __name__ == "__main__":
    main()
