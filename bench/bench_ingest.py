"""Answer ingestion throughput: the API's code path (`MasteryService.ingest`) against a plain CREATE.

Generates a seeded log (default 1,000,000 answers of 10,000 learners on 300 tasks, learners interleaved
in time order) and measures, in the same run and on the same Neo4j:
  - baseline: `UNWIND ... CREATE (:Answer ...)` of the same rows (already converted, the same aligned-column
    form and batch size as ours; ids prefixed `base-`, so they never meet ours);
  - ours: `MasteryService.ingest` on the JSON rows a service would post, batch by batch: validation,
    idempotency check, answers, learners, tracer and MASTERY writes, each batch one committed transaction.
The two alternate in blocks of --block answers (baseline first in even blocks, ours first in odd ones),
so a change in the machine's load during the run (it is shared) weighs on both alike; each is timed only
while it runs. With --callers N, N threads ingest at once (as N API processes would), each one its own
share of the learners (a learner's answers reach one caller, in time order), and the baseline gets the
same N threads over the same shares. Prints answers/s of both, their ratio, the process's peak memory,
and the mastery written. With --breakdown it also prints where ours spends its wall time: each named
statement (client wall), the commit, Python inside and outside the transaction, and the client's CPU.

It empties the graph it points at (answers, learners, mastery, concepts and tasks): run it against your own
Neo4j (see CONTRIBUTING.md) and pass --wipe to confirm. Example:
    python bench/bench_ingest.py --wipe --answers 200000 --learners 2000
"""

from __future__ import annotations

import argparse
import resource
import sys
import threading
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from datetime import UTC, datetime
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import migrate
from kgplatform.mastery.models import AnswerIn
from kgplatform.mastery.service import MasteryService, stored_row
from kgplatform.mastery.store import IngestTx, MasteryStore, erased_answer_key
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from kgplatform.settings import get_settings

Rows = list[dict[str, Any]]
Columns = dict[str, list[Any]]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--block", type=int, default=50_000, help="answers per alternation block")
    parser.add_argument("--callers", type=int, default=1, help="concurrent callers (threads), both sides")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    parser.add_argument(
        "--breakdown", action="store_true", help="also print where ours spends its time (per statement)"
    )
    parser.add_argument(
        "--erased",
        type=int,
        default=0,
        help="erased answers' digests to keep in the graph first (as erases leave them), so that the "
        "ingest's erased-answer lookup meets a populated index; none of ours is among them",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also trace Python allocations (slower; peak of Python objects only)",
    )
    return parser.parse_args()


def peak_rss_mib() -> float:
    # ru_maxrss is KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Breakdown:
    """Where ingestion's wall time goes: client wall per named statement, the commit (the transaction's
    wall minus the work done inside it: commit, and session set-up, which is small), Python inside the
    transaction (the rest of the work), Python outside it (validation before, the result after) and the
    calling threads' CPU. It wraps two methods of our own classes for the duration of the run and only
    reads the clock around them."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.lock = threading.Lock()

    def add(self, part: str, seconds: float) -> None:
        with self.lock:
            self.seconds[part] += seconds

    @contextmanager
    def installed(self) -> Iterator[None]:
        values, run_ingest = IngestTx._values, MasteryStore.run_ingest
        add = self.add

        def timed_values(tx: IngestTx, name: str, **params: Any) -> list[list[Any]]:
            started = time.perf_counter()
            try:
                return values(tx, name, **params)
            finally:
                add(name, time.perf_counter() - started)

        def timed_run(store: MasteryStore, work: Callable[[IngestTx], Any]) -> Any:
            inside = 0.0

            def timed_work(tx: IngestTx) -> Any:
                nonlocal inside
                started = time.perf_counter()
                try:
                    return work(tx)
                finally:
                    inside += time.perf_counter() - started

            started = time.perf_counter()
            result = run_ingest(store, timed_work)
            add("(in transaction)", inside)
            add("(transaction)", time.perf_counter() - started)
            return result

        IngestTx._values, MasteryStore.run_ingest = timed_values, timed_run  # type: ignore[method-assign]
        try:
            yield
        finally:
            IngestTx._values, MasteryStore.run_ingest = values, run_ingest  # type: ignore[method-assign]

    def print(self, batches: int) -> None:
        seconds = dict(self.seconds)
        total, cpu = seconds.pop("(ingest)"), seconds.pop("(client CPU)")
        in_tx, tx = seconds.pop("(in transaction)"), seconds.pop("(transaction)")
        parts = {f"statement {name}": s for name, s in seconds.items()}
        parts["commit (and session set-up)"] = tx - in_tx
        parts["Python inside the transaction"] = in_tx - sum(seconds.values())
        parts["Python outside it (validation, result)"] = total - tx
        print(f"where ours spends its time, per batch of {total / batches * 1000:.0f} ms:")
        for name, s in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {name:48s} {s / batches * 1000:7.1f} ms  {100 * s / total:4.0f}%")
        print(f"  client CPU (the calling threads): {cpu:.1f} s of {total:.1f} s")
        print(
            "  (mastery/create_answers is sent before the tracer runs and awaited after it: the server's "
            "part overlaps the tracer, what is left is counted in the statement that follows it)"
        )


def wipe(graph: Graph) -> None:
    """Deletes in bounded transactions, so a million answers never sit in one transaction's state."""
    for name in (
        "bench/delete_answers_batch",
        "bench/delete_mastery_batch",
        "bench/delete_learners_batch",
        "testing/delete_relationships_batch",
        "testing/delete_nodes_batch",
    ):
        while graph.write(name, limit=20_000)[0]["deleted"]:
            pass


