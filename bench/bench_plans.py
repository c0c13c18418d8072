"""Plans for many learners: read mastery from Neo4j, plan in batches, write plans to Redis.

In one run, on one Neo4j and one Redis, over the same learners:
  1. baseline: read every learner's mastery and goals out of Neo4j, page by page, and do nothing else
     (the same query and pages the planner reads);
  2. plans:    `bulk.plan_everyone`: the same reads, the batch planner on learner x concept matrices,
     every plan serialised and written to Redis.
Both are timed after one untimed read of every learner, so the baseline, timed first, is as warm as
the plans after it. Prints learners/s, the process's peak memory (RSS), and plans' time as a ratio to
the baseline's. Aims: >= 2,000 learners/s, < 4 GiB, ratio < 2.

The data is loaded once (in a child process, so its memory does not count) and kept, and reused only if
it was loaded with this run's --mastery and --goals (else the run stops and says so): a curriculum of
--concepts concepts (id `bench-plans`) and --learners learners `bench-plan-NNNNNN` with
--mastery mastery edges and --goals goals each, written with bulk UNWINDs. `--cleanup` is not offered:
use your own Neo4j (CONTRIBUTING.md) and `kgplatform services down` / its state folder. Example:
    python bench/bench_plans.py --learners 100000 --concepts 1000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime

import numpy as np

# Only what the planning worker processes need anyway is imported here: `--workers` spawns them, and a
# spawned process imports this module first (as __mp_main__), so the driver, settings and loader
# imports below sit inside the functions that use them (they cost a worker about a second to start).

CURRICULUM = "bench-plans"
PREFIX = "bench-plan-"
LOAD_BATCH = 2000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--concepts", type=int, default=1_000)
    parser.add_argument("--mastery", type=int, default=20, help="mastery edges per learner")
    parser.add_argument("--goals", type=int, default=2, help="goals per learner")
    parser.add_argument("--page", type=int, default=5_000, help="learners per Neo4j read")
    parser.add_argument(
        "--chunk",
        type=int,
        default=None,
        help="learners per planning matrix (default: sized to the curriculum)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="planning processes beside this one, which reads (0: read and plan in this process)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-only", action="store_true", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def learner_rows(
    start: int, stop: int, concept_ids: list[str], tasks_of: list[list[str]], args: argparse.Namespace
) -> list[dict]:
    """Learners whose mastery sits mostly on foundations (lower layers), goals further up; each mastery
    edge names one of its concept's tasks (`tasks_of`, per concept) as the last answered (MASTERY's
    last_task_id, which the planner reads since 4 December 2026)."""
    rng = np.random.default_rng([args.seed, start])
    # Its own generator, so the other values are those loaded before last tasks were.
    task_rng = np.random.default_rng([args.seed, start, 1])
    n = len(concept_ids)
    weights = np.linspace(2.0, 0.2, n)
    weights /= weights.sum()
    now_s = int(time.time())
    rows = []
    for i in range(start, stop):
        picked = rng.choice(n, size=min(args.mastery, n), replace=False, p=weights)
        p = rng.beta(4, 2, picked.size)
        attempts = rng.integers(1, 9, picked.size)
        ages = rng.integers(0, 60 * 86400, picked.size)
        goals = rng.choice(np.arange(n // 2, n), size=args.goals, replace=False)
        last = task_rng.random(picked.size)
        rows.append(
            {
                "learner_id": f"{PREFIX}{i:07d}",
                "mastery": [
                    {
                        "concept_id": concept_ids[c],
                        "p": float(p[k]),
                        "attempts": int(attempts[k]),
                        "correct": float(round(attempts[k] * p[k])),
                        "as_of_s": now_s - int(ages[k]),
                        "last_task": _one_of(tasks_of[c], float(last[k])),
                    }
                    for k, c in enumerate(picked.tolist())
                ],
                "goals": [concept_ids[c] for c in goals.tolist()],
            }
        )
    return rows


def _one_of(tasks: list[str], u: float) -> str | None:
    return tasks[int(u * len(tasks))] if tasks else None


def load(args: argparse.Namespace) -> None:
    """Curriculum and learners, unless already there (rerunning the bench reuses them)."""
    from generated_curriculum import import_generated

    from kgplatform.graph.driver import Graph
    from kgplatform.graph.migrations import migrate
    from kgplatform.settings import get_settings

    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    try:
        migrate(graph)
        document, report = import_generated(graph, CURRICULUM, args.concepts, args.seed)
        print(f"curriculum {CURRICULUM}: {report.summary}", flush=True)
        present = graph.read("bench/count_plan_learners", prefix=PREFIX)[0]["learners"]
        if present:
            # Learners are reused from an earlier run: only if that run loaded them as this one would.
            sample = graph.read("bench/sample_plan_learners", prefix=PREFIX)[0]
            changed = report.outcome and any(o.created or o.updated for o in report.outcome.values())
            if changed or (sample["mastery"], sample["goals"]) != (args.mastery, args.goals):
                sys.exit(
                    f"the graph holds {present:,} benchmark learners loaded with other parameters (about "
                    f"{sample['mastery']:.0f} mastery edges and {sample['goals']:.0f} goals each, or another "
                    "curriculum): rerun with those, or empty the graph first"
                )
        concept_ids = [c.id for c in document.concepts]
        tasks_of: dict[str, list[str]] = {c: [] for c in concept_ids}
        for task in document.tasks:
            tasks_of[task.concepts[0]].append(task.id)
        started = time.perf_counter()
        now = datetime.now(UTC)
        for start in range(present, args.learners, LOAD_BATCH):
            stop = min(start + LOAD_BATCH, args.learners)
            graph.write(
                "bench/seed_plan_learners",
                rows=learner_rows(start, stop, concept_ids, [tasks_of[c] for c in concept_ids], args),
                now=now,
            )
            if (stop // LOAD_BATCH) % 5 == 0 or stop == args.learners:
                rate = (stop - present) / (time.perf_counter() - started)
                print(f"  loaded {stop:,} learners ({rate:,.0f}/s)", flush=True)
    finally:
        graph.close()


def peak_rss_gib(who: int = resource.RUSAGE_SELF) -> float:
    """Peak RSS of this process, or with RUSAGE_CHILDREN of its largest waited-for child."""
    return resource.getrusage(who).ru_maxrss / 1024**2  # Linux reports KiB


def children_cpu_s() -> float:
    times = os.times()
    return times.children_user + times.children_system


def main() -> None:
    import redis

    from kgplatform.graph.driver import Graph
    from kgplatform.mastery.bkt import TracerParams
    from kgplatform.planning.bulk import plan_everyone, read_pages
    from kgplatform.planning.cache import PlanCache
    from kgplatform.planning.store import PlanStore
    from kgplatform.settings import get_settings

    args = parse_args()
    if args.load_only:
        load(args)
        return
    child = [sys.executable, __file__, "--load-only", *sys.argv[1:]]
    if subprocess.run(child).returncode:
        sys.exit(1)  # the loader said why

    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    store, cache = PlanStore(graph), PlanCache(client)
    params = TracerParams.default(())
    try:
        # Untimed: one full read pass first, so that the page cache, the JVM and this process's heap are
        # as warm for the read baseline as they then are for the plans that follow it.
        print("warming up: one untimed read of every learner's mastery", flush=True)
        sum(len(page) for page in read_pages(store, args.page))
        started, cpu = time.perf_counter(), time.process_time()
        read_learners = sum(len(page) for page in read_pages(store, args.page))
        read_s, read_cpu = time.perf_counter() - started, time.process_time() - cpu
        rss_after_read = peak_rss_gib()

        started, cpu, children = time.perf_counter(), time.process_time(), children_cpu_s()
        stats = plan_everyone(
            store,
            cache,
            params,
            CURRICULUM,
            page_size=args.page,
            chunk_size=args.chunk,
            workers=args.workers,
            redis_url=settings.redis.url,
        )
        plan_s, plan_cpu = time.perf_counter() - started, time.process_time() - cpu
        workers_cpu = children_cpu_s() - children  # the pool's processes, joined by now
    finally:
        graph.close()
        client.close()

    print(
        f"learners: {stats.learners:,} (read baseline saw {read_learners:,}), concepts: {args.concepts:,}, "
        f"mastery edges per learner: {args.mastery}, tasks planned: {stats.tasks:,}"
    )
    print(f"baseline, read mastery only: {read_s:8.2f} s  {read_learners / read_s:10,.0f} learners/s")
    print(f"plans (read+plan+Redis):     {plan_s:8.2f} s  {stats.learners / plan_s:10,.0f} learners/s")
    print(f"ratio plans / read:          {plan_s / read_s:8.2f}   (aim < 2)")
    # Wall time is what the aims are about; this process's CPU time tells how much of it was ours on a
    # shared machine (Neo4j's and Redis's own CPU is not in it).
    # Per CPU second of everything that planned: this process and, with --workers, its pool's processes.
    planning_cpu = plan_cpu + (workers_cpu if args.workers else 0.0)
    print(
        f"this process's CPU seconds:  read {read_cpu:.1f}, plans {plan_cpu:.1f} "
        f"({stats.learners / planning_cpu:,.0f} learners per CPU second of this process and its workers); "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if args.workers:
        print(f"worker processes' CPU seconds: {workers_cpu:.1f}")
    print(
        f"peak memory (RSS):           {peak_rss_gib():8.2f} GiB "
        f"(after the read baseline: {rss_after_read:.2f}; aim < 4)"
    )
    if args.workers:
        # The loader child counts here too; the workers' sum is at most workers x the largest child.
        largest = peak_rss_gib(resource.RUSAGE_CHILDREN)
        print(
            f"largest child's peak RSS:    {largest:8.2f} GiB; this process + {args.workers} workers "
            f"<= {peak_rss_gib() + args.workers * largest:.2f} GiB"
        )


if __name__ == "__main__":
    main()
