"""The nightly batch through the queue: learners/s with worker processes, against the in-process batch.

In one run, on one Neo4j and one Redis, over the same learners:
  1. baseline: `planning.bulk.plan_everyone` in this one process (the planning issue's batch path: pages
     of mastery from Neo4j, the vectorised planner, plans to Redis);
  2. queued:   `kgplatform recompute --all` as the workers run it: the fan-out lists the learners, one
     message per chunk, a real `celery worker` with --processes prefork processes plans the chunks into
     Redis, and the batch counts progress and writes its summary. Timed from sending the job to its
     summary, so the fan-out, the broker and the progress tracking are all inside.
Both are timed after one untimed read of every learner (the baseline runs first and would otherwise
meet a cold page cache and JIT, and be charged Neo4j's warm-up). Prints learners/s of both, the ratio
queued/baseline, and that ratio per worker process. On a machine
with fewer cores than processes + Neo4j, the per-process figure understates what separate machines would
reach: the workers share the CPU with Neo4j and each other. So it also prints the rate per core in the
strict sense, learners per CPU-second, counting every process of the work in both runs (this process,
the worker and its pool processes, Neo4j, Redis: psutil's user + system time of each, sampled before
and after each run), and the ratio of the two: the queue's overhead per core (aim >= 0.8).

The data is the planning benchmark's (bench/bench_plans.py --load-only: curriculum `bench-plans` of
--concepts concepts, learners `bench-plan-NNNNNNN` with 20 mastery edges and 2 goals), loaded once and
kept. Use your own Neo4j and Redis (CONTRIBUTING.md). Example:
    python bench/bench_nightly.py --learners 100000 --processes 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import psutil
import redis

from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobStatus
from kgplatform.jobs.service import JobService
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.bulk import BulkStats, plan_everyone, read_pages
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.store import PlanStore
from kgplatform.services import neo4j_local, redis_local
from kgplatform.settings import PROJECT_ROOT, Settings, get_settings
from workers.celery_app import app as celery
from workers.run import celery_worker_command

sys.path.insert(0, str(Path(__file__).resolve().parent))
from processes import start, stop  # noqa: E402

CURRICULUM = "bench-plans"
BENCH_PLANS = PROJECT_ROOT / "bench" / "bench_plans.py"
LOG_DIR = PROJECT_ROOT / "bench" / "results"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--concepts", type=int, default=1_000)
    parser.add_argument("--processes", type=int, default=2, help="worker pool processes")
    parser.add_argument("--chunk", type=int, default=None, help="learners per chunk (default: settings)")
    parser.add_argument("--page", type=int, default=5_000, help="baseline: learners per Neo4j page")
    return parser.parse_args()


def wait_for_worker(timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if celery.control.ping(timeout=1.0):
            return
    raise SystemExit(f"no worker answered within {timeout_s:.0f} s (see {LOG_DIR})")


class CpuMeter:
    """CPU seconds (user + system) spent by a set of process trees between two samples.

    Each process is counted once, under the first root whose tree holds it, so list parents after
    the trees they start (the worker is this process's child). Pool processes are started before the
    first sample and live to the last, so nothing is missed."""

    def __init__(self, roots: dict[str, int | None]) -> None:
        self.roots = {name: pid for name, pid in roots.items() if pid is not None}
        self.missing = sorted(name for name, pid in roots.items() if pid is None)

    def sample(self) -> dict[str, float]:
        spent: dict[str, float] = {}
        seen: set[int] = set()
        for name, pid in self.roots.items():
            try:
                root = psutil.Process(pid)
                tree = [p for p in (root, *root.children(recursive=True)) if p.pid not in seen]
            except psutil.NoSuchProcess:
                continue
            seen.update(p.pid for p in tree)
            total = 0.0
            for process in tree:
                try:
                    times = process.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                total += times.user + times.system
            spent[name] = total
        return spent

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: after[name] - before.get(name, 0.0) for name in after}


def service_pids(settings: Settings) -> dict[str, int | None]:
    """Neo4j and Redis as started by `kgplatform services up` (None when started some other way)."""
    return {"neo4j": neo4j_local.running_pid(settings), "redis": redis_local.running_pid(settings)}


def cpu_line(label: str, spent: dict[str, float], learners: int) -> str:
    total = sum(spent.values())
    parts = ", ".join(f"{name} {seconds:.1f}" for name, seconds in sorted(spent.items()))
    return f"{label} {total:8.1f} CPU-s ({parts})  {learners / total:8,.0f} learners/CPU-s"


def run_queued(jobs: JobService, chunk: int | None) -> tuple[float, JobStatus]:
    started = time.perf_counter()
    job_id = jobs.start_recompute_all(celery.send_task, None, chunk)
    last = 0.0
    while not (status := jobs.status(job_id)).state.finished:
        if time.perf_counter() - last > 5:
            print(
                f"  queued: {status.done:,}/{status.total or 0:,} ({status.rate_per_s or 0:,.0f}/s)",
                flush=True,
            )
            last = time.perf_counter()
        time.sleep(0.1)
    return time.perf_counter() - started, status


def report_baseline_progress(done: BulkStats) -> None:
    if done.pages % 10 == 0:
        print(f"  baseline: {done.learners:,} learners planned", flush=True)


def main() -> None:
    args = parse_args()
    subprocess.run(
        [
            sys.executable,
            str(BENCH_PLANS),
            "--load-only",
            "--learners",
            str(args.learners),
            "--concepts",
            str(args.concepts),
        ],
        check=True,
    )
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    store, cache = PlanStore(graph), PlanCache(client)
    jobs = JobService(client, graph, settings.workers)
    if jobs.running_batch():
        raise SystemExit(f"batch {jobs.running_batch()} holds the lock: wait for it or use an idle Redis")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    worker = start(
        celery_worker_command(["planning"], args.processes, "bench@%h"), LOG_DIR / "bench_nightly_worker.log"
    )
    try:
        wait_for_worker()
        meter = CpuMeter({"worker": worker.pid, **service_pids(settings), "bench": os.getpid()})
        # Untimed: one full read pass first, so the baseline, which runs first, meets a page cache and a
        # JVM as warm as the queued run after it does (and Neo4j's warm-up CPU is charged to neither).
        print("warming up: one untimed read of every learner's mastery", flush=True)
        sum(len(page) for page in read_pages(store, args.page))
        cpu_start = meter.sample()
        started = time.perf_counter()
        stats = plan_everyone(
            store,
            cache,
            TracerParams.default(()),
            CURRICULUM,
            page_size=args.page,
            on_page=report_baseline_progress,
        )
        base_s = time.perf_counter() - started
        cpu_base_end = meter.sample()
        print(f"  baseline: {stats.learners:,} learners in {base_s:.1f} s", flush=True)
        queued_s, status = run_queued(jobs, args.chunk)
        cpu_queued_end = meter.sample()
    finally:
        stop(worker)
        graph.close()
        client.close()

    base_rate, queued_rate = stats.learners / base_s, status.done / queued_s
    chunk = settings.workers.chunk_size if args.chunk is None else args.chunk
    print(
        f"learners: {status.total:,} ({stats.learners:,} in the baseline), concepts: {args.concepts:,}, "
        f"chunks: {status.chunks_total} of {chunk}, worker processes: {args.processes}, "
        f"cores here: {os.cpu_count()}"
    )
    print(f"batch state: {status.state.value}, failed: {status.failed}, skipped: {status.skipped}")
    print(f"baseline, in-process batch:  {base_s:8.2f} s  {base_rate:10,.0f} learners/s")
    print(f"queued, {args.processes} worker processes: {queued_s:8.2f} s  {queued_rate:10,.0f} learners/s")
    print(f"ratio queued / baseline:     {queued_rate / base_rate:8.2f}")
    print(f"ratio per worker process:    {queued_rate / base_rate / args.processes:8.2f}   (wall clock)")
    base_cpu = CpuMeter.spent(cpu_start, cpu_base_end)
    queued_cpu = CpuMeter.spent(cpu_base_end, cpu_queued_end)
    print(cpu_line("baseline CPU:", base_cpu, stats.learners))
    print(cpu_line("queued CPU:  ", queued_cpu, status.done))
    per_core = (status.done / sum(queued_cpu.values())) / (stats.learners / sum(base_cpu.values()))
    print(f"ratio per core (learners per CPU-second, queued / in-process): {per_core:.2f}   (aim >= 0.8)")
    if meter.missing:
        print(f"not counted (not started by `kgplatform services up`): {', '.join(meter.missing)}")


if __name__ == "__main__":
    main()
