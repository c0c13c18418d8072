"""V0021 (MASTERY.last_task_id from the stored answers) against writing the same relationships plainly.

Generates a seeded log (default 100,000 answers of 1,000 learners on 300 tasks of 100 concepts), ingests
it through `MasteryService.ingest` (mastery with last_task_id, as this release writes it) and keeps the
values written. Then, --rounds times, on the same Neo4j, each case starting from every last_task_id removed
(mastery as a release before 4 December 2026 left it):
  - baseline: bench/set_last_task_plain, V0021's own shape (learners with a relationship lacking the
    property, in id order, each locked, 100 per transaction) setting a constant: the writes alone;
  - ours: V0021's statement, run as `migrate` runs it (auto-committed, its own transactions).
Even rounds run ours first, so a change in the shared machine's load weighs on both. Prints each case's
seconds, relationships filled per second and ours/baseline, and checks after each of ours that every
relationship holds the value the ingest wrote.

It empties the graph it points at: run it against your own Neo4j (CONTRIBUTING.md) and pass --wipe.
Example: python bench/bench_last_task_backfill.py --wipe --learners 1000 --concepts 100 --answers 100000
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ingest import batches, load_curriculum, wipe  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import discover_migrations, migrate, run_schema_statement  # noqa: E402
from kgplatform.graph.queries import query_text  # noqa: E402
from kgplatform.mastery.service import MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402

MIGRATION = "V0021__mastery_last_task"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=1_000)
    parser.add_argument("--concepts", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--days", type=float, default=120.0)
    parser.add_argument("--batch", type=int, default=10_000, help="answers per ingest call (the seeding)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    return parser.parse_args()


def last_tasks(graph: Graph) -> dict[tuple[str, str], str | None]:
    return {
        (m["learner_id"], m["concept_id"]): m["last_task_id"] for m in graph.read("testing/list_all_mastery")
    }


def timed(graph: Graph, statement: str) -> float:
    removed = graph.write("bench/remove_last_task_ids")[0]["removed"]
    assert removed, "nothing to fill"
    started = time.perf_counter()
    run_schema_statement(graph, statement)
    return time.perf_counter() - started


def main() -> None:
    args = parse_args()
    if not args.wipe:
        sys.exit("this empties the graph it points at: pass --wipe to confirm")
    graph = Graph.connect(get_settings().neo4j)
    try:
        migrate(graph)
        wipe(graph)
        curriculum = make_curriculum(args.concepts, args.tasks, seed=args.seed)
        load_curriculum(graph, curriculum)
        log = make_answers(curriculum, args.learners, args.answers, days=args.days, seed=args.seed)
        service = MasteryService(MasteryStore(graph))
        started = time.perf_counter()
        for batch in batches(log, args.batch):
            service.ingest(batch)
        ingested = last_tasks(graph)
        pairs = len(ingested)
        print(
            f"seeded {args.answers:,} answers of {args.learners:,} learners on {args.tasks} tasks of "
            f"{args.concepts} concepts in {time.perf_counter() - started:.1f} s: {pairs:,} MASTERY"
        )
        [migration] = [m for m in discover_migrations() if m.label == MIGRATION]
        [ours] = migration.statements
        plain = query_text("bench/set_last_task_plain")
        for round_no in range(args.rounds):
            seconds: dict[str, float] = {}
            for case in ("ours", "baseline") if round_no % 2 == 0 else ("baseline", "ours"):
                seconds[case] = timed(graph, ours if case == "ours" else plain)
                if case == "ours":
                    assert last_tasks(graph) == ingested, "V0021 gave other values than the ingest"
            print(
                f"round {round_no + 1}: ours {seconds['ours']:.2f} s ({pairs / seconds['ours']:,.0f}/s), "
                f"baseline {seconds['baseline']:.2f} s ({pairs / seconds['baseline']:,.0f}/s), "
                f"ratio {seconds['ours'] / seconds['baseline']:.2f}"
            )
        wipe(graph)
    finally:
        graph.close()


if __name__ == "__main__":
    main()
