"""Can ANY transfer raise the tracer's next-answer AUC on the generated curriculum? The true transfer, tried.

`eval-transfer --data generated` measures the tracer's gain from each model's predicted transfer; every
gain there is +0.0000, the TRUE transfer's included (its "(oracle)" row): no scale of it beat the tracer
without transfer on validation learners. This script asks why, on the same simulated learners:

- sources of strengths (`downstream.strengths_from_prediction`, top 5 sources per target, scale alpha): the
  simulator's TRUE transfer matrix; the prerequisite edges (forward 1, backward 0.5); and the true values
  shuffled over the pairs (same distribution, no structure: the control);
- "plain": the tracer's parameters fitted by EM without transfer (as `downstream.tracer_gains` and the
  production pipeline do), the transfer added on top; "recalibrated prior": each concept's p_init lowered
  so that, over training learners, the mean mastery at a learner's first answer on it is what it was
  without transfer. Fitted without transfer, p_init already holds the AVERAGE transfer a concept receives
  before it is met (most learners practise its sources first); adding transfer on top counts it twice;
- `--no-simulator-forgetting`: the hidden learners never forget (the evaluation's learners do, and its
  tracer, on these untimed logs, does not: `downstream.fit_tracer`); `--tracer-forget-rate R` gives the
  tracer forgetting per answer (the simulated learners answer one task a day, so the log's answer counts
  are days).

alpha is chosen on validation learners (best AUC; 0 when none beats no transfer); the test gain is then
read once. Test learners choose nothing. Example (about 30 s per configuration at 3,000 learners):
    python bench/bench_transfer_tracer_oracle.py --learners 3000
    python bench/bench_transfer_tracer_oracle.py --learners 3000 --no-simulator-forgetting
    python bench/bench_transfer_tracer_oracle.py --assist2009-fold 1   # real learners: measured transfer
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np

from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.fitting import FitOptions, fit_bkt
from kgplatform.mastery.tracing_batch import replay_rows
from kgplatform.settings import get_settings
from kgplatform.transfer import baselines
from kgplatform.transfer.downstream import (
    ALPHAS,
    base_success,
    response_predictions,
    strengths_from_prediction,
)
from kgplatform.transfer.empirical import empirical_transfer
from kgplatform.transfer.evaluate import assist2009_problem
from kgplatform.transfer.generated import SimulationOptions, generated_problem


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--learners", type=int, default=10_000, help="simulated learners (eval: 10,000)")
    parser.add_argument("--concepts", type=int, default=60)
    parser.add_argument("--tasks", type=int, default=100, help="tasks per learner")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--no-simulator-forgetting", action="store_true", help="the hidden learners never forget"
    )
    parser.add_argument(
        "--no-simulator-readiness",
        action="store_true",
        help="learning ignores the prerequisites (eval-transfer --no-simulator-readiness)",
    )
    parser.add_argument(
        "--tracer-forget-rate", type=float, default=0.0, help="the tracer's forgetting per answer (0: none)"
    )
    parser.add_argument(
        "--assist2009-fold",
        type=int,
        choices=range(1, 6),
        help="instead: assist2009's AKT fold K (no truth: the training learners' measured transfer, shuffled "
        "as the control)",
    )
    return parser.parse_args()


def recalibrated_prior(params: TracerParams, log: ResponseLog, edges: TransferEdges) -> TracerParams:
    """p_init per concept such that the training learners' mean mastery at their first answer on it, with
    the transfer, equals p_init without it: transfer then explains who starts higher, not the average.

    A first answer's mastery is 1 - (1 - p_init) * M, M the product of the transfer's (1 - ...) factors
    before it (read back from the replay's prediction); keeping the mean gives 1 - (1 - p_init) / mean(M)."""
    n = len(params)
    result = replay_rows(log.observations(), params, edges)
    _, first = np.unique(log.user.astype(np.int64) * n + log.skill, return_index=True)
    concept = log.skill[first]
    guess, slip = params.p_guess[concept], params.p_slip[concept]
    mastery = np.clip((result.predicted[first] - guess) / (1.0 - slip - guess), 0.0, 1.0)
    kept = (1.0 - mastery) / np.maximum(1.0 - params.p_init[concept], 1e-9)
    counts = np.bincount(concept, minlength=n)
    mean_kept = np.bincount(concept, weights=kept, minlength=n) / np.maximum(counts, 1)
    mean_kept = np.where(mean_kept > 0, mean_kept, 1.0)
    return replace(params, p_init=np.clip(1.0 - (1.0 - params.p_init) / mean_kept, 1e-3, 0.99))


def shuffled_pairs(matrix: np.ndarray, seed: int) -> np.ndarray:
    """The off-diagonal values permuted over the pairs: the same distribution without the structure."""
    off_diagonal = ~np.eye(matrix.shape[0], dtype=bool)
    shuffled = matrix.copy()
    values = shuffled[off_diagonal]
    np.random.default_rng(seed).shuffle(values)
    shuffled[off_diagonal] = values
    return shuffled


def main() -> None:
    args = parse_args()
    started = time.perf_counter()

    def progress(step: str) -> None:
        print(f"{time.perf_counter() - started:6.1f}s {step}", flush=True)

    cache = get_settings().paths.data_dir / "embeddings"
    if args.assist2009_fold:
        progress(f"reading assist2009, fold {args.assist2009_fold}")
        folder = get_settings().paths.shared_data_dir / "assist2009"
        problem = assist2009_problem(folder, args.assist2009_fold, cache)
        forgetting = "real learners"
    else:
        options = SimulationOptions(
            args.concepts,
            args.learners,
            args.tasks,
            seed=args.seed,
            forgetting=not args.no_simulator_forgetting,
            readiness=not args.no_simulator_readiness,
        )
        progress(f"simulating {options}")
        problem = generated_problem(options, cache)
        forgetting = (
            f"simulator forgetting {'on' if options.forgetting else 'off'}, "
            f"readiness {'on' if options.readiness else 'off'}"
        )
    n = problem.concepts.n
    progress("fitting the tracer by EM on training learners")
    fit = FitOptions(progress=False, forget_rate_per_day=args.tracer_forget_rate)
    params, _ = fit_bkt(problem.train_log.observations(), problem.concepts.concept_ids, fit)
    base = base_success(problem.train_log, n)

    def auc(tracer: TracerParams, log: ResponseLog, edges: TransferEdges | None) -> float:
        return response_predictions(tracer, log, edges).auc()

    valid_without, test_without = auc(params, problem.valid_log, None), auc(params, problem.test_log, None)
    if problem.truth is not None:
        sources = {
            "true transfer": problem.truth,
            "prerequisite edges": baselines.prerequisite_scores(problem.concepts),
            "true transfer, shuffled": shuffled_pairs(problem.truth, args.seed),
        }
    else:
        measured = np.maximum(empirical_transfer(problem.train_log, n).effect, 0.0)
        sources = {"measured transfer": measured, "measured, shuffled": shuffled_pairs(measured, args.seed)}
    rows = []
    for name, matrix in sources.items():
        for prior in ("plain", "recalibrated prior"):
            progress(f"{name}, {prior}: {len(ALPHAS)} scales on validation learners")
            best = (0.0, valid_without, None, params)
            for alpha in ALPHAS:
                edges = TransferEdges.from_arrays(*strengths_from_prediction(matrix, base, alpha), n)
                tracer = recalibrated_prior(params, problem.train_log, edges) if prior != "plain" else params
                valid = auc(tracer, problem.valid_log, edges)
                if valid > best[1]:
                    best = (alpha, valid, edges, tracer)
            alpha, valid, edges, tracer = best
            test = auc(tracer, problem.test_log, edges) if edges is not None else test_without
            rows.append((name, prior, alpha, valid - valid_without, test - test_without))

    print(
        f"\n{problem.name}; {forgetting}; tracer forgetting "
        f"{args.tracer_forget_rate} per answer; without transfer: validation AUC {valid_without:.4f}, "
        f"test {test_without:.4f}"
    )
    print("| strengths | tracer prior | alpha (validation) | validation gain | test gain |")
    print("| --- | --- | --- | --- | --- |")
    for name, prior, alpha, valid_gain, test_gain in rows:
        print(f"| {name} | {prior} | {alpha:g} | {valid_gain:+.4f} | {test_gain:+.4f} |")
    progress("done")


if __name__ == "__main__":
    main()
