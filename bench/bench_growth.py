"""What a year of operation leaves behind: bytes and records per unit of work, in Neo4j, Redis and on disk.

In one run, on one Neo4j and one Redis of your own (CONTRIBUTING.md), best emptied first: it creates
curriculum `growth-bench`, learners `growth-NNNNNN`, API keys and job summaries `growth-*`, and leaves them
(an erased learner's answer digests cannot be told from others' by design), it measures the stores
before and after each kind of work:
  1. baseline: --answers answers posted for --learners learners (`MasteryService.ingest`): the users' own
     data, which grows for good, and the unit the others are compared with;
  2. batch:    --batches recompute-all batches run in-process (fan-out, every chunk, the summary);
  3. edit:     --edits concept edits through the curriculum service (each keeps an audit entry);
  4. keys:     --keys API keys created and revoked;
  5. erase:    --erase of the learners erased (Neo4j, then Redis);
  6. a year:   --days nightly job summaries saved one day apart, as a year of nights does (the summaries
               older than `KGP_WORKERS__JOB_SUMMARY_DAYS` are deleted as each is saved).
For each: nodes per label and relationships per type added, with their payload (the JSON of their
properties; Community Neo4j has no checkpoint, so the store files' size on disk lags) per unit, Redis
keys per prefix added, with how many of them never expire, and Redis memory; then the
per-unit payload as a ratio of one answer's. Disk sizes of the transaction logs, Neo4j's and Redis's
logs are printed at the start and the end. Example:
    python bench/bench_growth.py --learners 200 --answers 20000 --batches 5
"""

from __future__ import annotations

import argparse
import collections
import sys
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import orjson
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.curriculum import service as curriculum
from kgplatform.curriculum.models import ConceptPatch
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.erasure import erase_learner
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.store import PlanStore
from kgplatform.services import neo4j_local, redis_local
from kgplatform.settings import Settings, get_settings

# Run as `python bench/bench_growth.py`, whose folder, not the project's, is first on the path: the seeding
# helper is the tests' (without this it ran only with PYTHONPATH set to the project).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tests.integration.workers.seeding import seed_curriculum  # noqa: E402

CURRICULUM = "growth-bench"
PREFIX = "growth-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument(
        "--answers", type=int, default=20_000, help="answers in all, spread over the learners"
    )
    parser.add_argument("--batches", type=int, default=5, help="recompute-all batches")
    parser.add_argument("--edits", type=int, default=500, help="concept edits")
    parser.add_argument("--keys", type=int, default=50, help="API keys created, then revoked")
    parser.add_argument("--erase", type=int, default=50, help="learners erased")
    parser.add_argument("--days", type=int, default=500, help="nightly job summaries, one per day")
    return parser.parse_args()


def folder_bytes(folder: Path, skip: str | None = None) -> int:
    if not folder.exists():
        return 0
    return sum(
        p.stat().st_size for p in folder.rglob("*") if p.is_file() and (skip is None or skip not in p.parts)
    )


class Snapshot:
    """Counts and sizes of the stores at one moment."""

    def __init__(self, graph: Graph, client: redis.Redis, settings: Settings) -> None:
        # Neo4j Community has no checkpoint procedure, so the store files' size lags what was written:
        # the payload is sized instead, as the JSON of each record's properties (a lower bound of the disk
        # a record takes: Neo4j adds 15 B per node, 34 B per relationship and its property records).
        self.nodes: collections.Counter[str] = collections.Counter()
        self.payload: collections.Counter[str] = collections.Counter()
        for row in graph.read("bench/read_all_properties"):
            name = row["name"] if row["kind"] == "node" else f"[:{row['name']}]"
            self.nodes[name] += 1
            self.payload[name] += len(orjson.dumps(row["props"], default=str))
        self.keys: collections.Counter[str] = collections.Counter()
        self.keys_no_ttl: collections.Counter[str] = collections.Counter()
        names = list(client.scan_iter(count=1000))
        with client.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.ttl(name)
            ttls = pipe.execute()
        for name, ttl in zip(names, ttls, strict=True):
            prefix = key_prefix(name.decode())
            self.keys[prefix] += 1
            self.keys_no_ttl[prefix] += ttl == -1
        self.redis_bytes = int(client.info("memory")["used_memory"])
        neo4j = neo4j_local.layout_for(settings)
        self.store_bytes = sum(self.payload.values())
        self.tx_log_bytes = folder_bytes(neo4j.data_dir / "transactions")
        self.log_bytes = folder_bytes(neo4j.home / "logs") + folder_bytes(
            redis_local.home(settings), skip="appendonlydir"
        )


def key_prefix(name: str) -> str:
    """`kgp:job:<id>:chunks` -> `kgp:job:*:chunks`; `kgp:plan:<learner>` -> `kgp:plan:*`."""
    parts = name.split(":")
    if parts[0] == "kgp" and len(parts) >= 3:
        return ":".join([*parts[:2], "*", *parts[3:]])
    return parts[0].split(".")[0] + "*"


