"""What the learner-only answer index cost each answer written: plain answer writes with and without it.

V0015 (`V0015__contract_drop_answer_learner`, 4 December 2026) drops V0002's index on `Answer.learner_id`,
which V0013's (learner_id, answered_at) index covers. This measures what that saves: in one run, on one Neo4j,
--answers answers of --learners learners are written with bench/create_answers_plain (the statement
bench_ingest's baseline times: UNWIND ... CREATE of --batch rows a transaction) in blocks of --block answers,
alternately with the index (put back by bench/create_answer_learner_index and populated before the block,
untimed) and without it (dropped, untimed); which goes first alternates from block to block, so the
machine's changing load weighs on both. Each block's answers are new (a learner's answers grow as in real
use). Prints answers/s of both and the ratio of their times.

It writes answers only (ids `bench-ix-...`, no learners, no mastery) and deletes them at the end; the index
is left as the migrations left it. Run it against your own Neo4j (see CONTRIBUTING.md). Example:
    python bench/bench_answer_indexes.py --answers 400000
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime
from typing import Any

from tqdm import tqdm

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate, run_schema_statement
from kgplatform.graph.queries import query_text
from kgplatform.settings import get_settings

PREFIX = "bench-ix-"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=400_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--block", type=int, default=25_000, help="answers per block (one side)")
    parser.add_argument("--batch", type=int, default=5_000, help="answers per transaction")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def batch_columns(rng: random.Random, args: argparse.Namespace, first: int) -> dict[str, Any]:
    """One transaction's answers in create_answers_plain's column form, times increasing with `first`."""
    n = args.batch
    return {
        "event_ids": [f"{PREFIX}e{first + i}" for i in range(n)],
        "learner_ids": [f"{PREFIX}l{rng.randrange(args.learners):06d}" for _ in range(n)],
        "task_ids": [f"task-{rng.randrange(300)}" for _ in range(n)],
        "scores": [float(rng.random() < 0.6) for _ in range(n)],
        "at_s": [1_750_000_000 + first + i for i in range(n)],
        "at_ns": [0] * n,
        "durations": [None] * n,
    }


def set_index(graph: Graph, present: bool) -> None:
    name = "bench/create_answer_learner_index" if present else "bench/drop_answer_learner_index"
    run_schema_statement(graph, query_text(name))
    graph.read("bench/await_indexes", seconds=600)


def has_index(graph: Graph) -> bool:
    return any(row["name"] == "answer_learner" for row in graph.read("graph/show_indexes"))


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    migrate(graph)
    had_index = has_index(graph)
    rng = random.Random(args.seed)
    seconds = {True: 0.0, False: 0.0}
    written = {True: 0, False: 0}
    first = 0
    blocks = -(-args.answers // (2 * args.block))
    try:
        with tqdm(total=2 * blocks * args.block, unit="answer", desc="writing") as progress:
            for k in range(blocks):
                for present in (True, False) if k % 2 == 0 else (False, True):
                    set_index(graph, present)
                    for _ in range(args.block // args.batch):
                        columns = batch_columns(rng, args, first)
                        first += args.batch
                        start = time.perf_counter()
                        graph.write("bench/create_answers_plain", **columns, received_at=datetime.now(UTC))
                        seconds[present] += time.perf_counter() - start
                        written[present] += args.batch
                        progress.update(args.batch)
    finally:
        learners = [f"{PREFIX}l{i:06d}" for i in range(args.learners)]
        for start in range(0, len(learners), 200):
            graph.write("bench/delete_answers_of_learners", learner_ids=learners[start : start + 200])
        set_index(graph, had_index)
        graph.close()
    rate = {present: written[present] / seconds[present] for present in (True, False)}
    print(f"{written[True]:,} answers each side, blocks of {args.block:,}, transactions of {args.batch:,}")
    print(f"with answer_learner    : {rate[True]:10,.0f} answers/s ({seconds[True]:.1f}s)")
    print(f"without (V0015)        : {rate[False]:10,.0f} answers/s ({seconds[False]:.1f}s)")
    print(f"time with / without    : {seconds[True] / seconds[False]:.2f}")


if __name__ == "__main__":
    main()
