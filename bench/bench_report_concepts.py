"""GET /learners/{id}/report?concepts=false (the web page's Learner view reads it so) against the whole
report, ?concepts=true, through the real API over HTTP, in the same run.

For each size of --concepts (generated curricula `bench-report-N`, imported when absent), --learners
learners `bench-report-N-KK` with --answers answers each, posted through the API once (a rerun finds them
stored): learner k answers on --practised concepts among the first (k + 1) / --learners of a fifth of the
curriculum (the early layers, as a learner starts), 70% right, over the 30 days before 1 November 2026; even
learners have two goals in the last layer, odd ones an interest. The real app is served by uvicorn (as
bench_serving.py serves it, one process, a service key), and each learner's report is asked for in turn,
whole and without its list, --rounds times each after --warmup untimed rounds, with a browser's
Accept-Encoding (gzip, as the page gets it). Prints per size the median wall time and the bytes received of
each, and the median over learners of the ratio concepts=false / concepts=true (of each one's median times).

With --baseline-tree DIR (a copy of the code before a change, e.g. `git archive main | tar -x -C DIR`), that
code's app is served too and asked the same in the same rounds, and the ratio of this code's concepts=false
to that code's is printed.

Point it at your own Neo4j and Redis (CONTRIBUTING.md). It writes the curricula, learners and answers above
(kept for the next run) and one API key (revoked at the end). Example:
    python bench/bench_report_concepts.py --concepts 1500,3000 --learners 6 --rounds 10
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_serving import UNLIMITED_RATE, uvicorn_server  # noqa: E402
from generated_curriculum import import_generated  # noqa: E402
from timing import timed_in_turns  # noqa: E402

# The answers' dates: fixed, so that a rerun posts the same records (duplicates) rather than conflicting ones.
ANSWERED_FROM = datetime(2026, 10, 2, tzinfo=UTC)
BROWSER_ENCODING = "gzip, deflate, br, zstd"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--concepts", default="1500,3000", help="curriculum sizes, comma-separated")
    parser.add_argument("--learners", type=int, default=6, help="learners per curriculum")
    parser.add_argument("--answers", type=int, default=40, help="answers per learner")
    parser.add_argument("--practised", type=int, default=20, help="concepts each learner answers on")
    parser.add_argument("--rounds", type=int, default=10, help="timed requests of each kind per learner")
    parser.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        default=None,
        help="a copy of the code before a change: its app is served and asked in the same rounds",
    )
    return parser.parse_args()


def load_world(
    graph: Graph, client: httpx.Client, concepts: int, learners: int, args: argparse.Namespace
) -> list[str]:
    """The curriculum of `concepts` concepts and its learners (module doc), loaded unless already there."""
    curriculum = f"bench-report-{concepts}"
    document, imported = import_generated(graph, curriculum, concepts, 0)
    print(f"curriculum {curriculum}: {imported.summary}", flush=True)
    ids = [c.id for c in document.concepts]
    tasks_of: dict[str, list[str]] = {cid: [] for cid in ids}
    for task in document.tasks:
        tasks_of[task.concepts[0]].append(task.id)
    rng = random.Random(concepts)
    names = []
    for k in range(learners):
        learner = f"{curriculum}-{k:02d}"
        names.append(learner)
        early = ids[: max(args.practised, (k + 1) * len(ids) // (5 * learners))]
        practised = rng.sample(early, min(args.practised, len(early)))
        rows = [
            {
                "event_id": f"{learner}-{i}",
                "learner_id": learner,
                "task_id": rng.choice(tasks_of[practised[i % len(practised)]]),
                "correct": rng.random() < 0.7,
                "answered_at": (
                    ANSWERED_FROM + timedelta(minutes=i * 30 * 24 * 60 / args.answers)
                ).isoformat(),
            }
            for i in range(args.answers)
        ]
        posted = client.post("/answers", json={"answers": rows})
        assert posted.status_code == 200 and not posted.json()["rejected"], posted.text
        if k % 2 == 0:
            goals = client.put(f"/learners/{learner}/goals", json={"concept_ids": ids[-2:]})
            assert goals.status_code == 200, goals.text
        else:
            tags = document.concepts[len(ids) // 2].tags[:1]
            interests = client.put(f"/learners/{learner}/interests", json={"tags": tags})
            assert interests.status_code == 200, interests.text
    return names


def report_call(client: httpx.Client, learner: str, concepts: bool, got: dict[str, int]) -> object:
    """One report request; its body's bytes as received (compressed) and as JSON go into `got`."""

    def call(_: int) -> None:
        response = client.get(f"/learners/{learner}/report", params={"concepts": str(concepts).lower()})
        assert response.status_code == 200, response.text
        got["bytes"], got["json"] = response.num_bytes_downloaded, len(response.content)

    return call


