"""The planning benchmark's world (bench/bench_plans.py --load-only: curriculum `bench-plans`, learners
`bench-plan-NNNNNNN` with mastery edges and goals), loaded once and kept, for the benchmarks that time one
learner at a time on it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PLANS_BENCH = Path(__file__).with_name("bench_plans.py")


def add_world_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of the benchmarks that read learners of bench_plans.py's world (the report's read, its
    picture): how many to time and what the world holds."""
    parser.add_argument("--learners", type=int, default=20, help="learners timed (after 2 untimed)")
    parser.add_argument("--concepts", type=int, default=1_500)
    parser.add_argument("--mastery", type=int, default=200)
    parser.add_argument("--goals", type=int, default=2)
    parser.add_argument("--loaded", type=int, default=300, help="learners bench_plans loads if absent")


def load_plans_world(*, learners: int, concepts: int, mastery: int, goals: int) -> None:
    """Loads (or finds already loaded) `learners` learners; exits 1 when the loader fails (it said why)."""
    load = [
        sys.executable,
        str(PLANS_BENCH),
        "--load-only",
        f"--learners={learners}",
        f"--concepts={concepts}",
        f"--mastery={mastery}",
        f"--goals={goals}",
    ]
    if subprocess.run(load).returncode:
        sys.exit(1)