def report(label: str, units: int, before: Snapshot, after: Snapshot, per_answer: float | None) -> float:
    store = (after.store_bytes - before.store_bytes) / units
    ratio = f", {store / per_answer:.2f}x one answer's" if per_answer else ""
    print(
        f"\n{label}: {units} units; Neo4j payload {store:+,.0f} B/unit{ratio}; "
        f"Redis memory +{(after.redis_bytes - before.redis_bytes) / units:,.0f} B/unit"
    )
    for name in sorted(set(after.nodes) | set(before.nodes)):
        if (delta := after.nodes[name] - before.nodes[name]) != 0:
            payload = after.payload[name] - before.payload[name]
            print(
                f"  ({name}) {delta:+d} ({delta / units:+.3f}/unit; now {after.nodes[name]}), "
                f"payload {payload / units:+,.0f} B/unit"
            )
    for prefix in sorted(set(after.keys) | set(before.keys)):
        delta = after.keys[prefix] - before.keys[prefix]
        no_ttl = after.keys_no_ttl[prefix] - before.keys_no_ttl[prefix]
        if delta or no_ttl:
            print(f"  {prefix} {delta:+d} keys, {no_ttl:+d} of them without expiry")
    return store


def measured(
    graph: Graph,
    client: redis.Redis,
    settings: Settings,
    label: str,
    units: int,
    work: Callable[[], None],
    per_answer: float | None,
) -> float:
    before = Snapshot(graph, client, settings)
    work()
    return report(label, units, before, Snapshot(graph, client, settings), per_answer)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    document = seed_curriculum(graph, CURRICULUM, concepts=40)
    tasks = [t.id for t in document.tasks]
    learners = [f"{PREFIX}{i:06d}" for i in range(args.learners)]
    start = Snapshot(graph, client, settings)
    print(f"start: tx logs {start.tx_log_bytes:,} B, Neo4j and Redis logs {start.log_bytes:,} B")
    mastery = MasteryService(MasteryStore(graph))
    rng = np.random.default_rng(7)
    t0 = datetime.now(UTC) - timedelta(days=30)

    def post_answers() -> None:
        rows = [
            {
                "event_id": uuid.uuid4().hex,
                "learner_id": learners[i % len(learners)],
                "task_id": tasks[int(rng.integers(len(tasks)))],
                "correct": bool(rng.random() < 0.6),
                "answered_at": (t0 + timedelta(seconds=i)).isoformat(),
            }
            for i in range(args.answers)
        ]
        for at in range(0, len(rows), 2000):
            mastery.ingest(rows[at : at + 2000])

    per_answer = measured(graph, client, settings, "answers (baseline)", args.answers, post_answers, None)

    runner = BatchRunner(
        PlanStore(graph), JobStore(graph), client, settings.workers, TracerParams.default(())
    )

    def batches() -> None:
        for n in range(args.batches):
            sent: list[dict] = []
            job_id = f"growth-batch-{uuid.uuid4().hex[:8]}-{n}"
            runner.fan_out(job_id, None, datetime.now(UTC), sent.append, 100)
            for message in sent:
                chunk, now, only = chunk_of(message)
                runner.run_chunk(job_id, chunk, now, only, "bench")
            assert runner.status(job_id).state is JobState.SUCCEEDED, runner.status(job_id)

    measured(graph, client, settings, "recompute-all batches", args.batches, batches, per_answer)

    concept_ids = [c.id for c in document.concepts]

    def edits() -> None:
        for n in range(args.edits):
            cid = concept_ids[n % len(concept_ids)]
            etag = f'"{curriculum.get_concept(graph, cid).version}"'
            curriculum.update_concept(graph, cid, etag, ConceptPatch(name=f"concept {cid} v{n}"), "bench")

    measured(graph, client, settings, "concept edits", args.edits, edits, per_answer)

    def keys() -> None:
        for n in range(args.keys):
            issued = auth.issue_key(graph, role=Role.SERVICE, name=f"growth-bench-{n}", actor="bench")
            auth.revoke_key(graph, issued.id, actor="bench")

    measured(graph, client, settings, "API keys created and revoked", args.keys, keys, per_answer)

    def erase() -> None:
        for learner_id in learners[: args.erase]:
            erase_learner(mastery, client, learner_id)

    measured(graph, client, settings, "learners erased", args.erase, erase, per_answer)

    jobs = JobStore(graph, settings.workers.job_summary_days)
    night = datetime.now(UTC) - timedelta(days=args.days)

    def nights() -> None:
        for day in range(args.days):
            ended = night + timedelta(days=day + 1)
            jobs.save_summary(
                JobStatus(
                    id=f"growth-night-{day:04d}",
                    kind="recompute_all",
                    state=JobState.SUCCEEDED,
                    created_at=ended - timedelta(hours=1),
                    finished_at=ended,
                )
            )

    measured(
        graph, client, settings, f"nightly summaries over {args.days} days", args.days, nights, per_answer
    )
    end = Snapshot(graph, client, settings)
    print(
        f"\nend: tx logs {end.tx_log_bytes:,} B, Neo4j and Redis logs {end.log_bytes:,} B; "
        f"(:Job) summaries kept {end.nodes['Job']} (KGP_WORKERS__JOB_SUMMARY_DAYS={jobs.summary_days})"
    )
    graph.close()


if __name__ == "__main__":
    main()
