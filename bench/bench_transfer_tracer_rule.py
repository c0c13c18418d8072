"""Is the tracer's tiny gain from transfer a property of its transfer rule? Two other rules, with controls.

The tracer's rule (`TransferEdges`) gives each target B of a practised concept A an extra learning
opportunity: it only ever raises B, whatever the answer on A was. On assist2009 it moves next-answer AUC by
less than 0.001 (docs/transfer.md). This ablation asks whether a rule that carries the *evidence* of an
answer along the transfer edges does better, and whether any gain comes from the edges' structure at all:

- "opportunity": the tracer's own rule, run through the production code (`downstream.next_answer_auc`);
- "evidence": after an answer on A, every target B moves in log-odds by strength(A, B) times the change the
  answer made to A's log-odds (before its learning step): a right answer raises B, a wrong one lowers it,
  and the evidence accumulates over A's answers;
- "prior": no change while practising A; when the learner first meets B, B starts from p_init in
  log-odds plus the strength-weighted deviation of B's sources' current mastery from their p_init.

Each rule is fed three strength matrices (`downstream.strengths_from_prediction`: top sources per target,
scaled by alpha), all built from training learners only:
- "measured": the empirical transfer of the training learners (what the transfer models learn to predict);
- "shuffled": the same values permuted over the pairs (same distribution, no structure): the control;
- "reversed": measured transfer B -> A used for A -> B (direction thrown away).
alpha and the number of sources per target (5 or 20) are chosen on validation learners by next-answer AUC;
test learners are replayed once per choice. A gain that "shuffled" matches is not transfer between these
concepts but the learner's general ability leaking from one concept to all others.

The "evidence" and "prior" replays are a dense re-implementation of the tracer's step loop (learners x
concepts state, no forgetting over time: `downstream.fit_tracer` switches it off for these untimed logs;
BKT's per-answer forget, which `fit_tracer` fits since 5 December 2026, applied as the tracer applies it);
without transfer they must reproduce the production tracer's predictions exactly, which the script checks on
every fold before it reports anything. Example (about a minute per fold):
    python bench/bench_transfer_tracer_rule.py --folds 1 2 3 4 5
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from kgplatform.mastery.bkt import TracerParams, TransferEdges, posterior, predict_correct, transition
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.metrics import roc_auc
from kgplatform.mastery.tracing_batch import replay_rows
from kgplatform.settings import get_settings
from kgplatform.transfer.downstream import (
    ALPHAS,
    base_success,
    fit_tracer,
    next_answer_auc,
    strengths_from_prediction,
)
from kgplatform.transfer.empirical import EmpiricalOptions, FloatArray, empirical_transfer
from kgplatform.transfer.evaluate import assist2009_problem

RULES = ("opportunity", "evidence", "prior")
SOURCES_PER_TARGET = (5, 20)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=None, help="assist2009 folder (default: settings)")
    parser.add_argument("--folds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0, help="seed of the shuffled control")
    return parser.parse_args()


def logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, 1e-6, 1.0 - 1e-6)
    return np.log(p / (1.0 - p))


def sigmoid(x: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-x))


def replay_dense(params: TracerParams, log: ResponseLog, weights: FloatArray | None, rule: str) -> FloatArray:
    """P(right) per row of `log` (input order), each predicted before its answer is observed."""
    if np.any(params.forget_rate_per_day):
        raise SystemExit("the dense replay has no forgetting; fit the tracer without it")
    rows = log.observations()
    order = np.lexsort((rows.concept, rows.answer, rows.time_days, rows.learner))
    learner, concept = rows.learner[order], rows.concept[order]
    answer, score = rows.answer[order], rows.score[order]
    learners, code = np.unique(learner, return_inverse=True)
    new_answer = np.concatenate([[True], (code[1:] != code[:-1]) | (answer[1:] != answer[:-1])])
    answer_seq = np.cumsum(new_answer) - 1
    first_of_learner = np.maximum.accumulate(
        np.where(np.concatenate([[True], code[1:] != code[:-1]]), answer_seq, 0)
    )
    step = answer_seq - first_of_learner

    state = np.tile(params.p_init, (learners.size, 1))
    seen = np.zeros(state.shape, dtype=bool)
    start = logit(params.p_init)
    predicted = np.empty(learner.size)
    by_step = np.argsort(step, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(step))])
    for k in range(bounds.size - 1):
        idx = by_step[bounds[k] : bounds[k + 1]]
        who, c = code[idx], concept[idx]
        current = state[who, c]
        if weights is not None and rule == "prior":
            first = ~seen[who, c]
            deviation = np.where(seen[who[first]], logit(state[who[first]]) - start, 0.0)
            shift = np.einsum("rn,rn->r", deviation, weights[:, c[first]].T)
            current[first] = sigmoid(start[c[first]] + shift)
        predicted[idx] = predict_correct(current, params.p_slip[c], params.p_guess[c])
        observed = posterior(current, score[idx], params.p_slip[c], params.p_guess[c])
        state[who, c] = transition(observed, params.p_learn[c], params.p_forget[c])
        seen[who, c] = True
        if weights is not None and rule == "evidence":
            shift = np.zeros(state.shape)
            np.add.at(shift, who, (logit(observed) - logit(current))[:, None] * weights[c])
            moved = np.unique(who)
            state[moved] = sigmoid(logit(state[moved]) + shift[moved])
    result = np.empty_like(predicted)
    result[order] = predicted
    return result


def response_auc(log: ResponseLog, row_predicted: FloatArray) -> float:
    """Leak-free next-answer AUC: one prediction per response, the mean over its concepts' rows."""
    _, response = np.unique(log.response, return_inverse=True)
    count = np.bincount(response)
    return roc_auc(
        np.bincount(response, weights=log.correct) / count,
        np.bincount(response, weights=row_predicted) / count,
    )


