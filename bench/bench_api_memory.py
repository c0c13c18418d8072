"""The API process's memory, one kind of request at a time: which requests make its RSS grow, and whether
it levels off.

In one run, on this machine, for each variant (an environment the API is started with; the first is the
baseline):
  1. starts `kgplatform api` as an operator does (its own process, on the services the settings name);
  2. warms up: --warm requests of each kind;
  3. for each kind in turn (answers, next-tasks, report, mastery, report.png), sends --requests of it from
     --threads client threads and samples the API's RSS and /proc/PID/smaps_rollup every --sample-every
     requests. `report.png` posts one answer for the learner before each picture, so every picture is a new
     one, as in a soak where answers keep coming (a picture read again unchanged is served from the cache);
  4. stops it.
Then prints, per variant, the RSS curve (MiB against requests) and per kind the growth over its requests,
and each variant's RSS at the end as a ratio to the baseline's (the same requests, the same run).

It needs a curriculum with tasks (`kgplatform demo --no-serve` makes one) and writes answers of learners
`apimem-*` and one admin key (revoked at the end). Example (about 10 minutes):
    python bench/bench_api_memory.py --curriculum demo --variant arena2:MALLOC_ARENA_MAX=2
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_soak import app_answer, wait_ready  # noqa: E402

CLI = [sys.executable, "-m", "kgplatform.cli"]
KINDS = ("answers", "next-tasks", "report", "mastery", "report.png")


def memory_mib(pid: int) -> dict[str, float]:
    """RSS and the anonymous (heap, arenas, thread stacks) part of it, MiB, from smaps_rollup."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
        name, _, rest = line.partition(":")
        fields[name] = int(rest.split()[0]) / 1024
    return {"rss": fields["Rss"], "anon": fields["Anonymous"]}


