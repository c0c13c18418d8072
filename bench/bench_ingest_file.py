"""`kgplatform ingest FILE` against an in-process ingest of the same rows, same run.

Generates a seeded log (default 100,000 answers of 1,000 learners over 300 days on 300 tasks), writes it
as JSON Lines (and CSV with --csv) in time order, and on the same Neo4j, each scenario from an emptied
graph with the same curriculum:
  - ingest: `MasteryService.ingest` in this process, the rows in time order, batches of --batch (what the
    demo and `bench_backfill.py` run: no file, no JSON);
  - cli jsonl: `kgplatform ingest FILE.jsonl --batch-size B` as a subprocess (its start, the reading and
    the plans' stamps in Redis included);
  - cli jsonl again: the same command once more on the filled graph: every row a duplicate;
  - cli csv (--csv): the CSV file, from an emptied graph;
  - cli dry run (--dry-run): `kgplatform ingest FILE.jsonl --dry-run` on an emptied graph (every row to
    store: what a first dry run of an export does), checked to store nothing.
  - cli shuffled, cli shuffled --sort (--shuffled): the same rows in a seeded random order, as a JSON Lines
    file, ingested as they come and with `--sort` (its sort, in pieces of 100,000 rows on disk, included).
Prints answers/s and each scenario's ratio to `ingest` of the same round, and checks after each that
the graph holds every answer once and the same mastery as `ingest` (within 1e-9).

It empties the graph it points at: run it against your own Neo4j and Redis (CONTRIBUTING.md) and pass
--wipe. Example: python bench/bench_ingest_file.py --wipe --answers 100000 --learners 1000
"""

from __future__ import annotations

import argparse
import csv
import gc
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_backfill import same_mastery  # noqa: E402
from bench_ingest import batches, load_curriculum, wipe  # noqa: E402

from kgplatform.graph.driver import Graph  # noqa: E402
from kgplatform.graph.migrations import migrate  # noqa: E402
from kgplatform.mastery.service import CurrentParams, MasteryService  # noqa: E402
from kgplatform.mastery.store import MasteryStore  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402
from kgplatform.settings import get_settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=100_000)
    parser.add_argument("--learners", type=int, default=1_000)
    parser.add_argument("--days", type=float, default=300.0)
    parser.add_argument("--tasks", type=int, default=300)
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--batch", type=int, default=5_000, help="answers per batch (at most 10,000)")
    parser.add_argument("--csv", action="store_true", help="also ingest the same rows from a CSV file")
    parser.add_argument("--dry-run", action="store_true", help="also time a dry run of the JSON Lines file")
    parser.add_argument(
        "--shuffled", action="store_true", help="also a shuffled file, as it comes and with --sort"
    )
    parser.add_argument("--rounds", type=int, default=1, help="every scenario again (even rounds reversed)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--wipe", action="store_true", help="confirm: the graph's data is deleted")
    return parser.parse_args()


def write_files(rows: list[dict[str, Any]], folder: Path) -> tuple[Path, Path]:
    jsonl, table = folder / "answers.jsonl", folder / "answers.csv"
    with jsonl.open("w") as out:
        out.writelines(json.dumps(row) + "\n" for row in rows)
    with table.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return jsonl, table


def run_cli(path: Path, batch: int, *options: str) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    done = subprocess.run(
        [sys.executable, "-m", "kgplatform.cli", "ingest", str(path), "--batch-size", str(batch), *options],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        sys.exit(f"kgplatform ingest exited {done.returncode}: {done.stderr.strip()}")
    said = [line for line in done.stderr.splitlines() if "sorted by answered_at" in line]
    for line in [*said, *done.stdout.strip().splitlines()]:
        print(f"    {line}", flush=True)


def main() -> None:
    args = parse_args()
    settings = get_settings()
    graph = Graph.connect(settings.neo4j)
    try:
        migrate(graph)
        if not args.wipe:
            held = graph.read("testing/count_mastery_data")[0]
            sys.exit(f"this empties the graph at {settings.neo4j.uri} (holds {held}); pass --wipe")
        curriculum = make_curriculum(args.concepts, args.tasks, seed=args.seed)
        rows = make_answers(curriculum, args.learners, args.answers, days=args.days, seed=args.seed)
        rows.sort(key=lambda r: (r["answered_at"], r["event_id"]))
        gc.freeze()  # the log stays in this process; the CLI's process never holds it
        service = MasteryService(MasteryStore(graph), CurrentParams(settings))
        with tempfile.TemporaryDirectory() as folder:
            jsonl, table = write_files(rows, Path(folder))
            print(
                f"{len(rows):,} answers of {args.learners:,} learners over {args.days:g} days, batches of "
                f"{args.batch:,}; {jsonl.stat().st_size / 2**20:.1f} MiB of JSON Lines",
                flush=True,
            )

            def in_process() -> None:
                for chunk in batches(rows, args.batch):
                    service.ingest(chunk)

            scenarios: list[tuple[str, Any, bool]] = [
                ("ingest", in_process, True),
                ("cli jsonl", lambda: run_cli(jsonl, args.batch), True),
                ("cli jsonl again", lambda: run_cli(jsonl, args.batch), False),
            ]
            if args.csv:
                scenarios.append(("cli csv", lambda: run_cli(table, args.batch), True))
            if args.dry_run:
                scenarios.append(("cli dry run", lambda: run_cli(jsonl, args.batch, "--dry-run"), True))
            if args.shuffled:
                shuffled = Path(folder) / "shuffled.jsonl"
                with shuffled.open("w") as out:
                    mixed = random.Random(args.seed).sample(rows, len(rows))
                    out.writelines(json.dumps(row) + "\n" for row in mixed)
                    del mixed
                scenarios.append(("cli shuffled", lambda: run_cli(shuffled, args.batch), True))
                scenarios.append(("cli shuffled sort", lambda: run_cli(shuffled, args.batch, "--sort"), True))
            reference: list[dict[str, Any]] | None = None
            for round_no in range(1, args.rounds + 1):
                rates: dict[str, float] = {}
                # Even rounds reversed (the machine's load drifts), "again" kept right after the run
                # whose graph it finds.
                order = scenarios if round_no % 2 else [*scenarios[:2:-1], *scenarios[1:3], scenarios[0]]
                for name, work, fresh in order:
                    if fresh:
                        wipe(graph)
                        load_curriculum(graph, curriculum)
                    started = time.perf_counter()
                    work()
                    elapsed = time.perf_counter() - started
                    stored = graph.read("testing/count_mastery_data")[0]
                    mastery = graph.read("testing/list_all_mastery")
                    if name == "cli dry run":  # read only: the emptied graph stays empty
                        checked = "nothing stored"
                        checks = stored["answers"] == 0 and not mastery
                    else:
                        checked = "every answer once and the same mastery as the first scenario"
                        reference = reference if reference is not None else mastery
                        checks = stored["answers"] == len(rows) and same_mastery(mastery, reference)
                    rates[name] = len(rows) / elapsed
                    print(
                        f"round {round_no} {name:16s}: {rates[name]:8,.0f} answers/s ({elapsed:6.1f} s); "
                        f"{checked}: {'yes' if checks else 'NO'}",
                        flush=True,
                    )
                ratios = ", ".join(f"{name} {rate / rates['ingest']:.2f}" for name, rate in rates.items())
                print(f"round {round_no} ratios to ingest: {ratios}", flush=True)
        wipe(graph)
    finally:
        graph.close()


if __name__ == "__main__":
    main()
