"""The planning benchmark's world (bench/bench_plans.py --load-only: curriculum `bench-plans`, learners
`bench-plan-NNNNNNN` with mastery edges and goals), loaded once and kept, for the benchmarks that time one
learner at a time on it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PLANS_BENCH = Path(__file__).with_name("bench_plans.py")


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