class Driver:
    """Sends one kind of request from several threads, counting statuses."""

    def __init__(self, base: str, key: str, tasks: list[str]) -> None:
        self.base, self.key, self.tasks = base, key, tasks
        self.learners = [f"apimem-{i}" for i in range(100)]
        self.statuses: dict[str, int] = {}
        self._lock = threading.Lock()

    def one(self, client: httpx.Client, kind: str, rng: random.Random) -> None:
        learner = rng.choice(self.learners)
        if kind in ("answers", "report.png"):
            response = client.post("/answers", json=self.answer(learner, rng))
        if kind != "answers":
            path = {"next-tasks": "next-tasks", "report": "report", "mastery": "mastery"}.get(kind, kind)
            response = client.get(
                f"/learners/{learner}/{path}", params={"limit": 5} if path == "next-tasks" else None
            )
        with self._lock:
            name = f"{kind} {response.status_code}"
            self.statuses[name] = self.statuses.get(name, 0) + 1

    def answer(self, learner: str, rng: random.Random) -> dict[str, Any]:
        return app_answer("apimem", learner, self.tasks, rng)

    def send(
        self, kind: str, count: int, threads: int, seed: int, every: int, pid: int
    ) -> list[tuple[int, dict]]:
        """`count` requests of `kind`; the API's memory after each `every` of them (and at 0)."""
        done = 0
        samples = [(0, memory_mib(pid))]
        lock = threading.Lock()
        next_sample = every

        def work(index: int) -> None:
            nonlocal done, next_sample
            rng = random.Random(seed * 1000 + index)
            with httpx.Client(base_url=self.base, headers={"X-API-Key": self.key}, timeout=60) as client:
                while True:
                    with lock:
                        if done >= count:
                            return
                        done += 1
                    self.one(client, kind, rng)
                    with lock:
                        if done >= next_sample:
                            samples.append((next_sample, memory_mib(pid)))
                            next_sample += every

        workers = [threading.Thread(target=work, args=(i,)) for i in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        if samples[-1][0] != count:
            samples.append((count, memory_mib(pid)))
        return samples


def run_variant(
    name: str, env: dict[str, str], args: argparse.Namespace, base: str, key: str
) -> dict[str, Any]:
    log = Path(tempfile.mkdtemp(prefix=f"kgp-apimem-{name}-")) / "api.log"
    with open(log, "wb") as out:
        api = subprocess.Popen([*CLI, "api"], stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **env})
    try:
        wait_ready(base)
        headers = {"X-API-Key": key}
        tasks = httpx.get(
            f"{base}/curricula/{args.curriculum}/tasks", params={"limit": 200}, headers=headers, timeout=30
        ).json()
        driver = Driver(base, key, [t["id"] for t in tasks["items"]])
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for learner in driver.learners:  # each learner known, so no read below is a 404
                client.post("/answers", json=driver.answer(learner, random.Random(0)))
        for kind in KINDS:
            driver.send(kind, args.warm, args.threads, seed=99, every=args.warm, pid=api.pid)
        time.sleep(2)
        warm = memory_mib(api.pid)
        print(
            f"\n[{name}] {env or 'as launched'}; log {log}\n  after warm-up: RSS {warm['rss']:.0f} MiB, "
            f"anonymous {warm['anon']:.0f} MiB",
            flush=True,
        )
        growth: dict[str, float] = {}
        for seed, kind in enumerate(KINDS):
            count, every = (
                (args.png_requests, args.png_sample_every)
                if kind == "report.png"
                else (args.requests, args.sample_every)
            )
            started = time.monotonic()
            samples = driver.send(kind, count, args.threads, seed, every, api.pid)
            curve = " ".join(f"{n}:{m['rss']:.0f}" for n, m in samples)
            growth[kind] = samples[-1][1]["rss"] - samples[0][1]["rss"]
            print(
                f"  {kind:<11} {count} in {time.monotonic() - started:4.0f} s  RSS by requests {curve}  "
                f"(anon {samples[0][1]['anon']:.0f}->{samples[-1][1]['anon']:.0f}; {growth[kind]:+.0f} MiB)",
                flush=True,
            )
        time.sleep(2)
        end = memory_mib(api.pid)
        print(f"  statuses: {', '.join(f'{k}: {v}' for k, v in sorted(driver.statuses.items()))}")
        return {"warm": warm, "end": end, "growth": growth}
    finally:
        api.send_signal(signal.SIGTERM)
        try:
            api.wait(60)
        except subprocess.TimeoutExpired:
            api.kill()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--curriculum", default="demo")
    parser.add_argument("--requests", type=int, default=1000, help="Requests of each kind but report.png.")
    parser.add_argument("--png-requests", type=int, default=150, help="report.png requests (each drawn).")
    parser.add_argument("--warm", type=int, default=50, help="Warm-up requests of each kind.")
    parser.add_argument("--threads", type=int, default=3, help="Client threads.")
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--png-sample-every", type=int, default=25, help="Each picture is drawn: fewer.")
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME:VAR=VALUE[,VAR=VALUE]",
        help="An environment to start the API with too, compared with the baseline (as launched).",
    )
    args = parser.parse_args()
    variants: dict[str, dict[str, str]] = {"baseline": {}}
    for spec in args.variant:
        name, _, pairs = spec.partition(":")
        variants[name] = dict(pair.split("=", 1) for pair in pairs.split(",") if pair)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    settings = get_settings()
    base = f"http://127.0.0.1:{settings.api_port}"
    graph = Graph.connect(settings.neo4j)
    key = auth.issue_key(graph, role=Role.ADMIN, name="bench-api-memory", actor="bench")
    try:
        results = {name: run_variant(name, env, args, base, key.secret) for name, env in variants.items()}
    finally:
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
    first = results["baseline"]
    print(f"\n{'variant':<12} {'RSS warm':>9} {'end':>7} {'end/warm':>9} {'end/baseline':>13}  growth (MiB)")
    for name, result in results.items():
        by_kind = " ".join(f"{k} {v:+.0f}" for k, v in result["growth"].items())
        print(
            f"{name:<12} {result['warm']['rss']:>9.0f} {result['end']['rss']:>7.0f} "
            f"{result['end']['rss'] / result['warm']['rss']:>9.2f} "
            f"{result['end']['rss'] / first['end']['rss']:>13.2f}  {by_kind}"
        )


if __name__ == "__main__":
    main()
