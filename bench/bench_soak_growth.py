"""Soak for growth: the API, a worker and beat under steady mixed load, every store and process sampled.

bench/bench_soak.py asks whether the processes' memory, threads and connections come back after restarts;
this one asks what grows, and how fast, when nothing goes wrong for a long time. In one run:
  1. starts `kgplatform api`, `kgplatform worker` and `kgplatform beat` (beat's nightly time set a few
     minutes into the run, so that its own send is exercised once), logs in --out;
  2. loads them from --threads client threads: answers of learners that keep appearing (a new one every
     --new-learner-every answers; now and then an answer posted again with its event id), next-tasks,
     reports, mastery, a designer's concept and task edits with If-Match, a batch recompute every
     --batch-every seconds and `kgplatform nightly` every --nightly-every seconds;
  3. every --sample-every seconds writes one JSON line to --out/samples.jsonl: each process role's RSS,
     descriptors and threads, Neo4j's connections and transactions and nodes per label, Redis's memory and
     keys per prefix (with and without a TTL), the sizes of the state, models, data and metrics folders
     and of the processes' logs, and each request kind's latency in the window;
  4. prints, per series, its value in the first and last quarter of the run, their ratio and the slope per
     hour (a least-squares fit), and plots them all to --out/soak.png.
It needs a curriculum with tasks (`kgplatform import-curriculum` of a generated one will do) and writes
answers of learners `soak-*`, descriptions and titles of that curriculum's concepts and tasks, one admin
key (revoked at the end).
Example (about 25 minutes): python bench/bench_soak_growth.py --curriculum soak --minutes 22
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.services import neo4j_local
from kgplatform.settings import Settings, get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_growth import folder_bytes, key_prefix  # noqa: E402
from bench_soak import CLI, neo4j_connections, sample_processes, wait_ready  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--curriculum", default="demo")
    parser.add_argument("--minutes", type=float, default=22.0, help="Load, after a 1-minute warm-up.")
    parser.add_argument("--threads", type=int, default=2, help="Client threads.")
    parser.add_argument("--pause-s", type=float, default=0.15, help="Each client thread's pause.")
    parser.add_argument("--new-learner-every", type=int, default=3, help="Answers per new learner.")
    parser.add_argument("--repeat-rate", type=float, default=0.05, help="Share of answers posted again.")
    parser.add_argument("--batch-every", type=float, default=150.0)
    parser.add_argument("--nightly-every", type=float, default=420.0)
    parser.add_argument("--sample-every", type=float, default=30.0)
    parser.add_argument("--out", type=Path, default=Path("test-artifacts/soak"))
    parser.add_argument(
        "--from-samples", type=Path, help="Run nothing: summarise and plot this samples.jsonl into --out."
    )
    return parser.parse_args()


class Load:
    """The mixed requests; latencies per kind, kept per sampling window."""

    def __init__(self, base: str, key: str, tasks: list[str], concepts: list[str], args: argparse.Namespace):
        self.base, self.key, self.tasks, self.concepts, self.args = base, key, tasks, concepts, args
        self.learners: list[str] = ["soak-0"]
        self.sent: list[dict[str, Any]] = []
        self.statuses: Counter[str] = Counter()
        self.latency: defaultdict[str, list[float]] = defaultdict(list)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.answers = 0

    def answer(self, rng: random.Random) -> dict[str, Any]:
        with self.lock:
            self.answers += 1
            if self.answers % self.args.new_learner_every == 0:
                self.learners.append(f"soak-{len(self.learners)}")
            if self.sent and rng.random() < self.args.repeat_rate:
                return rng.choice(self.sent)
            row = {
                "event_id": f"soak-{uuid.uuid4().hex}",
                "learner_id": self.learners[-1] if rng.random() < 0.5 else rng.choice(self.learners),
                "task_id": rng.choice(self.tasks),
                "correct": rng.random() < 0.6,
                "answered_at": datetime.now(UTC).isoformat(),
                "duration_s": 30,
            }
            self.sent = [*self.sent[-999:], row]
            return row

    def timed(self, kind: str, client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
        started = time.perf_counter()
        response = client.request(method, url, **kw)
        with self.lock:
            self.latency[kind].append((time.perf_counter() - started) * 1000)
            self.statuses[f"{kind} {response.status_code}"] += 1
        return response

    def one(self, client: httpx.Client, rng: random.Random) -> None:
        learner = rng.choice(self.learners)
        pick = rng.random()
        if pick < 0.40:
            self.timed("answers", client, "POST", "/answers", json=self.answer(rng))
        elif pick < 0.70:
            self.timed("next-tasks", client, "GET", f"/learners/{learner}/next-tasks", params={"limit": 5})
        elif pick < 0.82:
            self.timed("report", client, "GET", f"/learners/{learner}/report")
        elif pick < 0.92:
            self.timed("mastery", client, "GET", f"/learners/{learner}/mastery")
        elif pick < 0.93:
            self.timed("report.png", client, "GET", f"/learners/{learner}/report.png")
        else:
            kind, ident, body = (
                ("concept", rng.choice(self.concepts), {"description": f"soak edit {rng.randrange(10**6)}"})
                if pick < 0.97
                else ("task", rng.choice(self.tasks), {"title": f"soak task {rng.randrange(10**6)}"})
            )
            current = self.timed(f"GET {kind}", client, "GET", f"/{kind}s/{ident}")
            if "etag" in current.headers:
                self.timed(
                    f"PATCH {kind}",
                    client,
                    "PATCH",
                    f"/{kind}s/{ident}",
                    json=body,
                    headers={"If-Match": current.headers["etag"]},
                )

    def run(self, seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=self.base, headers={"X-API-Key": self.key}, timeout=60) as client:
            while not self.stop.is_set():
                try:
                    self.one(client, rng)
                except httpx.HTTPError as error:
                    with self.lock:
                        self.statuses[f"error {error.__class__.__name__}"] += 1
                self.stop.wait(self.args.pause_s)

    def take_latency(self) -> dict[str, dict[str, float]]:
        with self.lock:
            taken, self.latency = self.latency, defaultdict(list)
        return {
            kind: {"n": len(v), "p50_ms": float(np.percentile(v, 50)), "p95_ms": float(np.percentile(v, 95))}
            for kind, v in taken.items()
            if v
        }


def kind_of_key(name: str) -> str:
    """The key's kind, ids left out: `kgp:debounce:<curriculum>:<learner>` -> `kgp:debounce:*`, a job's
    `kgp:job:<id>:chunks` -> `kgp:job:*:chunks`, `celery-task-meta-<id>` -> `celery-task-meta-*`."""
    if name.startswith("celery-task-meta-"):
        return "celery-task-meta-*"
    if name.endswith("*") and not name.startswith("kgp:"):
        return name  # a kind already
    prefix = key_prefix(name)
    if prefix.startswith("kgp:") and not prefix.startswith("kgp:job:"):
        return ":".join(prefix.split(":")[:2]) + ":*"
    return prefix


def by_kind(counts: dict[str, int]) -> dict[str, int]:
    kinds: Counter[str] = Counter()
    for prefix, n in counts.items():
        kinds[kind_of_key(prefix)] += n
    return dict(kinds)


def redis_sample(client: redis.Redis) -> dict[str, Any]:
    names = list(client.scan_iter(count=1000))
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.ttl(name)
        ttls = pipe.execute()
    keys: Counter[str] = Counter()
    no_ttl: Counter[str] = Counter()
    for name, ttl in zip(names, ttls, strict=True):
        prefix = kind_of_key(name.decode(errors="replace"))
        keys[prefix] += 1
        no_ttl[prefix] += ttl == -1
    memory = client.info("memory")
    return {
        "used_memory_mib": memory["used_memory"] / 2**20,
        "rss_mib": memory["used_memory_rss"] / 2**20,
        "dbsize": client.dbsize(),
        "clients": client.info("clients")["connected_clients"],
        "keys": dict(keys),
        "keys_no_ttl": {k: v for k, v in no_ttl.items() if v},
        "keyspace": {db: v["keys"] for db, v in client.info("keyspace").items()},
    }


def neo4j_sample(graph: Graph, settings: Settings) -> dict[str, Any]:
    connections, _ = neo4j_connections(graph, settings.neo4j.port)
    return {
        "connections": connections,
        "transactions": {r["status"]: r["n"] for r in graph.read("bench/count_transactions")},
        "nodes": {r["name"]: r["n"] for r in graph.read("bench/count_nodes_by_label")},
    }


def files_sample(settings: Settings, logs: Path) -> dict[str, float]:
    neo4j = neo4j_local.layout_for(settings)
    mib = 2**20
    return {
        "services_mib": folder_bytes(settings.services.state_dir) / mib,
        "neo4j_logs_mib": folder_bytes(neo4j.home / "logs") / mib,
        "neo4j_tx_logs_mib": folder_bytes(neo4j.data_dir / "transactions") / mib,
        "models_mib": folder_bytes(settings.paths.models_dir) / mib,
        "data_mib": folder_bytes(settings.paths.data_dir) / mib,
        "metrics_mib": folder_bytes(settings.workers.metrics_dir) / mib,
        "metrics_files": sum(1 for _ in settings.workers.metrics_dir.rglob("*"))
        if settings.workers.metrics_dir.exists()
        else 0,
        "process_logs_mib": folder_bytes(logs) / mib,
    }


def flatten(prefix: str, value: Any, out: dict[str, float]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            flatten(f"{prefix}.{k}" if prefix else str(k), v, out)
    elif isinstance(value, (int, float)):
        out[prefix] = float(value)


def summarise(samples: list[dict[str, Any]], out: Path) -> None:
    """Per series: first and last quarter means, their ratio, slope per hour; the plot of the main ones."""
    flat = []
    for s in samples:
        s["redis"]["keys"] = by_kind(s["redis"]["keys"])
        s["redis"]["keys_no_ttl"] = by_kind(s["redis"]["keys_no_ttl"])
        row: dict[str, float] = {}
        flatten("", {k: v for k, v in s.items() if k != "at"}, row)
        flat.append(row)
    t = np.array([s["t_s"] for s in samples]) / 60
    names = sorted({k for r in flat for k in r} - {"t_s"})
    quarter = max(1, len(flat) // 4)
    print(f"\n{'series':<58} {'first q':>10} {'last q':>10} {'ratio':>6} {'per hour':>10}")
    for name in names:
        y = np.array([r.get(name, np.nan) for r in flat])
        if np.all(np.isnan(y)) or ".p50_ms" in name or name.endswith(".n"):
            continue
        first, last = np.nanmean(y[:quarter]), np.nanmean(y[-quarter:])
        ok = ~np.isnan(y)
        slope = np.polyfit(t[ok], y[ok], 1)[0] * 60 if ok.sum() > 2 else float("nan")
        ratio = last / first if first else float("inf") if last else 1.0
        print(f"{name:<58} {first:>10.1f} {last:>10.1f} {ratio:>6.2f} {slope:>10.1f}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    groups = {
        "process RSS (MiB)": lambda n: n.startswith("processes.") and n.endswith(".rss_mib"),
        "process fds": lambda n: n.startswith("processes.") and n.endswith(".fds"),
        "process threads": lambda n: n.startswith("processes.") and n.endswith(".threads"),
        "Redis memory (MiB) / clients": lambda n: n in {"redis.used_memory_mib", "redis.clients"},
        "Redis keys by prefix": lambda n: n.startswith("redis.keys.") or n == "redis.dbsize",
        "Redis keys without TTL": lambda n: n.startswith("redis.keys_no_ttl."),
        "Neo4j nodes (non-answer)": lambda n: (
            n.startswith("neo4j.nodes.") and n.split(".")[-1] not in {"Answer", "Learner"}
        ),
        "Neo4j answers / learners": lambda n: n in {"neo4j.nodes.Answer", "neo4j.nodes.Learner"},
        "Neo4j connections / transactions": lambda n: (
            n == "neo4j.connections" or n.startswith("neo4j.transactions.")
        ),
        "files (MiB)": lambda n: n.startswith("files.") and n.endswith("_mib"),
        "latency p95 (ms)": lambda n: n.startswith("latency.") and n.endswith(".p95_ms"),
        "latency p50 (ms)": lambda n: n.startswith("latency.") and n.endswith(".p50_ms"),
    }
    fig, axes = plt.subplots(4, 3, figsize=(18, 16))
    for ax, (title, wanted) in zip(axes.flat, groups.items(), strict=True):
        for name in [n for n in sorted({k for r in flat for k in r}) if wanted(n)]:
            ax.plot(t, [r.get(name, np.nan) for r in flat], label=name.split(".", 1)[1], marker=".")
        ax.set_title(title)
        if title.startswith(("files", "latency")):
            ax.set_yscale("symlog", linthresh=1)  # a few large series beside small ones
        ax.set_xlabel("minutes")
        if ax.lines:
            ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(out / "soak.png", dpi=80)
    print(f"\nplot: {out / 'soak.png'}")


def main() -> None:
    args = parse_args()
    if args.from_samples:
        args.out.mkdir(parents=True, exist_ok=True)
        summarise([json.loads(line) for line in args.from_samples.open()], args.out)
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    settings = get_settings()
    args.out.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{os.environ.get('KGP_API_PORT', '8000')}"
    graph = Graph.connect(settings.neo4j)
    rclient = redis.Redis.from_url(settings.redis.url, socket_connect_timeout=2, socket_timeout=10)
    key = auth.issue_key(graph, role=Role.ADMIN, name="bench-soak-growth", actor="bench")
    night = datetime.now(UTC) + timedelta(minutes=6)
    beat_env = {
        **os.environ,
        "KGP_WORKERS__NIGHTLY_HOUR": str(night.hour),
        "KGP_WORKERS__NIGHTLY_MINUTE": str(night.minute),
    }
    processes: dict[str, subprocess.Popen[bytes]] = {}
    load: Load | None = None
    samples: list[dict[str, Any]] = []
    try:
        for name, command, env in [
            ("api", ["api"], os.environ),
            ("worker", ["worker", "--concurrency", "1"], os.environ),
            ("beat", ["beat"], beat_env),
        ]:
            with open(args.out / f"{name}.log", "wb") as log:
                processes[name] = subprocess.Popen(
                    [*CLI, *command],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=dict(env),
                    start_new_session=True,
                )
        roots = {name: p.pid for name, p in processes.items()}
        wait_ready(base)
        headers = {"X-API-Key": key.secret}
        listed = {
            kind: httpx.get(
                f"{base}/curricula/{args.curriculum}/{kind}",
                params={"limit": 200},
                headers=headers,
                timeout=60,
            ).json()["items"]
            for kind in ("tasks", "concepts")
        }
        load = Load(
            base, key.secret, [t["id"] for t in listed["tasks"]], [c["id"] for c in listed["concepts"]], args
        )
        threads = [
            threading.Thread(target=load.run, args=(seed,), daemon=True) for seed in range(args.threads)
        ]
        for thread in threads:
            thread.start()
        print(f"nightly by beat at {night:%H:%M} UTC; samples in {args.out}", flush=True)
        time.sleep(60)
        load.take_latency()
        started = time.monotonic()
        end = started + args.minutes * 60
        next_batch, next_nightly, next_sample = started + 30, started + 90, started
        jobs_client = httpx.Client(base_url=base, headers=headers, timeout=60)
        with (args.out / "samples.jsonl").open("w") as handle:
            while time.monotonic() < end:
                now = time.monotonic()
                if now >= next_batch:
                    try:
                        load.timed(
                            "recompute",
                            jobs_client,
                            "POST",
                            "/jobs/recompute",
                            json={"curriculum_id": args.curriculum},
                        )
                    except httpx.HTTPError as error:
                        load.statuses[f"recompute {error.__class__.__name__}"] += 1
                    next_batch = now + args.batch_every
                if now >= next_nightly:
                    run = subprocess.run([*CLI, "nightly"], capture_output=True, text=True, check=False)
                    load.statuses[f"nightly exit {run.returncode}"] += 1
                    next_nightly = now + args.nightly_every
                if now >= next_sample:
                    sample = {
                        "t_s": now - started,
                        "at": datetime.now(UTC).isoformat(),
                        "processes": sample_processes(
                            roots, {"bolt": settings.neo4j.port, "redis": settings.redis.port}
                        ),
                        "neo4j": neo4j_sample(graph, settings),
                        "redis": redis_sample(rclient),
                        "files": files_sample(settings, args.out),
                        "latency": load.take_latency(),
                        "load": {"learners": len(load.learners), "answers": load.answers},
                    }
                    samples.append(sample)
                    print(json.dumps(sample), file=handle, flush=True)
                    p = sample["processes"]
                    print(
                        f"{sample['t_s'] / 60:5.1f} min: learners {len(load.learners)}, api "
                        f"{p.get('api', {}).get('rss_mib', 0):.0f} MiB, worker "
                        f"{sum(v['rss_mib'] for k, v in p.items() if k.startswith('worker')):.0f} MiB, "
                        f"redis keys {sample['redis']['dbsize']}, no TTL {sample['redis']['keys_no_ttl']}",
                        flush=True,
                    )
                    next_sample = now + args.sample_every
                time.sleep(1)
        load.stop.set()
        for thread in threads:
            thread.join(60)
        print("\nrequests:", ", ".join(f"{k}: {v}" for k, v in sorted(load.statuses.items())))
        summarise(samples, args.out)
    finally:
        if load is not None:
            load.stop.set()
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
        rclient.close()


if __name__ == "__main__":
    main()