def auc_with(params: TracerParams, log: ResponseLog, weights: FloatArray | None, rule: str) -> float:
    if rule == "opportunity":
        n = len(params)
        edges = (
            None
            if weights is None
            else TransferEdges.from_arrays(*np.nonzero(weights), weights[np.nonzero(weights)], n)
        )
        return next_answer_auc(params, log, edges)
    return response_auc(log, replay_dense(params, log, weights, rule))


def weight_matrix(prediction: FloatArray, base: FloatArray, alpha: float, sources: int) -> FloatArray:
    n = prediction.shape[0]
    src, dst, strength = strengths_from_prediction(prediction, base, alpha, sources)
    weights = np.zeros((n, n))
    weights[src, dst] = strength
    return weights


def check_faithful(params: TracerParams, log: ResponseLog) -> None:
    """Without transfer the dense replay must give the production tracer's predictions."""
    production = replay_rows(log.observations(), params).predicted
    dense = replay_dense(params, log, None, "evidence")
    if not np.allclose(production, dense, atol=1e-12):
        raise SystemExit(f"dense replay differs from the tracer by {np.abs(production - dense).max():.2e}")


def main() -> None:
    args = parse_args()
    folder = args.data or get_settings().paths.shared_data_dir / "assist2009"
    if not (folder / "interactions.csv").exists():
        raise SystemExit(f"no assist2009 data at {folder} (see ../shared/data; --data PATH)")
    gains: dict[tuple[str, str], list[float]] = defaultdict(list)
    for fold in args.folds:
        started = time.perf_counter()
        problem = assist2009_problem(folder, fold, None)
        n = problem.concepts.n
        params = fit_tracer(problem.train_log, problem.concepts.concept_ids)
        check_faithful(params, problem.valid_log)
        base = base_success(problem.train_log, n)
        measured = np.maximum(empirical_transfer(problem.train_log, n, EmpiricalOptions()).effect, 0.0)
        rng = np.random.default_rng([args.seed, fold])
        off_diagonal = ~np.eye(n, dtype=bool)
        shuffled = np.zeros((n, n))
        shuffled[off_diagonal] = rng.permutation(measured[off_diagonal])
        predictions = {"measured": measured, "shuffled": shuffled, "reversed": measured.T.copy()}
        without_valid = next_answer_auc(params, problem.valid_log, None)
        without_test = next_answer_auc(params, problem.test_log, None)
        print(f"\nfold {fold}: without transfer, AUC validation {without_valid:.4f}, test {without_test:.4f}")
        print(
            f"{'rule':<12} {'strengths':<10} {'alpha':>6} {'sources':>7} {'valid gain':>10} {'test gain':>10}"
        )
        for rule in RULES:
            for name, prediction in predictions.items():
                best = (0.0, 0, without_valid)
                for alpha in ALPHAS:
                    for sources in SOURCES_PER_TARGET:
                        weights = weight_matrix(prediction, base, alpha, sources)
                        auc = auc_with(params, problem.valid_log, weights, rule)
                        if auc > best[2]:
                            best = (alpha, sources, auc)
                alpha, sources, valid_auc = best
                test_auc = (
                    auc_with(params, problem.test_log, weight_matrix(prediction, base, alpha, sources), rule)
                    if alpha
                    else without_test
                )
                gains[(rule, name)].append(test_auc - without_test)
                print(
                    f"{rule:<12} {name:<10} {alpha:>6g} {sources:>7} {valid_auc - without_valid:>+10.4f} "
                    f"{test_auc - without_test:>+10.4f}",
                    flush=True,
                )
        print(f"fold {fold} took {time.perf_counter() - started:.0f} s")
    print(f"\ntest gain in next-answer AUC over folds {' '.join(map(str, args.folds))}: mean (min .. max)")
    for (rule, name), values in gains.items():
        print(f"{rule:<12} {name:<10} {np.mean(values):+.4f} ({min(values):+.4f} .. {max(values):+.4f})")


if __name__ == "__main__":
    main()
