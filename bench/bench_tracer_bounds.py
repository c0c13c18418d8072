"""Degenerate BKT fits and the AUC of bounding them (docs/tracing.md, "Guess and slip bounds").

A skill's fit is degenerate when its answers stop meaning what "mastered" says (Baker, Corbett & Aleven
2008). For each variant of the fit's bounds this prints, on the whole log (what `fit-tracer` fits):
- how many skills fail each test: guess > 0.3 or slip > 0.1 (Baker et al.'s bounds); a separation
  1 - slip - guess below 0.5; mastery not lower after a wrong answer; mastery still >= 0.85 (the planner's
  "mastered") after 3 wrong answers from 0.85, 0.95, 0.99 and the tracer's ceiling 1 - 1e-6;
- in the log itself, each run of 3 wrong answers in a row that began with the learner at >= 0.85: how
  many such runs, and how many left them at >= 0.85 (pure BKT replay, no forgetting, as EM fits it);
then the leak-free AUC of the tracer alone (the platform's mastery) and of ours (with the evaluation's
layer) per fold, each variant's mean and its difference from the first variant (the current bounds)
measured in the same run, with the fold-to-fold sd of that difference.
    python bench/bench_tracer_bounds.py --data ../shared/data/assist2009 --folds 1,2,3,4,5
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

VARIANTS = ("current", "baker", "separation")
MASTERED = 0.85  # the planner's "mastered" (planning.baselines, policy)
CEILING = 1 - 1e-6  # bkt.EPS: the highest mastery the tracer stores
STARTS = (MASTERED, 0.95, 0.99, CEILING)  # mastery before 3 wrong answers


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, required=True, help="an assist2009-style folder or a CSV")
    parser.add_argument("--folds", default="1,2,3,4,5", help="folds for the AUC ('' for none)")
    parser.add_argument("--separation", type=float, default=0.5, help="the least 1-s-g of 'separation'")
    return parser.parse_args()


@dataclass(frozen=True)
class Degeneracy:
    baker: int
    low_separation: int
    not_lower_after_wrong: int
    master_after_3_wrong: dict[float, int]
    runs: int
    runs_still_master: int
    still_from_ceiling: int  # of those, runs that began at >= 0.999
    wrong: int  # wrong answers in the log
    rose_after_wrong: int  # of which mastery rose after (the learning step outweighed the evidence)
    worst: str


def fit_options(variant: str, separation: float):  # noqa: ANN201 - the import waits for argparse
    from kgplatform.mastery.fitting import FitOptions

    # Without the fitted forget (the default since 5 December 2026): the bounds were measured on standard
    # BKT, and its figures in docs/tracing.md stay reproducible.
    if variant == "current":
        return FitOptions(progress=False, fit_forget=False)
    if variant == "baker":
        return FitOptions(progress=False, fit_forget=False, max_guess=0.3, max_slip=0.1)
    return FitOptions(progress=False, fit_forget=False, min_separation=separation)


def after_wrong(p: np.ndarray, slip: np.ndarray, guess: np.ndarray, learn: np.ndarray) -> np.ndarray:
    """BKT's posterior after a wrong answer, then the learning step, clipped as the tracer clips."""
    post = p * slip / (p * slip + (1 - p) * (1 - guess))
    return np.clip(post + (1 - post) * learn, 1e-6, CEILING)


def degeneracy(log, params) -> Degeneracy:  # noqa: ANN001
    from kgplatform.mastery.fitting import layout_sequences

    s, g, lrn = params.p_slip, params.p_guess, params.p_learn
    masters = {}
    for start in STARTS:
        p = np.full(s.size, start)
        for _ in range(3):
            p = after_wrong(p, s, g, lrn)
        masters[start] = int((p >= MASTERED).sum())
    p = np.full(s.size, 0.95)
    not_lower = int((after_wrong(p, s, g, lrn) >= p).sum())
    # Runs of 3 wrong answers in the log, replayed with the fitted parameters (time-major layout).
    layout = layout_sequences(log.observations())
    c, y, off = layout.concept, layout.score, layout.offsets
    before = np.empty_like(y)
    rose = 0
    p = params.p_init[layout.seq_concept]
    for t in range(off.size - 1):
        block = slice(off[t], off[t + 1])
        p = p[: off[t + 1] - off[t]]
        before[block] = p
        cs, ys = c[block], y[block]
        right = p * (1 - s[cs]) / (p * (1 - s[cs]) + (1 - p) * g[cs])
        wrong = p * s[cs] / (p * s[cs] + (1 - p) * (1 - g[cs]))
        post = ys * right + (1 - ys) * wrong
        p = np.clip(post + (1 - post) * lrn[cs], 1e-6, CEILING)
        rose += int(((ys < 0.5) & (p > before[block])).sum())
    runs = still = from_ceiling = 0
    for t in range(off.size - 3):
        n = off[t + 3] - off[t + 2]  # sequences with steps t..t+2 (and the state after them)
        at = [slice(off[t + k], off[t + k] + n) for k in range(3)]
        run = (before[at[0]] >= MASTERED) & (y[at[0]] < 0.5) & (y[at[1]] < 0.5) & (y[at[2]] < 0.5)
        third = np.flatnonzero(run) + off[t + 2]
        after = after_wrong(before[third], s[c[third]], g[c[third]], lrn[c[third]])
        runs += int(run.sum())
        still += int((after >= MASTERED).sum())
        from_ceiling += int(((after >= MASTERED) & (before[np.flatnonzero(run) + off[t]] >= 0.999)).sum())
    worst = int(np.argmin(1 - s - g))
    return Degeneracy(
        int(((g > 0.3) | (s > 0.1)).sum()),
        int((1 - s - g < 0.5 - 1e-9).sum()),  # the constraint holds it at 0.5, to rounding
        not_lower,
        masters,
        runs,
        still,
        from_ceiling,
        int((y < 0.5).sum()),
        rose,
        f"{params.concept_ids[worst]}: guess {g[worst]:.2f} slip {s[worst]:.2f} learn {lrn[worst]:.2f}",
    )