def keep_erased_digests(graph: Graph, count: int) -> None:
    """`count` digests of erased answers, written as an erase writes them (ids that never meet ours)."""
    for start in range(0, count, 20_000):
        ids = range(start, min(start + 20_000, count))
        graph.write("mastery/create_erased_answers", digests=[erased_answer_key(f"erased-{i}") for i in ids])
    if count:
        print(f"kept {count:,} erased answers' digests")


def baseline_rows(rows: Rows) -> Rows:
    """The rows as stored, converted outside the timed part (the baseline does no work of ours), with
    ids of their own, so that they never meet ours (no duplicate, no replay reading them)."""
    out = []
    for row in rows:
        stored = stored_row(AnswerIn.model_validate(row))
        stored["event_id"], stored["learner_id"] = f"base-{row['event_id']}", f"base-{row['learner_id']}"
        out.append(stored)
    return out


def as_columns(rows: Rows) -> Columns:
    """One batch in the aligned-column form mastery/create_answers (and the baseline) takes."""
    names = {"event_ids": "event_id", "learner_ids": "learner_id", "task_ids": "task_id", "scores": "correct"}
    names |= {"at_s": "at_s", "at_ns": "at_ns", "durations": "duration_s"}
    return {column: [r[key] for r in rows] for column, key in names.items()}


def shares(rows: Rows, callers: int) -> list[Rows]:
    """Each caller's rows: the answers of its own learners (by learner number), in time order."""
    out: list[Rows] = [[] for _ in range(callers)]
    for row in rows:
        out[int(row["learner_id"].rsplit("l", 1)[-1]) % callers].append(row)
    return out


def batches(rows: Rows, size: int) -> list[Rows]:
    return [rows[i : i + size] for i in range(0, len(rows), size)]


def run_callers(
    work: Callable[[Rows], int], share_rows: Sequence[Rows], pool: ThreadPoolExecutor
) -> tuple[float, int]:
    """Runs `work` on each caller's rows at once; returns the wall time and the sum of its results."""
    start = time.perf_counter()
    done = sum(pool.map(work, share_rows))
    return time.perf_counter() - start, done


