"""`kgplatform retrace` after a refit: every learner replayed from their whole history, against ingesting it.

Stores a seeded log (default 200,000 answers of 2,000 learners on 300 tasks) through the API's code path
(`MasteryService.ingest`, batches of 5,000, in order): that ingest, timed, is the baseline. Then, in the
same run and on the same Neo4j, the tracer's parameters change (another model version, as `fit-tracer`
writes) and `MasteryService.retrace_in_pages` replays every learner, `--page` learners per transaction.
Prints answers/s of both, their ratio (retrace/ingest: how the replay of stored history compares with
storing and tracing it), the longest retrace transaction, and the time of a second retrace, which finds
everyone current and replays nobody (what a run costs that has nothing to do).

It empties the graph it points at: run it against your own Neo4j (CONTRIBUTING.md) and pass --wipe.
Example: python bench/bench_retrace.py --wipe --answers 200000 --learners 2000
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import batches, load_curriculum, wipe  # noqa: E402
from bench_replay_after_edit import TimedStore  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.jobs.store import JobStore  # noqa: E402
from kgplatform.mastery.bkt import TracerParams  # noqa: E402
from kgplatform.mastery.models import RETRACE_PAGE  # noqa: E402
from kgplatform.mastery.service import MasteryService  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=200_000)
    parser.add_argument("--learners", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=5_000, help="answers per ingest batch")
    parser.add_argument("--page", type=int, default=RETRACE_PAGE, help="learners per retrace transaction")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    try:
        migrate(graph)
        if not args.wipe:
            sys.exit(f"this empties the graph at {get_settings().neo4j.uri}; pass --wipe")
        wipe(graph)
        curriculum = make_curriculum(60, 300, seed=args.seed)
        load_curriculum(graph, curriculum)
        rows = sorted(
            make_answers(curriculum, args.learners, args.answers, seed=args.seed),
            key=lambda r: r["answered_at"],
        )
        store = TimedStore(graph)
        defaults = TracerParams.default(tuple(c["id"] for c in curriculum.concepts))
        refit = dataclasses.replace(defaults, p_learn=defaults.p_learn * 0.8, model_version="bkt-bench-refit")

        ingest = MasteryService(store, lambda: defaults)
        parts = batches(rows, args.batch)
        started = time.perf_counter()
        for k, batch in enumerate(parts, 1):
            ingest.ingest(batch)
            if k % 10 == 0 or k == len(parts):
                print(f"  ingested {min(k * args.batch, len(rows)):,} of {len(rows):,} answers", flush=True)
        ingest_s = time.perf_counter() - started

        learner_ids = list(JobStore(graph).learner_ids())
        retrace = MasteryService(store, lambda: refit)
        store.times.clear()
        retrace_s = timed(
            lambda: retrace.retrace_in_pages(learner_ids, args.page, progress(len(learner_ids)))
        )
        longest = max(store.times)
        again_s = timed(lambda: retrace.retrace_in_pages(learner_ids, args.page, lambda page: None))
        ingest_rate, retrace_rate = len(rows) / ingest_s, len(rows) / retrace_s
        print(
            f"{len(rows):,} answers of {len(learner_ids):,} learners; ingest batches of {args.batch:,}, "
            f"retrace pages of {args.page:,} learners\n"
            f"baseline, ingest in order: {ingest_s:.1f} s ({ingest_rate:,.0f} answers/s)\n"
            f"retrace after a refit, every learner replayed: {retrace_s:.1f} s "
            f"({retrace_rate:,.0f} answers/s) "
            f"= {retrace_rate / ingest_rate:.2f}x the baseline's rate; longest transaction {longest:.2f} s\n"
            f"a second retrace, nobody stale: {again_s:.2f} s ({again_s / retrace_s:.3f}x the first)"
        )
    finally:
        graph.close()


def progress(total: int) -> Any:
    done = 0

    def on_page(page: Any) -> None:
        nonlocal done
        done += page.learners
        if done % (10 * page.learners or 1) == 0 or done == total:
            print(f"  retraced {done:,} of {total:,} learners", flush=True)

    return on_page


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
