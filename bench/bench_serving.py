"""Load on GET /learners/{id}/next-tasks with cached plans, against a trivial FastAPI JSON endpoint.

In one run, on this machine:
  1. seeds the plan cache (Redis, through the planning area's `PlanCache`) with realistic plans for
     --learners learners (5 tasks each, with reasons, from the current planner's model version);
  2. serves the real app (`create_app`) and a trivial FastAPI app (bench/serving_trivial_app.py) side by
     side, the same way: one uvicorn process each, uvloop + httptools, no access log;
  3. loads them from a second process, wrk (Debian's package, installed here when missing), in --rounds
     alternating windows of --seconds each (ours, then the trivial app) with --connections keep-alive
     connections, after a 2 s warm-up of each; every request of the app asks for a random learner, with a
     service key (auth, rate limiter, metrics middleware all on the path);
and prints requests/s and p50 (medians over rounds), the worst round's p99, and the median of the
per-round ratios app/trivial. Targets: p99 <= 10 ms, ratio >= 0.6.

With --baseline-tree DIR (a copy of the code before a change, e.g. `git archive main | tar -x -C DIR`),
that code's app is served too, in the same rounds, on plans of its own planner version seeded as its
planner wrote them (no task titles or concept names before 5 December 2026: --baseline-without-names), and
the median per-round ratio of this code's requests/s to it is printed.

Point it at your own Redis and Neo4j (CONTRIBUTING.md). It writes only `kgp:plan:bench-*` keys
(deleted at the end) and one API key (revoked at the end). Example:
    python bench/bench_serving.py --learners 100000 --seconds 15
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.errors import ServiceSetupFailed
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import CurrentParams
from kgplatform.planning.cache import KEY_PREFIX, PlanCache
from kgplatform.planning.stamps import model_version
from kgplatform.services.processes import ensure_debian_package, free_port, running_http_server
from kgplatform.settings import get_settings

BENCH_DIR = Path(__file__).resolve().parent
LEARNER_PREFIX = "bench-l"
BASELINE_PREFIX = "bench-b"  # the baseline app's learners: its plans carry its own planner version
WRK_SCRIPT = """
local key = os.getenv("BENCH_KEY")
local learners = tonumber(os.getenv("BENCH_LEARNERS"))
local prefix = os.getenv("BENCH_PREFIX")
local encoding = os.getenv("BENCH_ACCEPT_ENCODING")
local headers = {["X-API-Key"] = key}
if encoding ~= nil and encoding ~= "" then headers["Accept-Encoding"] = encoding end
math.randomseed(42)
request = function()
  local id = math.random(0, learners - 1)
  return wrk.format("GET", "/learners/" .. prefix .. id .. "/next-tasks?limit=5", headers)
