"""Reading back a learner's stored answers (`GET /learners/{id}/answers`, `kgplatform export-learner`)
against the learner's mastery (`GET /learners/{id}/mastery`), in one run on one Neo4j.

Seeds one learner (`bench-answers-big`) with --answers answers, four to each answer time (ties: a page
boundary falls inside groups), and --others learners with 20 answers each at the same times (entries of
the index the seeks must skip), then reads through the services the routes call, --reads times per case
after --warmup untimed reads:
  mastery                   MasteryService.mastery: the baseline (the learner has no MASTERY rows: the
                            route's two reads and little else)
  page first / middle / last   LearnerDataService.answer_page, --page answers, from the start, after a
                            cursor in the middle (inside a group of ties) and at the end
  window of a page          `since`/`until` around --page answers in the middle
and prints p50/p99 in milliseconds and each p50's ratio to the mastery read. Then exports the learner
(`learner_data.export.write_export` into a counting sink) once for its time, and once under tracemalloc
for the peak of Python memory it allocated.

It creates its own learners and deletes only them (and their answers) at the end; point it at your own
Neo4j and Redis (see CONTRIBUTING.md). Example:
    python bench/bench_answer_pages.py --answers 100000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.learner_data.export import write_export
from kgplatform.learner_data.paging import Position, encode_cursor
from kgplatform.learner_data.service import LearnerDataService
from kgplatform.learner_data.store import LearnerDataStore
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.settings import get_settings

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_curriculum_edits import percentile  # noqa: E402
from timing import timed  # noqa: E402

PREFIX = "bench-answers-"
BIG = PREFIX + "big"
TIES = 4


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=100_000, help="answers of the learner read")
    parser.add_argument("--others", type=int, default=1_000, help="other learners, 20 answers each")
    parser.add_argument("--page", type=int, default=100, help="answers per page")
    parser.add_argument("--reads", type=int, default=100, help="timed reads per case")
    parser.add_argument("--warmup", type=int, default=20, help="untimed reads per case first")
    return parser.parse_args()


def seed(graph: Graph, answers: int, others: int, start_s: int) -> None:
    now = datetime.now(UTC)
    ids = [f"{PREFIX}{i:05d}" for i in range(others)]
    graph.write("bench/create_bench_learners", ids=[BIG, *ids], now=now)
    rows = [(BIG, k) for k in range(answers)] + [(lid, k) for lid in ids for k in range(20)]
    for start in range(0, len(rows), 20_000):
        part = rows[start : start + 20_000]
        graph.write(
            "bench/create_answers_plain",
            event_ids=[f"{lid}-{k:06d}" for lid, k in part],
            learner_ids=[lid for lid, _ in part],
            task_ids=[f"t{k % 50}" for _, k in part],
            scores=[1.0] * len(part),
            at_s=[start_s + k // TIES for _, k in part],
            at_ns=[0] * len(part),
            durations=[None] * len(part),
            received_at=now,
        )


def clean(graph: Graph) -> None:
    while graph.write("bench/delete_answers_by_learner_prefix", prefix=PREFIX, limit=10_000)[0]["deleted"]:
        pass
    while graph.write("bench/delete_learners_by_prefix", prefix=PREFIX, limit=5_000)[0]["deleted"]:
        pass


def rows_read(result: Any) -> int:
    return len(result.items) if hasattr(result, "items") else len(result.concepts)


class CountingSink:
    """A file that keeps only the number of bytes written to it."""

    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    client = redis.Redis.from_url(settings.redis.url)
    migrate(graph)
    answers = LearnerDataService(LearnerDataStore(graph))
    mastery = MasteryService(MasteryStore(graph))
    start_s = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
    middle_at = datetime.fromtimestamp(start_s + args.answers // 2 // TIES, UTC)
    # Inside a group of ties: the second answer of the middle time.
    middle = encode_cursor(Position(middle_at, f"{BIG}-{args.answers // 2 + 1:06d}"))
    last = encode_cursor(Position(datetime.fromtimestamp(start_s + args.answers, UTC), "z"))
    window = {"since": middle_at, "until": middle_at + timedelta(seconds=args.page // TIES)}
    cases: dict[str, Callable[[], Any]] = {
        "mastery (baseline)": lambda: mastery.mastery(BIG),
        "page first": lambda: answers.answer_page(BIG, limit=args.page),
        "page middle": lambda: answers.answer_page(BIG, after=middle, limit=args.page),
        "page last (empty)": lambda: answers.answer_page(BIG, after=last, limit=args.page),
        "window of a page": lambda: answers.answer_page(BIG, limit=args.page, **window),
    }
    results: dict[str, tuple[list[float], int]] = {}
    clean(graph)
    try:
        started = time.perf_counter()
        seed(graph, args.answers, args.others, start_s)
        seeded_s = time.perf_counter() - started
        for name, read in cases.items():
            results[name] = timed(read, args.warmup, args.reads, rows_read)
        sink = CountingSink()
        started = time.perf_counter()
        exported = write_export(answers, client, BIG, sink)  # type: ignore[arg-type]
        export_s = time.perf_counter() - started
        tracemalloc.start()
        write_export(answers, client, BIG, CountingSink())  # type: ignore[arg-type]
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    finally:
        clean(graph)
        client.close()
        graph.close()

    base = statistics.median(results["mastery (baseline)"][0])
    print(
        f"answer pages of {args.page}: a learner with {args.answers} answers ({TIES} per answer time), "
        f"{args.others} others with 20 each (seeded in {seeded_s:.0f} s), {args.reads} timed reads per case "
        f"after {args.warmup} warm-up, Neo4j {settings.neo4j.uri}"
    )
    print(f"{'case':<20} {'rows':>5} {'p50 ms':>8} {'p99 ms':>8} {'p50 x mastery':>14}")
    for name, (samples, rows) in results.items():
        p50 = statistics.median(samples)
        print(f"{name:<20} {rows:>5} {p50:>8.2f} {percentile(samples, 0.99):>8.2f} {p50 / base:>14.2f}")
    print(
        f"export: {exported} answers, {sink.size / 2**20:.1f} MiB of JSON in {export_s:.1f} s "
        f"({exported / export_s:,.0f} answers/s); peak Python memory allocated {peak / 2**20:.1f} MiB"
    )


if __name__ == "__main__":
    main()
