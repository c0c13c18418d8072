"""Answer ingestion throughput: the API's code path (`MasteryService.ingest`) against a plain CREATE.

Generates a seeded log (default 1,000,000 answers of 10,000 learners on 300 tasks, learners interleaved
in time order), then, in the same run and on the same Neo4j:
  1. baseline: `UNWIND $rows CREATE (:Answer ...)` of the same rows, already converted, same batch size;
  2. ours: `MasteryService.ingest` on the JSON rows a service would post, batch by batch: validation,
     idempotent MERGE, learners, tracer and MASTERY writes, each batch one committed transaction.
Prints answers/s of both, their ratio, the process's peak memory, and the mastery written.

It empties the graph it points at (answers, learners, mastery, concepts and tasks): run it against your own
Neo4j (see CONTRIBUTING.md) and pass --wipe to confirm. Example:
    python bench/bench_ingest.py --wipe --answers 100000
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.mastery.models import AnswerIn
from kgplatform.mastery.service import MasteryService, stored_row
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from kgplatform.settings import get_settings


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (slower; peak of Python objects only)",
    )
    return parser.parse_args()


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def wipe(graph: Graph) -> None:
    """Deletes in bounded transactions, so a million answers never sit in one transaction's state."""
    for name in ("bench/delete_answers_batch", "bench/delete_learners_batch"):
        while graph.write(name, limit=20_000)[0]["deleted"]:
            pass
    graph.write("testing/delete_all_data")


def plain_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows as stored, converted outside the timed part: the baseline does no work of ours."""
    out = [stored_row(AnswerIn.model_validate(row)) for row in rows]
    return out


def run_baseline(graph: Graph, rows: list[dict[str, Any]], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        graph.write("bench/create_answers_plain", rows=rows[i : i + batch], received_at=datetime.now(UTC))
    return time.perf_counter() - start


def run_ours(service: MasteryService, rows: list[dict[str, Any]], batch: int) -> tuple[float, int, int]:
    accepted = written = 0
    start = time.perf_counter()
    for i in range(0, len(rows), batch):
        result = service.ingest(rows[i : i + batch])
        if result.rejected:
            raise SystemExit(f"unexpected rejections: {result.rejected[:3]}")
        accepted += len(result.accepted)
        written += result.mastery_updated
    return time.perf_counter() - start, accepted, written


def load_curriculum(graph: Graph, curriculum: SyntheticCurriculum) -> None:
    """The synthetic curriculum in the graph (before each of the two timed runs, after a wipe)."""
    graph.write(
        "testing/create_mastery_curriculum",
        curriculum_id=curriculum.id,
        concepts=curriculum.concepts,
        tasks=curriculum.tasks,
        prerequisites=curriculum.prerequisites,
        now=datetime.now(UTC),
    )


def main() -> None:
    args = parse_args()
    graph = Graph.connect(get_settings().neo4j)
    try:
        migrate(graph)
        counts = graph.read("testing/count_mastery_data")[0]
        if not args.wipe:
            sys.exit(f"this empties the graph at {get_settings().neo4j.uri} (holds {counts}); pass --wipe")
        wipe(graph)
        curriculum = make_curriculum(args.concepts, args.tasks, seed=args.seed)
        load_curriculum(graph, curriculum)
        t0 = time.perf_counter()
        rows = make_answers(curriculum, args.learners, args.answers, seed=args.seed)
        baseline_input = plain_rows(rows)
        print(
            f"generated {len(rows):,} answers of {args.learners:,} learners on {args.tasks} tasks "
            f"({args.concepts} concepts) in {time.perf_counter() - t0:.1f}s; batches of {args.batch:,}"
        )

        base_s = run_baseline(graph, baseline_input, args.batch)
        del baseline_input
        wipe(graph)
        load_curriculum(graph, curriculum)

        rss_before = peak_rss_mib()
        if args.tracemalloc:
            tracemalloc.start()
        service = MasteryService(MasteryStore(graph))
        ours_s, accepted, written = run_ours(service, rows, args.batch)
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        stored = graph.read("testing/count_mastery_data")[0]

        base_rate, ours_rate = len(rows) / base_s, len(rows) / ours_s
        print(f"baseline  UNWIND CREATE       : {base_rate:10,.0f} answers/s ({base_s:.1f}s)")
        print(
            f"ours      MasteryService.ingest: {ours_rate:10,.0f} answers/s ({ours_s:.1f}s), "
            f"{accepted:,} accepted, {written:,} mastery values written"
        )
        print(f"ratio ours/baseline           : {ours_rate / base_rate:.2f}")
        print(
            f"peak RSS of this process      : {peak_rss_mib():,.0f} MiB "
            f"(before ingest {rss_before:,.0f} MiB, which holds the generated log)"
        )
        if traced_peak is not None:
            print(f"peak traced Python allocations during ingest: {traced_peak:,.0f} MiB")
        print(f"graph now holds               : {stored}")
        wipe(graph)
    finally:
        graph.close()


if __name__ == "__main__":
    main()