end
"""
REASONS = (
    "ready to learn; leads to your goal; strengthens {a} and {b}",
    "review due: mastery of {a} decayed since last practised",
    "blocking prerequisite of {b}; predicted success in your range",
)


# The API's rate limiter stays on the path (its cost is measured) with a limit above a benchmark's load:
# the environment a benchmark serves the app with (bench_compression.py, bench_report_concepts.py too).
UNLIMITED_RATE = {
    "KGP_SERVING__RATE_LIMIT_PER_S": "10000000",
    "KGP_SERVING__RATE_LIMIT_BURST": "10000000",
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=100_000)
    parser.add_argument("--seconds", type=int, default=15, help="load duration per server and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating windows per server")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="a copy of the code before a change: its app is served and loaded in the same rounds",
    )
    parser.add_argument(
        "--accept-encoding",
        default="",
        help="the Accept-Encoding next-tasks requests send (none by default; a browser's: 'gzip, deflate, "
        "br, zstd'): the API compresses only large answers, and a plan is not one",
    )
    parser.add_argument(
        "--baseline-without-names",
        action="store_true",
        help="seed the baseline's plans without task titles and concept names (planners before 5 December)",
    )
    return parser.parse_args()


def ensure_wrk() -> str:
    """wrk from Debian's package; installed (apt-get update and install, as root or through sudo) when
    missing: a bare `apt-get install` failed on a machine whose package lists were never fetched."""
    if not shutil.which("wrk"):
        print("wrk not found: installing Debian's package", flush=True)
    try:
        return ensure_debian_package("wrk", "wrk")
    except ServiceSetupFailed as error:
        sys.exit(str(error))


def plan_json(
    i: int, version: str, now: datetime, *, names: bool = True, prefix: str = LEARNER_PREFIX
) -> str:
    """A plan shaped like `PlanRecord.to_json()`: 5 ranked tasks with reasons, and (`names`) each task's
    title and its concept's name, of the demo curriculum's lengths."""
    concepts = [f"bench-c{(i * 7 + k * 13) % 1000:04d}" for k in range(5)]
    tasks: list[dict[str, object]] = [
        {
            "task_id": f"bench-t{(i * 11 + k * 17) % 5000:05d}",
            "rank": k + 1,
            "reason": REASONS[k % 3].format(a=concepts[k], b=concepts[(k + 1) % 5]),
            "concept_id": concepts[k],
            "predicted_success": round(0.6 + 0.05 * k, 3),
            "purpose": "review" if k == 1 else "learn",
        }
        for k in range(5)
    ]
    if names:
        for k, task in enumerate(tasks):
            task["task_title"] = f"Fractions and decimals: exercise {(i * 11 + k * 17) % 5000}"
            task["concept_name"] = f"Fractions and decimals {(i * 7 + k * 13) % 1000}"

    created = now - timedelta(seconds=i % 3600)
    return orjson.dumps(
        {
            "id": str(uuid.UUID(int=i)),
            "learner_id": f"{prefix}{i}",
            "curriculum_id": "bench-curriculum",
            "created_at": created.isoformat(),
            "model_version": version,
            "mastery_at": (created - timedelta(minutes=5)).isoformat(),
            "curriculum_at": (created - timedelta(days=1)).isoformat(),
            "transfer_version": None,
            "placement": False,
            "tasks": tasks,
            "inputs_version": "bench",
        }
    ).decode()


@contextmanager
def uvicorn_server(
    target: str, *, factory: bool, env: dict[str, str], cwd: Path = BENCH_DIR.parent
) -> Iterator[str]:
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    if factory:
        command.append("--factory")
    base = f"http://127.0.0.1:{port}"
    probe = base + ("/healthz" if factory else "/ping")
    try:
        with running_http_server(command, probe, cwd=cwd, env=env, timeout_s=60):
            yield base
    except ServiceSetupFailed as error:
        sys.exit(f"server {target} did not start: {error.message}")


def to_ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def run_wrk(
    wrk: str, url: str, args: argparse.Namespace, env: dict[str, str], script: str | None
) -> dict[str, float]:
    command = [wrk, f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s", "--latency"]
    if script:
        command += ["-s", script]
    out = subprocess.run(command + [url], env=env, check=True, capture_output=True, text=True).stdout
    latency = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", out, re.M))
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    result = {
        "rps": rps,
        "non_2xx": float(bad.group(1)) if bad else 0.0,
        "socket_errors": 1.0 if errors else 0.0,
    }
    for q, text in latency.items():
        value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
        result[f"p{q}_ms"] = to_ms(value, unit)
    return result


def baseline_version(tree: Path, tracer_version: str) -> str:
    """The model version the baseline's planner stamps its plans with (its PLANNER_VERSION and the tracer's):
    a plan of another version is no cache hit there."""
    planner = subprocess.run(
        [
            sys.executable,
            "-c",
            "from kgplatform.planning.stamps import PLANNER_VERSION; print(PLANNER_VERSION)",
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{planner}+{tracer_version}"


def main() -> None:
    args = parse_args()
    baseline = args.baseline_tree.resolve() if args.baseline_tree else None
    if baseline is not None and not (baseline / "kgplatform" / "api" / "app.py").is_file():
        sys.exit(f"--baseline-tree {baseline}: no kgplatform/api/app.py there (a copy of the project's code)")
    wrk = ensure_wrk()
    settings = get_settings()
    client = redis.Redis.from_url(settings.redis.url)
    graph = Graph.connect(settings.neo4j)
    key = auth.issue_key(graph, role=Role.SERVICE, name="bench-serving", actor="bench")
    tracer = CurrentParams(settings)()
    version = model_version(tracer)
    now = datetime.now(UTC)
    start = time.perf_counter()
    seeded = PlanCache(client).put_json_many(
        (f"{LEARNER_PREFIX}{i}", plan_json(i, version, now)) for i in range(args.learners)
    )
    print(f"seeded {seeded:,} cached plans in {time.perf_counter() - start:.1f} s (model {version})")
    if baseline is not None:
        old_version = baseline_version(baseline, tracer.model_version)
        seeded = PlanCache(client).put_json_many(
            (
                f"{BASELINE_PREFIX}{i}",
                plan_json(i, old_version, now, names=not args.baseline_without_names, prefix=BASELINE_PREFIX),
            )
            for i in range(args.learners)
        )
        print(f"seeded {seeded:,} cached plans for the baseline in {baseline} (model {old_version})")
    env = {
        **os.environ,
        "BENCH_KEY": key.secret,
        "BENCH_LEARNERS": str(args.learners),
        "BENCH_PREFIX": LEARNER_PREFIX,
        "BENCH_ACCEPT_ENCODING": args.accept_encoding,
        **UNLIMITED_RATE,
    }
    base_env = {**env, "PYTHONPATH": str(baseline), "BENCH_PREFIX": BASELINE_PREFIX} if baseline else env
    sides = ["next-tasks (cached)", "trivial FastAPI JSON"] + (["baseline next-tasks"] if baseline else [])
    try:
        with tempfile.NamedTemporaryFile("w", suffix=".lua") as script, ExitStack() as servers:
            script.write(WRK_SCRIPT)
            script.flush()
            trivial_env = {**env, "PYTHONPATH": str(BENCH_DIR)}
            # All servers up at once, their load windows alternated round by round: a change in the
            # machine's load between two long windows would otherwise move the ratio by itself.
            ours_url = servers.enter_context(
                uvicorn_server("kgplatform.api.app:create_app", factory=True, env=env)
            )
            trivial_url = servers.enter_context(
                uvicorn_server("serving_trivial_app:app", factory=False, env=trivial_env)
            )
            loads = [(ours_url + "/", env, script.name), (trivial_url + "/ping", env, None)]
            probes = [(ours_url, LEARNER_PREFIX)]
            if baseline is not None:
                base_url = servers.enter_context(
                    uvicorn_server("kgplatform.api.app:create_app", factory=True, env=base_env, cwd=baseline)
                )
                loads.append((base_url + "/", base_env, script.name))
                probes.append((base_url, BASELINE_PREFIX))
            for url, prefix in probes:
                probe = httpx.get(
                    f"{url}/learners/{prefix}7/next-tasks", headers={"X-API-Key": key.secret}, timeout=10
                )
                assert probe.status_code == 200 and probe.json()["source"] == "cache", probe.text
            warm = argparse.Namespace(**{**vars(args), "seconds": 2})
            for url, load_env, lua in loads:
                run_wrk(wrk, url, warm, load_env, lua)
            rounds: list[list[dict[str, float]]] = []
            for round_no in range(1, args.rounds + 1):
                results = [run_wrk(wrk, url, args, load_env, lua) for url, load_env, lua in loads]
                rounds.append(results)
                said = ", ".join(
                    f"{name} {r['rps']:,.0f} req/s" for name, r in zip(sides, results, strict=True)
                )
                print(f"  round {round_no}/{args.rounds}: {said}", flush=True)
    finally:
        deleted = sum(
            client.delete(*batch)
            for prefix in (LEARNER_PREFIX, BASELINE_PREFIX)
            for batch in _batches(client.scan_iter(f"{KEY_PREFIX}{prefix}*", 5000))
        )
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
        client.close()
    print(
        f"wrk: {args.threads} thread(s), {args.connections} connections, {args.rounds} rounds of "
        f"{args.seconds} s per server; "
        f"{args.learners:,} learners, random learner per request; cleaned {deleted:,} keys"
    )
    for side, name in enumerate(sides):
        rps = statistics.median(r[side]["rps"] for r in rounds)
        p50 = statistics.median(r[side]["p50_ms"] for r in rounds)
        p99 = max(r[side]["p99_ms"] for r in rounds)
        non_2xx = sum(r[side]["non_2xx"] for r in rounds)
        print(
            f"  {name:22s} {rps:9.0f} req/s (median)   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms (worst round)"
            f"   non-2xx {non_2xx:.0f}"
        )
    ratios = [r[0]["rps"] / r[1]["rps"] for r in rounds]
    ratio = statistics.median(ratios)
    worst_p99 = max(r[0]["p99_ms"] for r in rounds)
    passed = ratio >= 0.6 and worst_p99 <= 10 and not any(r[0]["non_2xx"] for r in rounds)
    print(
        f"ratio next-tasks / trivial: {ratio:.2f} median of {len(ratios)} rounds "
        f"({', '.join(f'{r:.2f}' for r in ratios)}; target >= 0.6); next-tasks p99 {worst_p99:.2f} ms "
        f"(target <= 10 ms); load average {os.getloadavg()[0]:.1f}: {'PASS' if passed else 'FAIL'}"
    )
    if baseline is not None:
        against = [r[0]["rps"] / r[2]["rps"] for r in rounds]
        print(
            f"ratio next-tasks / baseline ({baseline}): {statistics.median(against):.2f} median of "
            f"{len(against)} rounds ({', '.join(f'{r:.2f}' for r in against)}); p99 {worst_p99:.2f} ms "
            f"against {max(r[2]['p99_ms'] for r in rounds):.2f} ms (worst rounds)"
        )


def _batches(keys: Iterator[bytes], size: int = 5000) -> Iterator[list[bytes]]:
    batch: list[bytes] = []
    for k in keys:
        batch.append(k)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


if __name__ == "__main__":
    main()
