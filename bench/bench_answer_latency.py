"""A learning app's latency: one answer per request (POST /answers, a batch of one), then the learner's
next tasks (GET /learners/{id}/next-tasks), against the same stack doing one trivial Neo4j write.

In one run, on one Neo4j and one Redis:
  1. a generated curriculum (--concepts), a service key and the real API (`kgplatform api` as a process:
     uvicorn as in production) (`ondemand_world.service_world`); --learners learners, each with one answer
     posted and a plan cached by a first GET next-tasks, so that the timed GETs are what an app meets after
     an answer: the cached plan, marked stale (no worker runs here: the recomputations are only asked for);
     with --transfer-edges N, a transfer model of N random edges between the curriculum's concepts is
     published first (`transfer.writeback.write_model`) and stays current, as after a nightly retrain;
  2. the baseline, a bench-only app served the same way (bench/answer_latency_trivial_app.py): POST /write
     does one parameterised `CREATE` of one node through the platform's `Graph`, GET /ping answers JSON;
  3. for each --concurrency level C, --rounds alternating windows of --seconds each (ours, then the
     baseline): C simulated apps (threads, one keep-alive connection each) in a loop, each posting one
     answer for a random learner and then asking that learner's next tasks (the baseline: /write, /ping).
Prints per level p50/p95/p99 in ms of each request and of the round trip (all rounds' samples), round trips
per second (median of rounds), and the median over rounds of the per-round ratios ours / baseline of the
round trip's p50 (how many times the trivial write's latency) and of round trips per second.

Use your own Neo4j, Redis and API port (CONTRIBUTING.md). Each run adds its own curriculum and learners
(ids carry the run's time); the baseline's nodes are deleted at the end. Example:
    python bench/bench_answer_latency.py --learners 500 --concurrency 1,4,16 --seconds 10 --rounds 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from kgplatform.services.processes import free_port
from kgplatform.settings import PROJECT_ROOT
from kgplatform.transfer.writeback import write_model

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from bench_ingest import batches  # noqa: E402
from ondemand_world import Answers, World, post_answers, service_world  # noqa: E402
from processes import start, stop, wait_until  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
LOG_DIR = PROJECT_ROOT / "bench" / "results"
# One simulated app's round trip: (POST ms, GET ms), given the app's client and random generator.
Step = Callable[[httpx.Client, random.Random], tuple[float, float]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument(
        "--concurrency", default="1,4,16", help="comma-separated numbers of simulated apps, one level each"
    )
    parser.add_argument(
        "--transfer-edges", type=int, default=0, help="publish a transfer model of this many edges first"
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="one window's length, per side")
    parser.add_argument("--rounds", type=int, default=3, help="alternating windows per side and level")
    args = parser.parse_args()
    args.levels = [int(c) for c in args.concurrency.split(",")]
    return args


@dataclass
class Window:
    posts: list[float] = field(default_factory=list)
    gets: list[float] = field(default_factory=list)
    trips: list[float] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rate(self) -> float:
        return len(self.trips) / self.seconds


def run_window(base: str, headers: dict[str, str], apps: int, seconds: float, step: Step) -> Window:
    """`apps` threads, each with a keep-alive client of its own, running `step` until `seconds` pass."""
    window, lock = Window(), threading.Lock()
    deadline = time.perf_counter() + seconds

    def app(number: int) -> None:
        rng = random.Random(number)
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            step(http, rng)  # the connection opened, untimed
            while time.perf_counter() < deadline:
                post_ms, get_ms = step(http, rng)
                with lock:
                    window.posts.append(post_ms)
                    window.gets.append(get_ms)
                    window.trips.append(post_ms + get_ms)

    started = time.perf_counter()
    with ThreadPoolExecutor(apps) as pool:
        list(pool.map(app, range(apps)))
    window.seconds = time.perf_counter() - started
    return window


def timed_pair(
    http: httpx.Client, post: tuple[str, object], get: str, check: Callable[[httpx.Response], bool]
) -> tuple[float, float]:
    start = time.perf_counter()
    posted = http.post(post[0], json=post[1])
    middle = time.perf_counter()
    got = http.get(get)
    end = time.perf_counter()
    for response in (posted, got):
        if response.status_code != 200 or not check(response):
            raise SystemExit(f"{response.request.url}: {response.status_code} {response.text[:500]}")
    return (middle - start) * 1000, (end - middle) * 1000


def our_step(answers: Answers, learners: list[str]) -> Step:
    def step(http: httpx.Client, rng: random.Random) -> tuple[float, float]:
        learner = rng.choice(learners)
        return timed_pair(
            http,
            ("/answers", [answers.next(learner)]),
            f"/learners/{learner}/next-tasks",
            lambda r: r.request.method == "GET" or len(r.json()["accepted"]) == 1,
        )

    return step


def baseline_step(answers: Answers, prefix: str) -> Step:
    def step(http: httpx.Client, rng: random.Random) -> tuple[float, float]:
        answer = answers.next("unused")
        answer["event_id"] = prefix + answer["event_id"]
        return timed_pair(http, ("/write", answer), "/ping", lambda r: True)

    return step


@contextmanager
def baseline_app(world: World, prefix: str) -> Iterator[str]:
    """The trivial app on a free port; its nodes (ids starting with `prefix`) deleted at the end."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start(
        [sys.executable, str(BENCH_DIR / "answer_latency_trivial_app.py"), str(port)],
        LOG_DIR / "bench_answer_latency_trivial.log",
    )
    try:

        def up() -> bool:
            try:
                return httpx.get(base + "/ping").status_code == 200
            except httpx.TransportError:
                return False

        wait_until(up, 60, "the baseline app", LOG_DIR)
        yield base
    finally:
        stop(server)
        while world.graph.write("bench/delete_learners_by_prefix", prefix=prefix, limit=5000)[0]["deleted"]:
            pass


