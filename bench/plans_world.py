"""The planning benchmark's world (bench/bench_plans.py --load-only: curriculum `bench-plans`, learners
`bench-plan-NNNNNNN` with mastery edges and goals), loaded once and kept, for the benchmarks that time one
learner at a time on it."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

PLANS_BENCH = Path(__file__).with_name("bench_plans.py")
PREFIX = "bench-plan-"  # bench_plans.py's learner ids


def parse_world_args(
    description: str | None,
    *,
    untimed: int = 2,
    learners: int = 20,
    concepts: int = 1_500,
    mastery: int = 200,
    loaded: int = 300,
) -> argparse.Namespace:
    """The options of a benchmark that times learners of this world one after another (the report's read,
    its picture, one learner's plan), with that benchmark's defaults; `untimed` learners go first, their
    calls warming the caches."""
    parser = argparse.ArgumentParser(
        description=description, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--learners", type=int, default=learners, help=f"learners timed (after {untimed} untimed)"
    )
    parser.add_argument("--concepts", type=int, default=concepts)
    parser.add_argument("--mastery", type=int, default=mastery)
    parser.add_argument("--goals", type=int, default=2)
    parser.add_argument("--loaded", type=int, default=loaded, help="learners bench_plans loads if absent")
    parser.set_defaults(untimed=untimed)
    return parser.parse_args()


def world_learners(args: argparse.Namespace) -> list[str]:
    """Loads the world `args` names (at least --loaded learners) when absent; the ids of the untimed learners,
    then of the --learners timed."""
    load_plans_world(
        learners=max(args.loaded, args.learners + args.untimed),
        concepts=args.concepts,
        mastery=args.mastery,
        goals=args.goals,
    )
    return [f"{PREFIX}{i:07d}" for i in range(args.untimed + args.learners)]


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
