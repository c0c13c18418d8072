"""Soak: the API, a Celery worker and beat under mixed load for minutes, sampled for what grows.

In one run, on this machine:
  1. starts `kgplatform api`, `kgplatform worker` and `kgplatform beat` as an operator does (each its own
     process tree, logs in a temporary folder), on the services the settings name;
  2. warms up: every kind of request below a few times, one batch and one nightly run (the retrain loads
     torch in a pool process), then samples each process (RSS, open file descriptors, threads), the
     connections Neo4j lists (`dbms.listConnections`; the TCP count of its port where the procedure is
     refused) and Redis's clients (CLIENT LIST, by name and by command);
  3. loads for --minutes: answers (one, or a batch of 20), next-tasks, report, report.png, mastery,
     concept edits, a batch recompute every --batch-every seconds and a nightly run every --nightly-every,
     with Neo4j and Redis each stopped and started again once, at a third and two thirds of the run;
  4. prints each process's RSS, descriptors and threads at the end as a ratio to the same after the
     warm-up (the same run), and the Neo4j connection and Redis client counts before and after.

It needs a curriculum with tasks (`kgplatform demo --no-serve` makes one) and writes answers of learners
`soak-*`, the descriptions of 20 of that curriculum's concepts, one admin key (revoked at the end).
Example (about 10 minutes in all):
    python bench/bench_soak.py --curriculum demo --minutes 8
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
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings

PYTHON = sys.executable
CLI = [PYTHON, "-m", "kgplatform.cli"]


def role_of(process: psutil.Process, roots: dict[str, int]) -> str:
    """'api', 'beat', 'worker-supervisor', 'worker-main' or 'worker-pool', by the tree the process is in."""
    chain = [process, *process.parents()]
    for name, pid in roots.items():
        depth = next((i for i, p in enumerate(chain) if p.pid == pid), None)
        if depth is None:
            continue
        if name != "worker":
            return name
        return (
            ("worker-supervisor", "worker-main", "worker-pool")[min(depth, 2)]
            if depth
            else "worker-supervisor"
        )
    return "?"


def sample_processes(roots: dict[str, int], ports: dict[str, int]) -> dict[str, dict[str, float]]:
    """Per role: RSS (MiB, summed over the role's processes), fds, threads, how many processes, and its
    TCP connections to each of `ports` (the client side of what the servers count)."""
    out: dict[str, dict[str, float]] = {}
    for pid in roots.values():
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            continue
        for process in tree:
            try:
                with process.oneshot():
                    row = (process.memory_info().rss / 2**20, process.num_fds(), process.num_threads())
                    remote = Counter(c.raddr.port for c in process.net_connections("tcp") if c.raddr)
                role = role_of(process, roots)
            except psutil.NoSuchProcess:
                continue
            totals = out.setdefault(
                role, {"rss_mib": 0.0, "fds": 0, "threads": 0, "processes": 0, **dict.fromkeys(ports, 0)}
            )
            for name, port in ports.items():
                totals[name] += remote[port]
            totals["rss_mib"] += row[0]
            totals["fds"] += row[1]
            totals["threads"] += row[2]
            totals["processes"] += 1
    return out


def neo4j_connections(graph: Graph, port: int) -> tuple[int, str]:
    """The bolt connections the server lists, and how they were counted."""
    try:
        return len(graph.read("bench/list_connections")) - 1, "dbms.listConnections minus this one"
    except Exception as error:  # Community editions may refuse the procedure; TCP then
        established = [
            c
            for c in psutil.net_connections("tcp")
            if c.laddr and c.laddr.port == port and c.status == "ESTABLISHED"
        ]
        return len(established), f"TCP established to :{port} ({error.__class__.__name__})"


def redis_clients(client: redis.Redis) -> Counter[str]:
    """Redis clients by name (Celery names none) and last command, this sampler's own left out."""
    me = client.client_id()
    return Counter(
        f"{c.get('name') or '-'}/{c.get('cmd')}" for c in client.client_list() if int(c["id"]) != me
    )


class Load:
    """The mixed requests, from --threads client threads, counting answers by status."""

    def __init__(
        self, base: str, key: str, curriculum: str, tasks: list[str], concepts: list[dict[str, str]]
    ):
        self.base, self.key, self.curriculum = base, key, curriculum
        self.tasks, self.concepts = tasks, concepts
        self.learners = [f"soak-{i}" for i in range(300)]
        self.statuses: Counter[str] = Counter()
        self.stop = threading.Event()
        self._lock = threading.Lock()

    def one(self, client: httpx.Client, rng: random.Random) -> None:
        learner = rng.choice(self.learners)
        pick = rng.random()
        if pick < 0.35:
            rows = [
                app_answer("soak", learner, self.tasks, rng) for _ in range(1 if rng.random() < 0.7 else 20)
            ]
            response = client.post("/answers", json=rows if len(rows) > 1 else rows[0])
            kind = "POST /answers"
        elif pick < 0.70:
            response = client.get(f"/learners/{learner}/next-tasks", params={"limit": 5})
            kind = "GET next-tasks"
        elif pick < 0.82:
            response = client.get(f"/learners/{learner}/report")
            kind = "GET report"
        elif pick < 0.87:
            response = client.get(f"/learners/{learner}/report.png")
            kind = "GET report.png"
        elif pick < 0.95:
            response = client.get(f"/learners/{learner}/mastery")
            kind = "GET mastery"
        else:
            concept = rng.choice(self.concepts)
            current = client.get(f"/concepts/{concept['id']}")
            if "etag" not in current.headers:  # the read failed (an outage): no edit without its ETag
                with self._lock:
                    self.statuses[f"GET concept {current.status_code}"] += 1
                return
            response = client.patch(
                f"/concepts/{concept['id']}",
                json={"description": f"soak edit {rng.randrange(1000)}"},
                headers={"If-Match": current.headers["etag"]},
            )
            kind = "PATCH concept"
        with self._lock:
            self.statuses[f"{kind} {response.status_code}"] += 1

    def run(self, seed: int, pause_s: float) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base, headers={"X-API-Key": self.key}, timeout=30) as client:
            while not self.stop.is_set():
                try:
                    self.one(client, rng)
                except httpx.HTTPError as error:
                    with self._lock:
                        self.statuses[f"error {error.__class__.__name__}"] += 1
                self.stop.wait(pause_s)


