"""The batch's retrace of stale learners (KGP_WORKERS__BATCH_RETRACE): what it adds to a night's batch.

Stores a seeded log (default 200,000 answers of 2,000 learners on 300 tasks, through
`MasteryService.ingest` in order, untimed), then, in each round, on the same Neo4j and Redis, runs the
batch's steps in this process as a worker runs them (`BatchRunner.fan_out`, then `run_chunk` for each
chunk of --chunk-size learners):
  1. baseline: the batch without the retrace (the setting off: plans from mastery as stored);
  2. nobody stale: the batch with the retrace, everyone already current (what most nights pay: a read of
     the chunk's stamps, no lock taken);
  3. everyone stale: the tracer's parameters change (a new model version, as `fit-tracer` or a retrain
     with edges makes every stamp stale), then the batch with the retrace replays every learner.
Prints each batch's time and its ratio to the baseline of the same round, and the retrace's own time in
2 and 3 (the whole batch's time is noisy on a shared machine; the retrace's part of it much less), with
the replay's answers/s in 3.

It empties the graph and the Redis database it points at: run it against your own (CONTRIBUTING.md) and
pass --wipe. Example: python bench/bench_batch_retrace.py --wipe --rounds 2
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import batches, load_curriculum, wipe  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.jobs.batch import BatchRunner, chunk_of  # noqa: E402
from kgplatform.jobs.batch_retrace import ChunkRetracer  # noqa: E402
from kgplatform.jobs.models import JobState  # noqa: E402
from kgplatform.jobs.store import JobStore  # noqa: E402
from kgplatform.mastery.bkt import TracerParams  # noqa: E402
from kgplatform.mastery.service import MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.planning.store import PlanStore  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--wipe", action="store_true", help="confirm: the graph's and Redis's data is deleted"
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    try:
        migrate(graph)
        if not args.wipe:
            sys.exit(f"this empties {settings.neo4j.uri} and Redis at {settings.redis.url}; pass --wipe")
        wipe(graph)
        client.flushdb()
        curriculum = make_curriculum(60, 300, seed=args.seed)
        load_curriculum(graph, curriculum)
        rows = sorted(
            make_answers(curriculum, args.learners, args.answers, seed=args.seed),
            key=lambda r: r["answered_at"],
        )
        params = TracerParams.default(tuple(c["id"] for c in curriculum.concepts))
        ingest = MasteryService(MasteryStore(graph), lambda: params)
        for k, batch in enumerate(batches(rows, 5_000), 1):
            ingest.ingest(batch)
            if k % 10 == 0:
                print(f"  ingested {k * 5_000:,} of {len(rows):,} answers", flush=True)
        learners = sum(1 for _ in JobStore(graph).learner_ids())

        def batch_s(job_id: str, retrace: bool) -> tuple[float, int, float]:
            retracer = (
                TimedRetracer(MasteryService(MasteryStore(graph), lambda: params), client, 300.0)
                if retrace
                else None
            )
            runner = BatchRunner(
                PlanStore(graph), JobStore(graph), client, settings.workers, params, retracer=retracer
            )
            started = time.perf_counter()
            sent: list[dict[str, Any]] = []
            runner.fan_out(job_id, None, datetime.now(UTC), sent.append, args.chunk_size)
            for message in sent:
                runner.run_chunk(job_id, *chunk_of(json.loads(json.dumps(message))))
            took = time.perf_counter() - started
            status = runner.status(job_id)
            assert status.state is JobState.SUCCEEDED and status.done == learners, status
            return took, status.retraced, retracer.spent_s if retracer else 0.0

        batch_s("warm-up", retrace=False)  # a cold page cache and JIT are not the baseline's to pay
        print(f"{len(rows):,} answers of {learners:,} learners; chunks of {args.chunk_size:,}")
        for round_no in range(1, args.rounds + 1):
            base_s, _, _ = batch_s(f"base-{round_no}", retrace=False)
            current_s, none, checked_s = batch_s(f"current-{round_no}", retrace=True)
            assert none == 0, none
            params = dataclasses.replace(params, model_version=f"bkt-bench-refit-{round_no}")
            stale_s, replayed, replay_s = batch_s(f"stale-{round_no}", retrace=True)
            assert replayed == learners, replayed
            print(
                f"round {round_no}: baseline (no retrace) {base_s:.2f} s; "
                f"nobody stale {current_s:.2f} s ({current_s / base_s:.2f}x; the check itself "
                f"{checked_s:.3f} s = {checked_s / base_s:.3f}x the baseline); "
                f"everyone stale {stale_s:.2f} s ({stale_s / base_s:.2f}x; "
                f"the replay itself {replay_s:.2f} s, "
                f"{len(rows) / replay_s:,.0f} answers/s)",
                flush=True,
            )
    finally:
        graph.close()
        client.close()


class TimedRetracer(ChunkRetracer):
    """The retracer the workers use, adding up the time its calls take (the rest of a batch is planning)."""

    spent_s = 0.0

    def __call__(self, learner_ids: Any, *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().__call__(learner_ids, *args, **kwargs)
        finally:
            self.spent_s += time.perf_counter() - started


if __name__ == "__main__":
    main()
