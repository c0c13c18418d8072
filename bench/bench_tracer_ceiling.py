"""The tracer's ceiling and per-answer forgetting: can wrong answers unseat a "master", and at what AUC cost
(docs/tracing.md, "The ceiling of the stored mastery").

For each variant of the tracer ("standard": standard BKT and its ceiling 1 - 1e-6, the tracer before
5 December 2026; lower ceilings on the stored posterior; BKT's per-answer forget probability, fixed or
fitted by the EM per skill) this prints, with the BKT parameters fitted on the whole log:
- the "ceiling learner" of each skill: its mastery after a long run of right answers (where the tracer
  settles), and how many skills still leave that learner >= 0.85 (the planner's "mastered") after 1, 2,
  3 wrong answers in a row; and the median mastery after 1, 2, 3 wrong answers;
then the leak-free AUC of the tracer alone (the platform's mastery) and of ours (with the evaluation's
layer) per fold, as eval-tracing computes them, each variant's mean, and its difference from standard BKT
measured in the same run with the fold-to-fold sd of that difference.
    python bench/bench_tracer_ceiling.py --data ../shared/data/assist2009 --folds 1,2,3,4,5
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tracer_bounds import compare_folds, fold_aucs  # noqa: E402

MASTERED = 0.85  # the planner's "mastered" (planning.baselines, policy)
RIGHT_RUN = 200  # right answers that take a learner to where the tracer settles


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="an assist2009-style folder or a CSV")
    parser.add_argument("--folds", default="1,2,3,4,5", help="folds for the AUC ('' for none)")
    parser.add_argument("--ceilings", default="0.999,0.995,0.99", help="lower ceilings to measure")
    parser.add_argument("--forgets", default="0.01,0.03", help="per-answer forget probabilities to measure")
    parser.add_argument(
        "--fitted-forgets",
        default="0-0.2,0.02-0.2",
        help="bounds LOW-HIGH of the EM-fitted forget, one variant each ('' for none)",
    )
    return parser.parse_args()


def variants(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    """Name -> TracerParams changes (min/max_forget: the EM fits the forget within them); the first is
    standard BKT, the baseline."""
    out: dict[str, dict[str, float]] = {"standard": {}}
    for text in args.ceilings.split(","):
        if text.strip():
            out[f"ceiling {float(text):g}"] = {"ceiling": float(text)}
    for text in args.forgets.split(","):
        if text.strip():
            out[f"forget {float(text):g}"] = {"p_forget": float(text)}
    for text in args.fitted_forgets.split(","):
        if text.strip():
            low, high = (float(v) for v in text.split("-"))
            out[f"fitted forget {low:g}-{high:g}"] = {"min_forget": low, "max_forget": high}
    return out


def fitted(log, changes: dict[str, float], cache: dict):  # noqa: ANN001, ANN201 - imports wait for argparse
    """The EM's parameters for a variant (one fit per kind of fit) with its changes applied."""
    from kgplatform.mastery.fitting import FitOptions, fit_bkt

    changes = dict(changes)
    bounds = (changes.pop("min_forget", None), changes.pop("max_forget", None))
    if bounds not in cache:
        # Standard BKT, as fitted before 5 December 2026, whatever the default now is: the baseline.
        options = FitOptions(progress=False, fit_forget=False)
        if bounds[1] is not None:
            options = FitOptions(progress=False, fit_forget=True, min_forget=bounds[0], max_forget=bounds[1])
        cache[bounds] = fit_bkt(log.observations(), log.skill_labels, options)[0]
    return cache[bounds].replace(**changes)


def ceiling_learner(params, changes: dict[str, float]) -> tuple[np.ndarray, list[np.ndarray]]:  # noqa: ANN001
    """Per skill, the mastery after RIGHT_RUN right answers, then after each of 3 wrong ones (the tracer's
    own replay: forgetting in time off, as in a burst of answers)."""
    from kgplatform.mastery.tracing_batch import ObservationRows, replay_rows

    params = params.replace(forget_rate_per_day=np.zeros(len(params)), **changes)
    n = len(params)
    states = []
    for wrong in range(4):
        steps = RIGHT_RUN + wrong
        learner = np.repeat(np.arange(n), steps)
        answer = np.tile(np.arange(steps), n)
        score = np.tile(np.r_[np.ones(RIGHT_RUN), np.zeros(wrong)], n)
        rows = ObservationRows(learner, answer, learner, answer.astype(float), score)
        table = replay_rows(rows, params).mastery
        p = np.empty(n)
        p[table.concept] = table.p_mastery
        states.append(p)
    return states[0], states[1:]


def variant_params(log, table: dict[str, dict[str, float]]) -> Iterator[tuple[str, Any]]:  # noqa: ANN001
    """Each variant's name and its parameters fitted on `log` (one EM fit per kind of fit)."""
    cache: dict = {}
    for name, changes in table.items():
        yield name, fitted(log, changes, cache)


def main() -> None:
    args = parse_args()
    from kgplatform.mastery.datasets import read_log
    from kgplatform.mastery.evaluation import with_folds

    table = variants(args)
    log = with_folds(read_log(args.data))
    print(f"{len(log.skill_labels)} skills, {len(log):,} rows")
    print(
        f"variant | ceiling learner (after {RIGHT_RUN} right), median | skills still >= {MASTERED} after "
        "1 / 2 / 3 wrong | median mastery after 1 / 2 / 3 wrong"
    )
    for name, params in variant_params(log, table):
        top, after = ceiling_learner(params, {})
        still = " / ".join(str(int((p >= MASTERED).sum())) for p in after)
        median = " / ".join(f"{np.median(p):.3f}" for p in after)
        print(f"{name} | {np.median(top):.6f} | {still} of {len(params)} | {median}")
    compare_folds(
        args.folds, lambda fold: fold_aucs(log, fold, lambda train: variant_params(train, table)), list(table)
    )


if __name__ == "__main__":
    main()
