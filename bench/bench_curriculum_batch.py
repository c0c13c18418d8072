"""A batch for one curriculum on a graph of several: its fan-out and chunks against a baseline that fans out
every learner, as releases before 5 December 2026 did.

Seeds --curricula generated curricula of --concepts concepts, --learners learners in each (20 mastered
concepts and a goal; one in 20 also practised 5 concepts of the next curriculum). Then, --rounds times,
in-process on one Neo4j and one Redis (no Celery: the same BatchRunner steps a worker runs), a batch for
the first curriculum in chunks of --chunk-size:
  - baseline: the fan-out lists every learner; each chunk, sent with the curriculum's id, skips the others;
  - ours: the fan-out lists the curriculum's learners only (`learners_of_curriculum`).
Even rounds run ours first. Prints each case's chunks, fan-out and chunk seconds, the job's total, done
and skipped, and ours/baseline; it checks that both planned the same learners.

It empties the graph and the Redis database it points at (one of 12-15, as the tests): run it against your
own (CONTRIBUTING.md) and pass --wipe.
Example: python bench/bench_curriculum_batch.py --wipe --curricula 5 --learners 4000 --concepts 50
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_ingest import wipe  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--curricula", type=int, default=5)
    parser.add_argument("--learners", type=int, default=4000, help="per curriculum")
    parser.add_argument("--concepts", type=int, default=50, help="per curriculum")
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph and the Redis db are emptied")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.wipe:
        sys.exit("this empties the graph and the Redis database it points at: pass --wipe to confirm")
    import redis

    from kgplatform.graph.driver import Graph
    from kgplatform.jobs.batch import chunk_of
    from kgplatform.planning.cache import plan_key
    from kgplatform.planning.pages import batch_plan_id
    from kgplatform.settings import get_settings
    from tests.integration.jobs.batches import runner
    from tests.integration.workers.seeding import learner_rows, seed_curriculum
    from tests.wipe_guard import why_not_empty

    settings = get_settings()
    if reason := why_not_empty(settings):
        sys.exit(reason)
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    client.flushdb()
    wipe(graph)
    ids = [f"cur-{k}" for k in range(args.curricula)]
    docs = [seed_curriculum(graph, cid, concepts=args.concepts, seed=k) for k, cid in enumerate(ids)]
    now = datetime.now(UTC)
    for k, doc in enumerate(docs):
        concepts = [c.id for c in doc.concepts]
        for start in range(0, args.learners, 2500):
            rows = learner_rows(
                range(start, min(start + 2500, args.learners)), f"l{k}-", concepts, mastery=20
            )
            if k + 1 < len(docs):
                following = [c.id for c in docs[k + 1].concepts][:5]
                for row in rows[::20]:
                    row["mastery"] += [{**row["mastery"][0], "concept_id": c} for c in following]
            graph.write("testing/create_plan_learners", rows=rows, now=now)
    print(f"seeded {args.curricula} curricula of {args.concepts} concepts, {args.learners:,} learners each")
    only = ids[0]

    def run(job_id: str, listed: str | None) -> tuple[dict[str, Any], set[str]]:
        client.flushdb()
        batch = runner(graph, client)
        sent: list[dict[str, Any]] = []
        started = time.perf_counter()
        batch.fan_out(job_id, listed, datetime.now(UTC), sent.append, args.chunk_size)
        fanned = time.perf_counter()
        for message in sent:
            batch.run_chunk(job_id, *chunk_of(json.loads(json.dumps({**message, "curriculum_id": only}))))
        ended = time.perf_counter()
        status = batch.status(job_id)
        learners = [i for m in sent for i in m["learner_ids"]]
        plans = client.mget([plan_key(i) for i in learners]) if learners else []
        planned = {
            i
            for i, raw in zip(learners, plans, strict=True)
            if raw and json.loads(raw)["id"] == batch_plan_id(job_id, i)
        }
        row = {
            "chunks": len(sent),
            "fan_out_s": fanned - started,
            "chunks_s": ended - fanned,
            "total": status.total,
            "done": status.done,
            "skipped": status.skipped,
            "state": status.state.value,
        }
        return row, planned

    for r in range(args.rounds):
        cases = [("ours", only), ("baseline", None)]
        results = {}
        for name, listed in cases if r % 2 == 0 else reversed(cases):
            results[name] = run(f"{name}-{r}", listed)
        for name in ("baseline", "ours"):
            row, planned = results[name]
            print(
                f"round {r} {name:8}: {row['chunks']} chunks, fan-out {row['fan_out_s']:.2f} s, chunks "
                f"{row['chunks_s']:.2f} s, total {row['total']:,} done {row['done']:,} skipped "
                f"{row['skipped']:,} ({row['state']}), planned {len(planned):,}"
            )
        (base, base_planned), (ours, ours_planned) = results["baseline"], results["ours"]
        assert base_planned == ours_planned, "the two fan-outs planned different learners"
        whole = (ours["fan_out_s"] + ours["chunks_s"]) / (base["fan_out_s"] + base["chunks_s"])
        print(
            f"round {r} ours/baseline: fan-out {ours['fan_out_s'] / base['fan_out_s']:.2f}x, chunks "
            f"{ours['chunks_s'] / base['chunks_s']:.3f}x, the batch {whole:.3f}x"
        )
    client.flushdb()
    wipe(graph)
    graph.close()


if __name__ == "__main__":
    main()