def load_curriculum(graph: Graph, curriculum: SyntheticCurriculum) -> None:
    """The synthetic curriculum in the graph (after a wipe)."""
    graph.write("testing/create_mastery_curriculum", **curriculum.query_params(), now=datetime.now(UTC))


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
        keep_erased_digests(graph, args.erased)
        t0 = time.perf_counter()
        print(f"generating {args.answers:,} answers and their baseline rows (validated) ...", flush=True)
        rows = make_answers(curriculum, args.learners, args.answers, seed=args.seed)
        base_rows = baseline_rows(rows)
        print(
            f"generated {len(rows):,} answers of {args.learners:,} learners on {args.tasks} tasks "
            f"({args.concepts} concepts) in {time.perf_counter() - t0:.1f}s; batches of {args.batch:,}, "
            f"{args.callers} caller(s), alternating in blocks of {args.block:,}"
        )

        rss_before = peak_rss_mib()
        if args.tracemalloc:
            tracemalloc.start()
        service = MasteryService(MasteryStore(graph))
        totals = {"accepted": 0, "written": 0}
        totals_lock = threading.Lock()
        breakdown = Breakdown()

        def ours(share: Rows) -> int:
            for batch in batches(share, args.batch):
                started, cpu = time.perf_counter(), time.thread_time()
                result = service.ingest(batch)
                breakdown.add("(client CPU)", time.thread_time() - cpu)
                breakdown.add("(ingest)", time.perf_counter() - started)
                if result.rejected:
                    raise SystemExit(f"unexpected rejections: {result.rejected[:3]}")
                with totals_lock:
                    totals["accepted"] += len(result.accepted)
                    totals["written"] += result.mastery_updated
            return len(share)

        def baseline(share: Rows) -> int:
            for batch in batches(share, args.batch):
                graph.write("bench/create_answers_plain", **as_columns(batch), received_at=datetime.now(UTC))
            return len(share)

        base_s = ours_s = 0.0
        timing = breakdown.installed() if args.breakdown else nullcontext()
        blocks = -(-len(rows) // args.block)
        with timing, ThreadPoolExecutor(max_workers=args.callers) as pool:
            for k, start in enumerate(range(0, len(rows), args.block)):
                ours_shares = shares(rows[start : start + args.block], args.callers)
                base_shares = shares(base_rows[start : start + args.block], args.callers)
                for side in ("base", "ours") if k % 2 == 0 else ("ours", "base"):
                    if side == "base":
                        base_s += run_callers(baseline, base_shares, pool)[0]
                    else:
                        ours_s += run_callers(ours, ours_shares, pool)[0]
                if (k + 1) % 4 == 0 or k + 1 == blocks:
                    done = min(start + args.block, len(rows))
                    print(
                        f"  block {k + 1}/{blocks}: {done:,} answers each side; so far baseline "
                        f"{done / base_s:,.0f}/s, ours {done / ours_s:,.0f}/s, ratio {base_s / ours_s:.2f}",
                        flush=True,
                    )
        traced_peak = tracemalloc.get_traced_memory()[1] / 2**20 if args.tracemalloc else None
        stored = graph.read("testing/count_mastery_data")[0]

        base_rate, ours_rate = len(rows) / base_s, len(rows) / ours_s
        print(f"baseline  UNWIND CREATE       : {base_rate:10,.0f} answers/s ({base_s:.1f}s)")
        print(
            f"ours      MasteryService.ingest: {ours_rate:10,.0f} answers/s ({ours_s:.1f}s), "
            f"{totals['accepted']:,} accepted, {totals['written']:,} mastery values written"
        )
        # Tracing allocations or timing each statement slows our side far more than the baseline's.
        skewed = [
            flag for flag, on in (("--tracemalloc", args.tracemalloc), ("--breakdown", args.breakdown)) if on
        ]
        note = f" (not comparable: {' and '.join(skewed)} slow ours only)" if skewed else ""
        print(f"ratio ours/baseline           : {ours_rate / base_rate:.2f}{note}")
        print(
            f"peak RSS of this process      : {peak_rss_mib():,.0f} MiB "
            f"(before ingest {rss_before:,.0f} MiB, which holds the generated log twice)"
        )
        if traced_peak is not None:
            print(f"peak traced Python allocations during ingest: {traced_peak:,.0f} MiB")
        print(f"graph now holds (both sides)  : {stored}")
        if args.breakdown:
            breakdown.print(-(-len(rows) // args.batch))
        wipe(graph)
    finally:
        graph.close()


if __name__ == "__main__":
    main()
