"""The first batch after a curriculum edit: every learner in it is replayed from their whole history.

Stores a seeded log (default 1,000,000 answers of 10,000 learners on 300 tasks) through the API's code
path (`MasteryService.ingest`), then, in the same run and on the same Neo4j:
  - baseline: one more batch of answers ingested as usual (incremental: each learner continues from their
    stored state);
  - after an edit: the curriculum revision is bumped (what a change to a task's concepts does), and the
    next batch of the same size is ingested: each of its learners is replayed in full, split over
    transactions of at most `--max-replayed` answers (`MasteryService`'s bound).
Prints both times, their ratio, and the number and longest of the transactions after the edit (the API
bounds each transaction by KGP_NEO4J__TRANSACTION_TIMEOUT_S, 30 s by default). With --max-replayed 0 the
batch after the edit is one transaction, as before the bound.

It empties the graph it points at: run it against your own Neo4j (CONTRIBUTING.md) and pass --wipe.
Example: python bench/bench_replay_after_edit.py --wipe --answers 200000 --learners 2000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import batches, load_curriculum, wipe  # noqa: E402
from timing import seconds  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.mastery.service import MAX_REPLAYED_ANSWERS, MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--max-replayed", type=int, default=MAX_REPLAYED_ANSWERS, help="0: no bound")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    return parser.parse_args()


class TimedStore(MasteryStore):
    """Records the wall time of each ingest transaction."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        self.times: list[float] = []

    def run_ingest(self, work: Any) -> Any:
        started = time.perf_counter()
        try:
            return super().run_ingest(work)
        finally:
            self.times.append(time.perf_counter() - started)


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
        rows = make_answers(curriculum, args.learners, args.answers, seed=args.seed)
        body, usual, after_edit = (
            rows[: -2 * args.batch],
            rows[-2 * args.batch : -args.batch],
            rows[-args.batch :],
        )
        store = TimedStore(graph)
        bound = args.max_replayed or sys.maxsize
        service = MasteryService(store, max_replayed_answers=bound)
        started = time.perf_counter()
        parts = batches(body, args.batch)
        for k, batch in enumerate(parts, 1):
            service.ingest(batch)
            if k % 20 == 0 or k == len(parts):
                print(
                    f"  stored {k * args.batch:,} of {len(body):,} answers "
                    f"({time.perf_counter() - started:.0f} s)",
                    flush=True,
                )

        store.times.clear()
        usual_s = seconds(lambda: service.ingest(usual))
        graph.write("curriculum/bump_curriculum_revision")
        store.times.clear()
        edit_s = seconds(lambda: service.ingest(after_edit))
        learners = len({r["learner_id"] for r in after_edit})
        limit = f"{args.max_replayed:,}" if args.max_replayed else "any number of"
        print(
            f"{len(body):,} answers of {args.learners:,} learners stored; batches of {args.batch:,}\n"
            f"baseline, the usual next batch: {usual_s:.1f} s\n"
            f"after an edit, every learner of the batch ({learners:,}) replayed in full: {edit_s:.1f} s "
            f"= {edit_s / usual_s:.1f}x the baseline, in {len(store.times)} transaction(s) of at most "
            f"{limit} replayed answers; the longest took {max(store.times):.1f} s"
        )
    finally:
        graph.close()


if __name__ == "__main__":
    main()
