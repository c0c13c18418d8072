"""`kgplatform ingest --sort`'s sort alone: time and peak memory against reading the same file unsorted.

Writes a shuffled JSON Lines file of --answers generated answers, then in separate processes (so that each
peak RSS is its own), alternating --rounds times:
  - read: every row of the file read as `kgplatform ingest` reads it (`read_answer_rows`), nothing kept;
  - sort: the same rows through `sorted_by_time` (pieces of --rows-in-memory on disk, merged), every row
    taken from the merge.
Prints rows/s, peak RSS and the sort's ratios to the read, and checks that the sorted rows come in time
order and are all there. Needs no service.

Example: python bench/bench_answer_sort.py --answers 1000000
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kgplatform.mastery.answer_files import read_answer_rows  # noqa: E402
from kgplatform.mastery.answer_sort import sort_key, sorted_by_time  # noqa: E402
from kgplatform.mastery.synthetic import make_answers, make_curriculum  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--learners", type=int, default=10_000)
    parser.add_argument("--rows-in-memory", type=int, default=None, help="default: the command's own")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--one", choices=["read", "sort"], help=argparse.SUPPRESS)  # a child's part
    parser.add_argument("--file", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def child(args: argparse.Namespace) -> None:
    """One part, in its own process; prints one JSON line."""
    started = time.perf_counter()
    rows = read_answer_rows(args.file, "jsonl")
    count, in_order, last = 0, True, (0, 0, 0)
    if args.one == "read":
        for _row in rows:
            count += 1
    else:
        with sorted_by_time(rows, rows_in_memory=args.rows_in_memory) as ordered:
            for numbered in ordered:
                count += 1
                key = sort_key(numbered)
                in_order = in_order and key[:2] >= last[:2]
                last = key
    seconds = time.perf_counter() - started
    peak_mib = peak_rss_mib()
    print(json.dumps({"rows": count, "seconds": seconds, "peak_mib": peak_mib, "in_order": in_order}))


def peak_rss_mib() -> float:
    """This process's own peak (VmHWM): getrusage's ru_maxrss outlives exec on Linux, so a child started
    by a parent holding the generated log reported the parent's peak."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_part(args: argparse.Namespace, part: str, path: Path) -> dict[str, float]:
    command = [sys.executable, __file__, "--one", part, "--file", str(path)]
    if args.rows_in_memory is not None:
        command += ["--rows-in-memory", str(args.rows_in_memory)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    args = parse_args()
    if args.one:
        child(args)
        return
    curriculum = make_curriculum(60, 300, seed=args.seed)
    rows = make_answers(curriculum, args.learners, args.answers, days=300.0, seed=args.seed)
    random.Random(args.seed).shuffle(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shuffled.jsonl"
        with path.open("w") as out:
            out.writelines(json.dumps(row) + "\n" for row in rows)
        del rows
        print(
            f"{args.answers:,} shuffled answers, {path.stat().st_size / 2**20:.1f} MiB of JSON Lines",
            flush=True,
        )
        for round_no in range(1, args.rounds + 1):
            parts = ("read", "sort") if round_no % 2 else ("sort", "read")
            result = {part: run_part(args, part, path) for part in parts}
            for part in ("read", "sort"):
                r = result[part]
                ok = r["rows"] == args.answers and r["in_order"]
                checked = "every row in time order" if part == "sort" else "every row"
                print(
                    f"round {round_no} {part}: {r['rows'] / r['seconds']:9,.0f} rows/s "
                    f"({r['seconds']:6.1f} s), peak RSS {r['peak_mib']:7.1f} MiB; {checked}: "
                    f"{'yes' if ok else 'NO'}",
                    flush=True,
                )
            read, ordered = result["read"], result["sort"]
            print(
                f"round {round_no} sort/read: time {ordered['seconds'] / read['seconds']:.2f}x, "
                f"peak RSS {ordered['peak_mib'] / read['peak_mib']:.2f}x "
                f"(+{ordered['peak_mib'] - read['peak_mib']:.0f} MiB)",
                flush=True,
            )


if __name__ == "__main__":
    main()
