"""On-demand recomputation behind a large answer batch: how long another learner's plan stays stale.

In one run, on one Neo4j and one Redis, with a real API (uvicorn) and one real `celery worker` on the
`ondemand` queue (--concurrency pool processes, 1 by default):
  1. baseline: learner P2, whose plan is cached, posts one answer; timed from the POST's response until
     GET /learners/P2/next-tasks says `stale: false` (the debounce window plus one recomputation);
  2. loaded:   one POST /answers with one answer each for --learners new learners, then P2's answer
     again; P2's stale time measured the same way, and when the last of the new learners had a plan.
Prints both stale times and the ratio loaded / baseline (1.0: a batch delays nobody else).

Use your own Neo4j, Redis and API port (CONTRIBUTING.md); the API runs on KGP_API_PORT. Each run adds
its own curriculum and learners (ids carry the run's time). Example:
    python bench/bench_ondemand_stale.py --learners 2000 --concurrency 1
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import httpx

from kgplatform.planning.cache import plan_key
from kgplatform.settings import PROJECT_ROOT, get_settings
from workers.celery_app import app as celery
from workers.run import celery_worker_command

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ondemand_world import Answers, post_answers, service_world  # noqa: E402
from processes import start, stop, wait_until  # noqa: E402

LOG_DIR = PROJECT_ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=2000, help="new learners in the large POST")
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=1, help="worker pool processes")
    parser.add_argument("--repeats", type=int, default=3, help="baseline measurements (median kept)")
    parser.add_argument("--timeout", type=float, default=900.0, help="give up waiting after this long")
    return parser.parse_args()


class Bench:
    def __init__(self, http: httpx.Client, answers: Answers) -> None:
        self.http, self.answers = http, answers

    def post(self, answers: list[dict]) -> None:
        post_answers(self.http, answers, timeout_s=300)

    def fresh(self, learner_id: str) -> bool:
        response = self.http.get(f"/learners/{learner_id}/next-tasks")
        response.raise_for_status()
        return not response.json()["stale"]

    def stale_time(self, learner_id: str, timeout_s: float) -> float:
        """Posts one answer of `learner_id`; seconds from the response until next-tasks is fresh."""
        self.post([self.answers.next(learner_id)])
        posted = time.perf_counter()
        wait_until(lambda: self.fresh(learner_id), timeout_s, f"{learner_id}'s plan to be fresh", LOG_DIR)
        return time.perf_counter() - posted


def main() -> None:
    args = parse_args()
    settings = get_settings()
    with service_world("bench-ondemand", args.concepts, LOG_DIR) as world:
        worker = start(
            celery_worker_command(["ondemand"], args.concurrency, "bench-ondemand@%h", "INFO"),
            LOG_DIR / "bench_ondemand_worker.log",
        )
        try:
            wait_until(lambda: bool(celery.control.ping(timeout=1.0)), 120, "the worker", LOG_DIR)
            answers = Answers(world)
            bench = Bench(world.http, answers)
            p2 = f"bench-od-{world.run}-p2"
            bench.post([answers.next(p2)])
            wait_until(lambda: bench.fresh(p2), args.timeout, "P2's first plan", LOG_DIR)
            baseline = [bench.stale_time(p2, args.timeout) for _ in range(args.repeats)]
            print(f"baseline: P2 stale for {', '.join(f'{s:.2f}' for s in baseline)} s", flush=True)

            crowd = [f"bench-od-{world.run}-{i:06d}" for i in range(args.learners)]
            posted = time.perf_counter()
            bench.post([answers.next(learner) for learner in crowd])
            post_s = time.perf_counter() - posted
            loaded = bench.stale_time(p2, args.timeout)
            print(
                f"loaded: P2 stale for {loaded:.2f} s after {args.learners:,} learners' answers", flush=True
            )

            def all_planned() -> bool:
                return all(world.client.mget([plan_key(learner) for learner in crowd]))

            wait_until(all_planned, args.timeout, "every new learner's plan", LOG_DIR)
            crowd_s = time.perf_counter() - posted
        finally:
            stop(worker)

    median = statistics.median(baseline)
    print(
        f"learners in the large POST: {args.learners:,} (posted in {post_s:.2f} s), concepts: {args.concepts}"
    )
    print(f"worker pool processes: {args.concurrency}, debounce: {settings.workers.debounce_s:g} s")
    print(f"baseline, P2 alone:            {median:8.2f} s stale (median of {len(baseline)})")
    print(f"loaded, P2 after the batch:    {loaded:8.2f} s stale")
    print(f"every new learner planned:     {crowd_s:8.2f} s after the large POST was sent")
    print(f"ratio loaded / baseline:       {loaded / median:8.2f}")


if __name__ == "__main__":
    main()
