"""A batch for one curriculum on a graph of several: its fan-out and chunks against a baseline that fans out
every learner, as releases before 5 December 2026 did.

Seeds --curricula generated curricula of --concepts concepts, --learners learners in each (20 mastered
concepts and a goal; one in 20 also practised 5 concepts of the next curriculum). Then, --rounds times,
in-process on one Neo4j and one Redis (no Celery: the same BatchRunner steps a worker runs), a batch for
the first curriculum in chunks of --chunk-size:
  - baseline: the fan-out lists every learner; each chunk, sent with the curriculum's id, skips the others;
  - ours: the fan-out lists the curriculum's learners only (`learners_of_curriculum`).
Even rounds run ours first. Prints each case's chunks, fan-out and chunk seconds, the fan-out's peak
Python memory (tracemalloc: what the fan-out allocated beyond what it started with, the chunk messages
included), the job's total, done and skipped, and ours/baseline; it checks that both planned the same
learners. --fan-out-only runs no chunks (at 40,000 learners a curriculum the baseline's chunks take many
minutes): it checks that both sent the same chunks of the curriculum's learners instead.

Seeding 200,000 learners takes minutes: --keep leaves the graph seeded, and --seeded runs on the graph a
--keep run left (same --curricula, --learners and --concepts), so that the code before a change can be
run on the same graph in turn with the code after it (alternate the two; the machine is shared).

It empties the graph and the Redis database it points at (one of 12-15, as the tests): run it against your
own (CONTRIBUTING.md) and pass --wipe.
Example: python bench/bench_curriculum_batch.py --wipe --curricula 5 --learners 4000 --concepts 50
         python bench/bench_curriculum_batch.py --wipe --learners 40000 --fan-out-only --keep
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import tracemalloc
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
    parser.add_argument("--fan-out-only", action="store_true", help="time the fan-outs, run no chunk")
    parser.add_argument("--keep", action="store_true", help="leave the seeded graph for a --seeded run")
    parser.add_argument("--seeded", action="store_true", help="use the graph a --keep run left; no seeding")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if not args.wipe:
        sys.exit("this empties the graph and the Redis database it points at: pass --wipe to confirm")
    import redis

    from kgplatform.graph.driver import Graph
    from kgplatform.jobs.batch import chunk_of, group_by_curriculum
    from kgplatform.planning.cache import plan_key
    from kgplatform.planning.pages import batch_plan_id
    from kgplatform.settings import get_settings
    from tests.integration.jobs.batches import runner
    from tests.wipe_guard import why_not_empty

    settings = get_settings()
    if reason := why_not_empty(settings):
        sys.exit(reason)
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    client.flushdb()
    ids = [f"cur-{k}" for k in range(args.curricula)]
    if not args.seeded:
        wipe(graph)
        seed(graph, ids, args)
    only = ids[0]

    def peak_of_fan_out(job_id: str, listed: str | None) -> float:
        """The fan-out's peak Python allocation, MiB, in a run of its own: tracing every allocation slows
        the run it watches, so the timed run is not traced."""
        client.flushdb()
        tracemalloc.start()
        runner(graph, client).fan_out(
            job_id, listed, datetime.now(UTC), lambda message: None, args.chunk_size
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak / 2**20

    def run(job_id: str, listed: str | None, check: bool) -> tuple[dict[str, Any], set[str]]:
        peak_mb = peak_of_fan_out(f"{job_id}-traced", listed)
        client.flushdb()
        batch = runner(graph, client)
        sent: list[dict[str, Any]] = []
        started = time.perf_counter()
        batch.fan_out(job_id, listed, datetime.now(UTC), sent.append, args.chunk_size)
        fanned = time.perf_counter()
        if not args.fan_out_only:
            for message in sent:
                batch.run_chunk(job_id, *chunk_of(json.loads(json.dumps({**message, "curriculum_id": only}))))
        ended = time.perf_counter()
        status = batch.status(job_id)
        learners = [i for m in sent for i in m["learner_ids"]]
        planned: set[str] = set()
        if args.fan_out_only and check:
            # No chunk ran: the learners the chunks would plan there, by the chunks' own rule.
            for message in sent:
                rows = batch.job_store.mastery_of(message["learner_ids"])
                groups, _ = group_by_curriculum(rows, only, batch.cache.curricula_of)
                planned.update(row["learner_id"] for row in groups.get(only, []))
        elif not args.fan_out_only:
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
            "peak_mb": peak_mb,
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
            # --fan-out-only checks in the first round only: it reads every learner's mastery.
            results[name] = run(f"{name}-{r}", listed, check=r == 0)
        for name in ("baseline", "ours"):
            row, planned = results[name]
            print(
                f"round {r} {name:8}: {row['chunks']} chunks, fan-out {row['fan_out_s']:.2f} s "
                f"(peak {row['peak_mb']:.1f} MiB), chunks "
                f"{row['chunks_s']:.2f} s, total {row['total']:,} done {row['done']:,} skipped "
                f"{row['skipped']:,} ({row['state']}), planned {len(planned):,}"
            )
        (base, base_planned), (ours, ours_planned) = results["baseline"], results["ours"]
        assert base_planned == ours_planned, "the two fan-outs planned different learners"
        fan_out = (
            f"fan-out {ours['fan_out_s'] / base['fan_out_s']:.2f}x, "
            f"peak {ours['peak_mb'] / base['peak_mb']:.2f}x"
        )
        if args.fan_out_only:
            print(f"round {r} ours/baseline: {fan_out}")
            continue
        whole = (ours["fan_out_s"] + ours["chunks_s"]) / (base["fan_out_s"] + base["chunks_s"])
        print(
            f"round {r} ours/baseline: {fan_out}, chunks {ours['chunks_s'] / base['chunks_s']:.3f}x, "
            f"the batch {whole:.3f}x"
        )
    client.flushdb()
    if not args.keep:
        wipe(graph)
    graph.close()


def seed(graph: Any, ids: list[str], args: argparse.Namespace) -> None:
    """--curricula curricula and --learners learners in each (see the module's docstring)."""
    from tests.integration.workers.seeding import learner_rows, seed_curriculum

    started = time.perf_counter()
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
    print(
        f"seeded {args.curricula} curricula of {args.concepts} concepts, {args.learners:,} learners each "
        f"in {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