def main() -> None:
    args = parse_args()
    sizes = [int(n) for n in args.concepts.split(",")]
    baseline = args.baseline_tree.resolve() if args.baseline_tree else None
    if baseline is not None and not (baseline / "kgplatform" / "api" / "app.py").is_file():
        sys.exit(f"--baseline-tree {baseline}: no kgplatform/api/app.py there (a copy of the project's code)")
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    key = auth.issue_key(graph, role=Role.SERVICE, name="bench-report-concepts", actor="bench")
    env = {**os.environ, **UNLIMITED_RATE}
    headers = {"X-API-Key": key.secret, "Accept-Encoding": BROWSER_ENCODING}
    results: list[str] = []
    try:
        with ExitStack() as stack:
            ours = stack.enter_context(uvicorn_server("kgplatform.api.app:create_app", factory=True, env=env))
            client = stack.enter_context(httpx.Client(base_url=ours, headers=headers, timeout=120))
            sides = {"now": client}
            if baseline is not None:
                before_env = {**env, "PYTHONPATH": str(baseline)}
                before = stack.enter_context(
                    uvicorn_server(
                        "kgplatform.api.app:create_app", factory=True, env=before_env, cwd=baseline
                    )
                )
                sides["before"] = stack.enter_context(
                    httpx.Client(base_url=before, headers=headers, timeout=120)
                )
            for size in sizes:
                learners = load_world(graph, client, size, args.learners, args)
                results.extend(measure(size, learners, sides, args))
    finally:
        auth.revoke_key(graph, key.id, actor="bench")
        graph.close()
    print(
        f"{args.learners} learners a curriculum, {args.answers} answers on {args.practised} concepts each; "
        f"{args.rounds} timed rounds after {args.warmup}; Accept-Encoding {BROWSER_ENCODING!r}; load average "
        f"{os.getloadavg()[0]:.1f}"
    )
    print("\n".join(results))


def measure(
    size: int, learners: list[str], sides: dict[str, httpx.Client], args: argparse.Namespace
) -> list[str]:
    """Each learner's report asked for whole and without `concepts`, by each side, in turns; the lines to
    print."""
    kinds = [(side, concepts) for side in sides for concepts in (True, False)]
    times: dict[tuple[str, bool], list[float]] = {kind: [] for kind in kinds}
    received: dict[tuple[str, bool], list[int]] = {kind: [] for kind in kinds}
    as_json: dict[tuple[str, bool], list[int]] = {kind: [] for kind in kinds}
    ratios: list[float] = []
    against: list[float] = []
    not_started: list[int] = []
    for learner in learners:
        # What the learner's report holds (the concepts the lean report makes no model of), untimed.
        not_started.append(len(sides["now"].get(f"/learners/{learner}/report").json()["not_started"]))
        got = {kind: {"bytes": 0, "json": 0} for kind in kinds}
        cases = {kind: report_call(sides[kind[0]], learner, kind[1], got[kind]) for kind in kinds}
        samples = timed_in_turns(cases, args.warmup, args.rounds)
        medians = {kind: statistics.median(samples[kind]) for kind in kinds}
        for kind in kinds:
            times[kind].append(medians[kind])
            received[kind].append(got[kind]["bytes"])
            as_json[kind].append(got[kind]["json"])
        ratios.append(medians[("now", False)] / medians[("now", True)])
        if "before" in sides:
            against.append(medians[("now", False)] / medians[("before", False)])
    lines = [
        f"{size:,} concepts ({len(learners)} learners, {min(not_started):,}-{max(not_started):,} concepts "
        "not started in their reports; medians over learners of each one's median):"
    ]
    for side, concepts in kinds:
        ms = statistics.median(times[side, concepts])
        kib = statistics.median(received[side, concepts]) / 1024
        json_kib = statistics.median(as_json[side, concepts]) / 1024
        lines.append(
            f"  {side:6s} concepts={str(concepts).lower():5s}  {ms:8.1f} ms   {kib:8.1f} KiB received "
            f"({json_kib:,.1f} KiB of JSON)"
        )
    lines.append(
        f"  ratio concepts=false / concepts=true: {statistics.median(ratios):.2f} "
        f"(learners: {', '.join(f'{r:.2f}' for r in ratios)})"
    )
    if against:
        lines.append(
            f"  ratio concepts=false now / before: {statistics.median(against):.2f} "
            f"(learners: {', '.join(f'{r:.2f}' for r in against)})"
        )
    return lines


if __name__ == "__main__":
    main()