def fold_aucs(
    log,  # noqa: ANN001
    fold: int,
    params_of: Callable[[Any], Iterable[tuple[str, Any]]],
) -> dict[str, tuple[float, float]]:
    """Per variant, (tracer alone, ours) leak-free AUC on `fold`, as eval-tracing computes them.
    `params_of(train)` yields each variant's name and its BKT parameters fitted on the fold's training
    learners: the one thing in which this benchmark's and bench_tracer_ceiling.py's variants differ."""
    from kgplatform.mastery.evaluation import response_labels, split
    from kgplatform.mastery.metrics import roc_auc
    from kgplatform.mastery.predictor import (
        PredictorOptions,
        fit_next_answer_model,
        predict_next_answers,
        tracer_predictions,
    )
    from kgplatform.mastery.transfer_estimate import TransferEstimateOptions, estimate_transfer

    train, test = split(log, fold)
    transfer = estimate_transfer(train, TransferEstimateOptions())
    labels, _, inverse = response_labels(test)
    out = {}
    for name, params in params_of(train):
        model = fit_next_answer_model(train, transfer, PredictorOptions(), params)
        aucs = [
            roc_auc(labels, np.bincount(inverse, rows) / np.bincount(inverse))
            for rows in (tracer_predictions(model, test), predict_next_answers(model, test))
        ]
        out[name] = (aucs[0], aucs[1])
    return out


def variant_params(log, separation: float) -> Iterator[tuple[str, Any]]:  # noqa: ANN001
    """Each variant's name and its parameters fitted on `log`."""
    from kgplatform.mastery.fitting import fit_bkt

    for variant in VARIANTS:
        yield variant, fit_bkt(log.observations(), log.skill_labels, fit_options(variant, separation))[0]


def compare_folds(
    folds_text: str, aucs_of: Callable[[int], dict[str, tuple[float, float]]], names: Sequence[str]
) -> None:
    """Each fold's (tracer alone, ours) AUC per variant as it is measured, then each variant's mean over the
    folds, with its spread and its difference from the first variant (the baseline) and that difference's
    spread: the comparison bench_tracer_bounds.py and bench_tracer_ceiling.py both print."""
    folds = [int(f) for f in folds_text.split(",") if f.strip()]
    per_fold: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for fold in folds:
        started = time.perf_counter()
        aucs = aucs_of(fold)
        for name, pair in aucs.items():
            per_fold[name].append(pair)
        cells = ", ".join(f"{v} {a:.4f} / {b:.4f}" for v, (a, b) in aucs.items())
        print(
            f"fold {fold} (tracer alone / ours): {cells} ({time.perf_counter() - started:.0f} s)", flush=True
        )
    if not folds:
        return
    baseline = names[0]
    base = np.array(per_fold[baseline])
    for name in names:
        values = np.array(per_fold[name])
        diff = values - base
        sd = diff.std(axis=0, ddof=1) if len(folds) > 1 else np.zeros(2)
        spread = values.std(axis=0, ddof=1) if len(folds) > 1 else np.zeros(2)
        print(
            f"{name}: tracer alone {values[:, 0].mean():.4f} ± {spread[0]:.4f} "
            f"(vs {baseline} {diff[:, 0].mean():+.4f}, sd {sd[0]:.4f}), ours {values[:, 1].mean():.4f} "
            f"± {spread[1]:.4f} (vs {baseline} {diff[:, 1].mean():+.4f}, sd {sd[1]:.4f})"
        )


def main() -> None:
    args = parse_args()
    from kgplatform.mastery.datasets import read_log
    from kgplatform.mastery.evaluation import with_folds
    from kgplatform.mastery.fitting import fit_bkt

    log = with_folds(read_log(args.data))
    print(f"{len(log.skill_labels)} skills, {len(log):,} rows")
    print(
        "variant | guess>0.3 or slip>0.1 | 1-s-g < 0.5 | not lower after 1 wrong (from 0.95) | "
        ">= 0.85 after 3 wrong from 0.85 / 0.95 / 0.99 / 1-1e-6 | runs of 3 wrong from >= 0.85 in the log: "
        "still >= 0.85 (began >= 0.999) | wrong answers after which mastery rose | least separated skill"
    )
    for variant in VARIANTS:
        params, report = fit_bkt(log.observations(), log.skill_labels, fit_options(variant, args.separation))
        d = degeneracy(log, params)
        m = " / ".join(str(d.master_after_3_wrong[k]) for k in STARTS)
        print(
            f"{variant} | {d.baker} | {d.low_separation} | {d.not_lower_after_wrong} | {m} | "
            f"{d.runs_still_master:,} of {d.runs:,} ({d.still_from_ceiling:,}) | "
            f"{d.rose_after_wrong:,} of {d.wrong:,} | {d.worst} | "
            f"log-likelihood {report.log_likelihood:,.0f}"
        )
    compare_folds(
        args.folds,
        lambda fold: fold_aucs(log, fold, lambda train: variant_params(train, args.separation)),
        VARIANTS,
    )


if __name__ == "__main__":
    main()