def cli(*args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=timeout, check=False)


def app_answer(prefix: str, learner: str, tasks: list[str], rng: random.Random) -> dict[str, Any]:
    """One answer as a learning app posts it: a fresh event id, a random task, right 60% of the time, now."""
    return {
        "event_id": f"{prefix}-{uuid.uuid4().hex}",
        "learner_id": learner,
        "task_id": rng.choice(tasks),
        "correct": rng.random() < 0.6,
        "answered_at": datetime.now(UTC).isoformat(),
        "duration_s": 30,
    }


def wait_ready(base: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise SystemExit(f"the API at {base} was not ready after {seconds:.0f} s")


def restart(service: str) -> None:
    print(f"  {time.strftime('%H:%M:%S')} restarting {service}", flush=True)
    cli("services", "down", "--only", service)
    time.sleep(3)
    up = cli("services", "up")
    if up.returncode:
        print(up.stdout[-2000:], up.stderr[-2000:])


def snapshot(
    label: str, roots: dict[str, int], graph: Graph, rclient: redis.Redis, port: int, redis_port: int
) -> dict[str, Any]:
    connections, how = neo4j_connections(graph, port)
    try:
        clients = redis_clients(rclient)
    except redis.RedisError:
        clients = Counter()
    ports = {"bolt": port, "redis": redis_port}
    shot = {
        "label": label,
        "processes": sample_processes(roots, ports),
        "neo4j": connections,
        "redis": clients,
    }
    roles = "  ".join(
        f"{r}: {v['rss_mib']:.0f} MiB {v['fds']:.0f} fd {v['threads']:.0f} thr {v['bolt']:.0f} bolt "
        f"{v['redis']:.0f} redis"
        for r, v in sorted(shot["processes"].items())
    )
    print(
        f"  {time.strftime('%H:%M:%S')} {label}: neo4j {connections} ({how}), "
        f"redis {sum(clients.values())}; {roles}"
    )
    return shot


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--curriculum", default="demo")
    parser.add_argument("--minutes", type=float, default=8.0, help="Load after the warm-up.")
    parser.add_argument("--threads", type=int, default=3, help="Client threads.")
    parser.add_argument(
        "--pause-s", type=float, default=0.02, help="Each client thread's pause between requests."
    )
    parser.add_argument("--batch-every", type=float, default=60.0, help="Seconds between batch recomputes.")
    parser.add_argument("--nightly-every", type=float, default=180.0, help="Seconds between nightly runs.")
    parser.add_argument("--sample-every", type=float, default=20.0)
    parser.add_argument(
        "--no-restarts", action="store_true", help="Leave Neo4j and Redis running throughout."
    )
    args = parser.parse_args()

    # Stopped early (SIGTERM, or SIGINT, which a shell's background job ignores), the processes it started
    # are stopped and its key revoked all the same, by the `finally` below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    signal.signal(signal.SIGINT, signal.default_int_handler)
    settings = get_settings()
    base = f"http://127.0.0.1:{os.environ.get('KGP_API_PORT', '8000')}"
    graph = Graph.connect(settings.neo4j)
    rclient = redis.Redis.from_url(settings.redis.url, socket_connect_timeout=2, socket_timeout=5)
    key = auth.issue_key(graph, role=Role.ADMIN, name="bench-soak", actor="bench")
    logs = Path(tempfile.mkdtemp(prefix="kgp-soak-"))
    processes: dict[str, subprocess.Popen[bytes]] = {}
    load: Load | None = None
    try:
        for name, command in {
            "api": ["api"],
            "worker": ["worker", "--concurrency", "2"],
            "beat": ["beat"],
        }.items():
            with open(logs / f"{name}.log", "wb") as log:
                processes[name] = subprocess.Popen([*CLI, *command], stdout=log, stderr=subprocess.STDOUT)
        roots = {name: p.pid for name, p in processes.items()}
        wait_ready(base)
        headers = {"X-API-Key": key.secret}
        tasks = httpx.get(
            f"{base}/curricula/{args.curriculum}/tasks", params={"limit": 200}, headers=headers, timeout=30
        ).json()
        concepts = httpx.get(
            f"{base}/curricula/{args.curriculum}/concepts", params={"limit": 50}, headers=headers, timeout=30
        ).json()
        task_ids = [t["id"] for t in tasks["items"]]
        concepts_edited = [{"id": c["id"], "name": c["name"]} for c in concepts["items"]][:20]
        load = Load(base, key.secret, args.curriculum, task_ids, concepts_edited)
        print(f"logs in {logs}; {len(task_ids)} tasks, {len(concepts_edited)} concepts to edit", flush=True)

        # Warm-up: each kind of request, a batch and a nightly run (its retrain loads torch).
        warm_client = httpx.Client(base_url=base, headers=headers, timeout=60)
        rng = random.Random(0)
        for _ in range(200):
            load.one(warm_client, rng)
        batch = warm_client.post("/jobs/recompute", json={"curriculum_id": args.curriculum})
        print(f"  warm-up batch: {batch.status_code}", flush=True)
        night = cli("nightly", "--wait", "--timeout", "480")
        print(f"  warm-up nightly: exit {night.returncode} {night.stdout.strip()[-200:]}", flush=True)
        threads = [
            threading.Thread(target=load.run, args=(seed, args.pause_s), daemon=True)
            for seed in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        time.sleep(30)
        warm = snapshot("after warm-up", roots, graph, rclient, settings.neo4j.port, settings.redis.port)

        started = time.monotonic()
        end = started + args.minutes * 60
        restarts = [] if args.no_restarts else [(1 / 3, "neo4j"), (2 / 3, "redis")]
        next_batch, next_nightly, next_sample = started + 20, started + args.nightly_every, started
        while time.monotonic() < end:
            now = time.monotonic()
            if restarts and now >= started + restarts[0][0] * args.minutes * 60:
                restart(restarts.pop(0)[1])
                wait_ready(base)
            if now >= next_batch:
                try:
                    code = warm_client.post(
                        "/jobs/recompute", json={"curriculum_id": args.curriculum}
                    ).status_code
                except httpx.HTTPError as error:
                    code = error.__class__.__name__
                load.statuses[f"POST /jobs/recompute {code}"] += 1
                next_batch = now + args.batch_every
            if now >= next_nightly:
                night = cli("nightly")
                load.statuses[f"nightly exit {night.returncode}"] += 1
                next_nightly = now + args.nightly_every
            if now >= next_sample:
                snapshot(
                    f"{(now - started) / 60:4.1f} min",
                    roots,
                    graph,
                    rclient,
                    settings.neo4j.port,
                    settings.redis.port,
                )
                next_sample = now + args.sample_every
            time.sleep(1)
        load.stop.set()
        for thread in threads:
            thread.join(60)
        time.sleep(20)  # queued drains and chunks finish; idle pooled connections stay
        last = snapshot("after the run", roots, graph, rclient, settings.neo4j.port, settings.redis.port)

        print("\nrequests:", ", ".join(f"{k}: {v}" for k, v in sorted(load.statuses.items())))
        print(
            f"\n{'process':<18} {'RSS MiB warm':>12} {'end':>8} {'ratio':>6} "
            f"{'fds':>9} {'threads':>9} {'procs':>6}"
        )
        for role in sorted(set(warm["processes"]) | set(last["processes"])):
            w, e = warm["processes"].get(role), last["processes"].get(role)
            if not w or not e:
                print(f"{role:<18} (only {'at the end' if e else 'after the warm-up'})")
                continue
            print(
                f"{role:<18} {w['rss_mib']:>12.0f} {e['rss_mib']:>8.0f} {e['rss_mib'] / w['rss_mib']:>6.2f} "
                f"{w['fds']:>4.0f}->{e['fds']:<4.0f} {w['threads']:>4.0f}->{e['threads']:<4.0f} "
                f"{w['processes']:.0f}->{e['processes']:.0f} bolt {w['bolt']:.0f}->{e['bolt']:.0f} "
                f"redis {w['redis']:.0f}->{e['redis']:.0f}"
            )
        print(f"neo4j connections: {warm['neo4j']} -> {last['neo4j']}")
        print(f"redis clients: {sum(warm['redis'].values())} -> {sum(last['redis'].values())}")
        for name in sorted(set(warm["redis"]) | set(last["redis"])):
            print(f"  {name:<40} {warm['redis'].get(name, 0):>4} -> {last['redis'].get(name, 0)}")
    finally:
        if load is not None:
            load.stop.set()
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                process.kill()
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
        rclient.close()


if __name__ == "__main__":
    main()
