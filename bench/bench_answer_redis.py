"""What POST /answers costs in Redis after its commit (`jobs.on_demand.request_recomputes`: the answer stamp,
the debounce claim, the due set, the wake-up and, when one is due, the drain message through Celery), timed in
process against the settings' Redis, each as a ratio to one round trip (a PING) measured in the same rounds.

The cases, one learner per call (new learner ids each call):
  pending      the learner's recomputation is pending (its debounce claim held): what the answers of
               bench_answer_latency.py meet, since no worker runs there to clear the claims
  drain due    not pending, a drain already on its way (the wake-up recorded): a busy service with a worker
  drain sent   not pending, no drain on its way, so the call sends one through Celery: a worker runs and the
               answers come further apart than the debounce window (a class answering every minute or two)
and Celery's send of the drain alone, as the API sends it (`send`), without asking for a result
(`send ignore_result`: the drain stores none) and through one kombu publish batch (`send batched`: the message
and its task-sent event in one pipeline). Prints the median of the rounds' medians, in ms and as a ratio.

Use your own Redis (CONTRIBUTING.md): the drain messages go to a queue of the run's own, not to the workers',
deleted at the end with the run's keys. Example:
    python bench/bench_answer_redis.py --calls 300 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time
import uuid
from collections.abc import Callable


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--calls", type=int, default=300, help="timed calls per case and round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds, each timing every case in turn")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    import redis

    from kgplatform.jobs.due import DUE_KEY, WAKE_KEY
    from kgplatform.jobs.on_demand import RECOMPUTE_DUE, request_recomputes
    from kgplatform.settings import get_settings
    from workers.celery_app import create_celery

    settings = get_settings()
    client = redis.Redis.from_url(settings.redis.url)
    celery = create_celery(settings)
    run = f"bench-redis-{uuid.uuid4().hex[:8]}"
    queue = f"{run}-queue"
    workers = settings.workers
    counter = iter(range(10**9))

    def learner() -> str:
        return f"{run}-{next(counter)}"

    def send(name: str, **options: object) -> object:
        """The API's send, to a queue of the run's own (deleted at the end), not to the workers'."""
        return celery.send_task(name, queue=queue, **options)

    def batched(**options: object) -> None:
        with celery.producer_or_acquire() as producer, producer.batch():
            send(RECOMPUTE_DUE, countdown=2.0, producer=producer, **options)

    # (untimed set-up of one call, the timed call)
    cases: dict[str, tuple[Callable[[str], object], Callable[[str], object]]] = {
        "one round trip (PING)": (lambda _: None, lambda _: client.ping()),
        "pending": (
            lambda lid: request_recomputes(client, [lid], workers, send),
            lambda lid: request_recomputes(client, [lid], workers, send),
        ),
        "drain due": (
            lambda _: client.set(WAKE_KEY, repr(time.time())),
            lambda lid: request_recomputes(client, [lid], workers, send),
        ),
        "drain sent": (
            lambda _: client.delete(WAKE_KEY),
            lambda lid: request_recomputes(client, [lid], workers, send),
        ),
        "send": (lambda _: None, lambda _: send(RECOMPUTE_DUE, countdown=2.0)),
        "send ignore_result": (
            lambda _: None,
            lambda _: send(RECOMPUTE_DUE, countdown=2.0, ignore_result=True),
        ),
        "send batched": (lambda _: None, lambda _: batched(ignore_result=True)),
    }
    medians: dict[str, list[float]] = {name: [] for name in cases}
    try:
        for _, timed in cases.values():  # connections, scripts loaded, Celery's producer pool
            for _ in range(20):
                timed(learner())
        for round_no in range(args.rounds):
            for name, (prepare, timed) in cases.items():
                samples = []
                for _ in range(args.calls):
                    lid = learner()
                    prepare(lid)
                    start = time.perf_counter()
                    timed(lid)
                    samples.append((time.perf_counter() - start) * 1000)
                medians[name].append(statistics.median(samples))
            print(f"round {round_no + 1}/{args.rounds} done", flush=True)
    finally:
        client.delete(WAKE_KEY)
        for key in client.scan_iter(f"*{run}*", count=1000):
            client.delete(key)
        members = [m for m in client.zrange(DUE_KEY, 0, -1) if m.decode().startswith(run)]
        if members:
            client.zrem(DUE_KEY, *members)
    ping = medians["one round trip (PING)"]
    print(f"{args.rounds} rounds of {args.calls} calls per case; median of the rounds' medians")
    for name, values in medians.items():
        ratios = [v / p for v, p in zip(values, ping, strict=True)]
        ms, ratio = statistics.median(values), statistics.median(ratios)
        print(
            f"  {name:24s} {ms:7.3f} ms  {ratio:6.2f}x a round trip "
            f"(rounds {min(values):.3f}-{max(values):.3f} ms)"
        )


if __name__ == "__main__":
    main()
