"""The transfer model's training-log export from Neo4j against a plain read of the same answers.

In one run, on your own Neo4j (CONTRIBUTING.md; it empties the graph, so pass --wipe): loads a synthetic
curriculum (60 concepts, 300 tasks, every fourth task on two concepts) and --answers answers of
--learners learners with a plain UNWIND CREATE, then times, in alternating rounds after one untimed
warm-up of each:
  - baseline: the answers' four columns read with `MATCH (a:Answer) RETURN collect(...)`, no order;
  - ours: `transfer.data.export_from_graph` (concepts, prerequisites, the answers in learner and time
    order, each task's concepts, and the expansion to one row per answer and concept in numpy),
and prints the medians, their ratio, and this process's peak RSS. Example:
    python bench/bench_transfer_export.py --wipe --answers 400000
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_ingest import as_columns, baseline_rows, load_curriculum, make_answers, make_curriculum, wipe  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402
from kgplatform.transfer.data import export_from_graph  # noqa: E402

LOAD_BATCH = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=400_000)
    parser.add_argument("--learners", type=int, default=4_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--wipe", action="store_true", help="required: the graph is emptied first and after")
    args = parser.parse_args()
    settings = get_settings()
    if not args.wipe:
        sys.exit(f"this empties the graph at {settings.neo4j.uri}; pass --wipe")
    graph = Graph.connect(settings.neo4j)
    try:
        migrate(graph)
        wipe(graph)
        curriculum = make_curriculum(60, 300, seed=0)
        load_curriculum(graph, curriculum)
        print(f"loading {args.answers:,} answers of {args.learners:,} learners ...", flush=True)
        rows = baseline_rows(make_answers(curriculum, args.learners, args.answers, seed=0))
        for start in range(0, len(rows), LOAD_BATCH):
            graph.write(
                "bench/create_answers_plain",
                **as_columns(rows[start : start + LOAD_BATCH]),
                received_at=datetime.now(UTC),
            )
        del rows

        def plain() -> int:
            return len(graph.read_plain("bench/read_answer_columns_plain")[0]["event_ids"])

        def ours() -> int:
            return len(export_from_graph(graph)[1].user)

        sides = {"baseline": plain, "ours": ours}
        sizes = {name: side() for name, side in sides.items()}  # untimed warm-up of each
        times: dict[str, list[float]] = {name: [] for name in sides}
        for round_no in range(1, args.rounds + 1):
            for name, side in sides.items() if round_no % 2 else reversed(sides.items()):
                started = time.perf_counter()
                side()
                times[name].append(time.perf_counter() - started)
            base_s, ours_s = times["baseline"][-1], times["ours"][-1]
            print(
                f"  round {round_no}/{args.rounds}: baseline {base_s:.2f} s, ours {ours_s:.2f} s", flush=True
            )
        base, mine = statistics.median(times["baseline"]), statistics.median(times["ours"])
        print(f"answers read by the baseline: {sizes['baseline']:,}; log rows of ours: {sizes['ours']:,}")
        print(f"baseline, plain read of the answer columns: {base:6.2f} s (median of {args.rounds})")
        print(f"ours, export_from_graph:                    {mine:6.2f} s (median of {args.rounds})")
        print(f"ratio ours / baseline: {mine / base:.2f}")
        print(
            f"peak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB"
        )
    finally:
        wipe(graph)
        graph.close()


if __name__ == "__main__":
    main()