def publish_transfer(world: World, edges: int) -> None:
    """A current transfer model of `edges` distinct random edges between the world's concepts."""
    concepts = [concept.id for concept in world.document.concepts]
    pairs = [(s, t) for s in concepts for t in concepts if s != t]
    if edges > len(pairs):
        raise SystemExit(f"--transfer-edges {edges}: {len(concepts)} concepts have {len(pairs)} pairs")
    rng = random.Random(7)
    rows = [
        {"source": s, "target": t, "strength": round(rng.uniform(0.05, 0.3), 3)}
        for s, t in rng.sample(pairs, edges)
    ]
    report = write_model(world.graph, f"bench-latency-{world.run}", rows, "bench", {})
    print(f"transfer model {report.model_version}: {report.edges:,} edges, current", flush=True)


def summary(windows: list[Window], part: str) -> str:
    samples = [x for w in windows for x in getattr(w, part)]
    return "/".join(f"{percentile(samples, q):.1f}" for q in (0.5, 0.95, 0.99))


def main() -> None:
    args = parse_args()
    with service_world("bench-latency", args.concepts, LOG_DIR) as world:
        if args.transfer_edges:
            publish_transfer(world, args.transfer_edges)
        answers = Answers(world)
        learners = [f"bench-latency-{world.run}-{i:06d}" for i in range(args.learners)]
        start_s = time.perf_counter()
        for chunk in batches(learners, 1000):
            post_answers(world.http, [answers.next(learner) for learner in chunk], timeout_s=300)
        with ThreadPoolExecutor(2) as pool:
            sources = list(
                pool.map(lambda lid: world.http.get(f"/learners/{lid}/next-tasks").json()["source"], learners)
            )
        print(
            f"{args.learners:,} learners answered once and planned in {time.perf_counter() - start_s:.1f} s "
            f"(sources: {', '.join(sorted(set(sources)))})",
            flush=True,
        )
        prefix = f"bench-latency-trivial-{world.run}-"
        headers = dict(world.http.headers)
        ours_base = str(world.http.base_url).rstrip("/")
        results: dict[int, list[tuple[Window, Window]]] = {}
        with baseline_app(world, prefix) as trivial_base:
            ours, trivial = our_step(answers, learners), baseline_step(answers, prefix)
            run_window(ours_base, headers, 1, 2, ours)  # warm-up of both (plan caches, pools)
            run_window(trivial_base, headers, 1, 2, trivial)
            for apps in args.levels:
                results[apps] = []
                for round_no in range(1, args.rounds + 1):
                    pair = (
                        run_window(ours_base, headers, apps, args.seconds, ours),
                        run_window(trivial_base, headers, apps, args.seconds, trivial),
                    )
                    results[apps].append(pair)
                    print(
                        f"  C={apps} round {round_no}/{args.rounds}: ours {pair[0].rate:.1f} trips/s "
                        f"(p50 {percentile(pair[0].trips, 0.5):.1f} ms), baseline {pair[1].rate:.1f} "
                        f"trips/s (p50 {percentile(pair[1].trips, 0.5):.1f} ms)",
                        flush=True,
                    )

    print(
        f"{args.learners:,} learners, {args.concepts} concepts, {args.transfer_edges:,} transfer edges, "
        f"{args.rounds} alternating rounds of "
        f"{args.seconds:g} s per side; ms as p50/p95/p99 over all rounds"
    )
    for apps, pairs in results.items():
        mine, base = [p[0] for p in pairs], [p[1] for p in pairs]
        print(f"C={apps} simulated apps:")
        print(
            f"  ours      POST /answers (1) {summary(mine, 'posts'):>17}  GET next-tasks "
            f"{summary(mine, 'gets'):>15}  round trip {summary(mine, 'trips'):>17}  "
            f"{statistics.median(w.rate for w in mine):7.1f} trips/s ({sum(len(w.trips) for w in mine):,})"
        )
        print(
            f"  baseline  POST /write       {summary(base, 'posts'):>17}  GET /ping      "
            f"{summary(base, 'gets'):>15}  round trip {summary(base, 'trips'):>17}  "
            f"{statistics.median(w.rate for w in base):7.1f} trips/s ({sum(len(w.trips) for w in base):,})"
        )
        latency = [percentile(m.trips, 0.5) / percentile(b.trips, 0.5) for m, b in pairs]
        post = [percentile(m.posts, 0.5) / percentile(b.posts, 0.5) for m, b in pairs]
        rate = [m.rate / b.rate for m, b in pairs]
        print(
            f"  ratio ours / baseline (median of rounds): round trip p50 {statistics.median(latency):.2f}x, "
            f"POST p50 {statistics.median(post):.2f}x, trips/s {statistics.median(rate):.2f} "
            f"(rounds: {', '.join(f'{r:.2f}' for r in latency)})"
        )


if __name__ == "__main__":
    main()
