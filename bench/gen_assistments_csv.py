"""A synthetic ASSISTments-like answer log for the reader's benchmark (bench_log_reader.py).

Columns user_id, problem_id, skill_id, correct, order_id, with ASSISTments 2012's cardinalities by default
(~46k learners, ~180k problems, ~200 skills); about one response in five is to a multi-skill problem, written
as adjacent rows (one per skill) sharing the order_id, as the real exports do. Deterministic for a seed.
    python bench/gen_assistments_csv.py --rows 1000000 --out /tmp/assist_1m.csv
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--learners", type=int, default=46_000)
    parser.add_argument("--problems", type=int, default=180_000)
    parser.add_argument("--skills", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    # Skills of a problem: one, or two to three for a fifth of them (multi-skill rows).
    n_skills = np.where(rng.random(args.problems) < 0.2, rng.integers(2, 4, args.problems), 1)
    problem_skills = [rng.choice(args.skills, size=k, replace=False) + 1 for k in n_skills]
    chunk = 200_000
    written, order_id = 0, 1_000_000
    with args.out.open("w") as out:
        out.write("user_id,problem_id,skill_id,correct,order_id\n")
        while written < args.rows:
            # Zipf-like activity: a few learners answer much more than most.
            users = (rng.zipf(1.3, chunk) % args.learners) + 100_000
            problems = rng.integers(0, args.problems, chunk)
            correct = (rng.random(chunk) < 0.65).astype(int)
            lines = []
            for u, p, c in zip(users.tolist(), problems.tolist(), correct.tolist(), strict=True):
                order_id += 1
                for s in problem_skills[p]:
                    lines.append(f"{u},{p + 1},{s},{c},{order_id}\n")
                    written += 1
                if written >= args.rows:
                    break
            out.write("".join(lines))
            if written >= args.rows:
                break
    print(f"wrote {written:,} rows to {args.out}")


if __name__ == "__main__":
    main()
