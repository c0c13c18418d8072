"""What the repeated-member check (`kgplatform/api/json_members.py`) adds to a JSON request: its parse of a
POST /answers body against the parse FastAPI makes of the same body anyway (`json.loads`), the baseline,
measured alternately in the same run. Prints the medians and their ratio. Needs no service.

Example: python bench/bench_json_members.py --rows 10000 --rounds 30
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kgplatform.api.json_members import repeated_member  # noqa: E402


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000, help="answers in the body (the batch limit)")
    parser.add_argument("--rounds", type=int, default=30)
    return parser.parse_args()


def body_of(rows: int) -> bytes:
    return json.dumps(
        [
            {
                "event_id": f"lms-{i:08d}",
                "learner_id": f"learner-{i % 500}",
                "task_id": f"task-{i % 300}",
                "correct": i % 3 != 0,
                "answered_at": f"2026-12-01T09:{i // 60 % 60:02d}:{i % 60:02d}Z",
                "duration_s": 30.5,
            }
            for i in range(rows)
        ]
    ).encode()


def main() -> None:
    args = parse_args()
    body = body_of(args.rows)
    baseline, check = [], []
    for _ in range(args.rounds):
        start = time.perf_counter()
        json.loads(body)
        baseline.append(time.perf_counter() - start)
        start = time.perf_counter()
        assert repeated_member(body) is None
        check.append(time.perf_counter() - start)
    base, added = statistics.median(baseline), statistics.median(check)
    print(f"body: {args.rows:,} answers, {len(body) / 2**20:.2f} MiB; {args.rounds} rounds, alternating")
    print(f"FastAPI's parse (json.loads), the baseline: {base * 1000:.1f} ms median")
    print(f"repeated-member check: {added * 1000:.1f} ms median ({added / base:.2f}x the parse)")


if __name__ == "__main__":
    main()
