"""On-demand plans with more workers: how long from a POST /answers until the learner's plan is fresh,
with 1 worker and with N (each its own `celery worker --hostname wI@%h`, as if on several machines).

In one run, on one Neo4j and one Redis, with a real API (uvicorn): a curriculum and --learners learners of
its own; each learner gets a first plan (untimed), then for each worker count in --workers (1 first,
the baseline) the workers are started, every learner posts one answer in a POST of its own, --rate POSTs
a second from 4 client threads, and the plan cache is read every 50 ms: a learner's delay is from its
POST's response until Redis holds a plan of theirs no older than their answer stamp (the test serving
applies: `planning.cache.answered_after`). Prints p50, p95 and the largest delay per worker count and the
ratio N workers / 1 worker (under 1: more workers regenerate plans sooner).

Use your own Neo4j, Redis and API port (CONTRIBUTING.md); stop any worker of yours on the same Redis
first (it would take the drains). Example:
    python bench/bench_ondemand_scaling.py --learners 200 --workers 1 3 --rate 20
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import httpx
import redis

from kgplatform.planning.cache import answered_after, answered_key, cached_plan, plan_key
from kgplatform.settings import PROJECT_ROOT, get_settings
from workers.celery_app import app as celery
from workers.run import celery_worker_command

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from ondemand_world import Answers, post_answers, service_world  # noqa: E402
from processes import start, stop, wait_until  # noqa: E402

LOG_DIR = PROJECT_ROOT / "bench" / "results"
POLL_S = 0.05


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=200, help="learners, one answer each per round")
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1, 3], help="worker counts; first: baseline"
    )
    parser.add_argument("--concurrency", type=int, default=1, help="pool processes per worker")
    parser.add_argument("--rate", type=float, default=20.0, help="POSTs a second (one learner each)")
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--timeout", type=float, default=300.0, help="give up waiting after this long")
    return parser.parse_args()


def fresh_learners(client: redis.Redis, learners: list[str]) -> set[str]:
    """The learners whose cached plan is no older than their answer stamp (as serving judges it)."""
    plans = client.mget([plan_key(learner) for learner in learners])
    stamps = client.mget([answered_key(learner) for learner in learners])
    fresh = set()
    for learner, raw, stamp in zip(learners, plans, stamps, strict=True):
        plan = cached_plan(raw)
        if plan is None or "created_at" not in plan or stamp is None:
            continue
        if not answered_after(stamp, datetime.fromisoformat(plan["created_at"])):
            fresh.add(learner)
    return fresh


class Poster:
    def __init__(self, http: httpx.Client, answers: Answers) -> None:
        self.http, self.answers = http, answers

    def post(self, learner_id: str) -> float:
        """One answer of `learner_id` in its own POST; the monotonic time of the response."""
        post_answers(self.http, [self.answers.next(learner_id)], timeout_s=120)
        return time.monotonic()


def measure(
    poster: Poster, client: redis.Redis, learners: list[str], rate: float, timeout_s: float
) -> list[float]:
    """Posts one answer per learner at `rate` a second; each learner's seconds until a fresh plan."""
    posted: dict[str, float] = {}
    lock = threading.Lock()
    seen: dict[str, float] = {}
    done = threading.Event()

    def poll() -> None:
        while not done.is_set():
            now = time.monotonic()
            with lock:
                waiting = [learner for learner in posted if learner not in seen]
            for learner in fresh_learners(client, waiting) if waiting else ():
                seen[learner] = now
            time.sleep(POLL_S)

    poller = threading.Thread(target=poll, daemon=True)
    poller.start()
    start_at = time.monotonic()

    def one(i: int) -> None:
        time.sleep(max(0.0, start_at + i / rate - time.monotonic()))
        learner = learners[i]
        # Stamped before the POST returns (the API writes the stamp), so recorded after it.
        at = poster.post(learner)
        with lock:
            posted[learner] = at

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(one, range(len(learners))))
    wait_until(lambda: len(seen) == len(learners), timeout_s, "every learner's fresh plan", LOG_DIR)
    done.set()
    poller.join()
    return [seen[learner] - posted[learner] for learner in learners]


def main() -> None:
    args = parse_args()
    settings = get_settings()
    results: dict[int, list[float]] = {}
    workers: list[subprocess.Popen] = []
    with service_world("bench-odscale", args.concepts, LOG_DIR) as world:
        learners = [f"bench-ods-{world.run}-{i:05d}" for i in range(args.learners)]
        poster = Poster(world.http, Answers(world))
        try:
            for count in args.workers:
                workers = [
                    start(
                        celery_worker_command(["ondemand"], args.concurrency, f"w{i}-{world.run}@%h", "INFO"),
                        LOG_DIR / f"bench_odscale_worker{i}.log",
                    )
                    for i in range(count)
                ]
                wait_until(
                    lambda n=count: len(celery.control.ping(timeout=1.0)) >= n, 120, "the workers", LOG_DIR
                )
                if count == args.workers[0]:  # first plans, untimed: every round replaces a cached plan
                    measure(poster, world.client, learners, args.rate * 5, args.timeout)
                results[count] = measure(poster, world.client, learners, args.rate, args.timeout)
                delays = results[count]
                print(
                    f"{count} worker(s): p50 {percentile(delays, 0.5):.2f} s, "
                    f"p95 {percentile(delays, 0.95):.2f} s, max {max(delays):.2f} s",
                    flush=True,
                )
                for worker in workers:
                    stop(worker)
                workers = []
        finally:
            for worker in workers:
                stop(worker)

    base_count = args.workers[0]
    baseline = results[base_count]
    print(
        f"learners: {args.learners}, one POST each at {args.rate:g}/s; "
        f"debounce {settings.workers.debounce_s:g} s"
    )
    print(
        f"pool processes per worker: {args.concurrency}; "
        f"mean delay with {base_count}: {statistics.mean(baseline):.2f} s"
    )
    for count in args.workers[1:]:
        delays = results[count]
        print(
            f"ratio {count} workers / {base_count}: p50 "
            f"{percentile(delays, 0.5) / percentile(baseline, 0.5):.2f}, p95 "
            f"{percentile(delays, 0.95) / percentile(baseline, 0.95):.2f}"
        )


if __name__ == "__main__":
    main()
