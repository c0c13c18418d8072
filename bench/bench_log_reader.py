"""Time and peak memory of the answer-log reader (`read_assistments_csv`) on a big ASSISTments-like CSV.

Each measurement runs in a fresh Python process (its peak RSS is its own, ru_maxrss): the baseline is
csv.reader over the same file keeping nothing but a row count (the floor any CSV reader in Python pays),
then the reader builds the ResponseLog. Prints rows/s, peak RSS and the ratios against the baseline.
Make the file with bench/gen_assistments_csv.py. The measured reader is the kgplatform that `python -c`
imports from the current folder: run this from the checkout to measure (from another folder with
PYTHONPATH=CHECKOUT to measure that one, e.g. main before a change).
    python bench/bench_log_reader.py /tmp/assist_1m.csv
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

BASELINE = """
import csv, json, resource, sys, time
t = time.perf_counter()
with open(sys.argv[1], newline="") as f:
    n = sum(1 for _ in csv.reader(f)) - 1
print(json.dumps({"rows": n, "s": time.perf_counter() - t,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

READER = """
import json, resource, sys, time
from pathlib import Path
from kgplatform.mastery.datasets import read_assistments_csv
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
t = time.perf_counter()
log = read_assistments_csv(Path(sys.argv[1]))
s = time.perf_counter() - t
print(json.dumps({"rows": len(log) + log.dropped_rows, "responses": log.n_responses, "s": s,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "import_rss_mb": before}))
"""


def measure(script: str, path: Path) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("csv", type=Path, nargs="+")
    args = parser.parse_args()
    for path in args.csv:
        base = measure(BASELINE, path)
        reader = measure(READER, path)
        print(
            f"{path.name}: {reader['rows']:,} rows, {reader['responses']:,} responses\n"
            f"  csv.reader count : {base['s']:7.2f} s {base['rows'] / base['s']:>12,.0f} rows/s "
            f"peak RSS {base['rss_mb']:8.0f} MB\n"
            f"  read_assistments : {reader['s']:7.2f} s {reader['rows'] / reader['s']:>12,.0f} rows/s "
            f"peak RSS {reader['rss_mb']:8.0f} MB (after imports {reader['import_rss_mb']:.0f} MB)\n"
            f"  ratio            : {reader['s'] / base['s']:7.2f}x time, "
            f"{reader['rss_mb'] / base['rss_mb']:.1f}x peak RSS"
        )


if __name__ == "__main__":
    main()
