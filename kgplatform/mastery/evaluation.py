"""Next-answer prediction on held-out learners, for our tracer and the references, in one run per split.

Protocol (docs/tracing.md): learners are split into folds (assist2009: the AKT folds of users.csv; other
logs: a seeded random split). For fold k, every model is fitted on the other folds' learners only and
predicts the test learners' answers in order, each from that learner's earlier answers.
- leak-free: one prediction per *response*, made before any of its rows (one per skill) is observed.
  Models that score rows (pyBKT, the success-rate baseline) are combined by the mean over the response's
  skills; ours combines them inside its logistic layer. Metrics are over responses.
- leaky (reported for contrast, labelled so): every row is predicted on its own, after the earlier rows
  of the same response were observed. Metrics are over rows.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import FloatArray
from kgplatform.mastery.calibration import Calibration, bin_predictions
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.fitting import FitOptions, fit_bkt
from kgplatform.mastery.metrics import Metrics, score
from kgplatform.mastery.predictor import (
    PredictorOptions,
    fit_next_answer_model,
    predict_next_answers,
    skill_success_rates,
    tracer_predictions,
)
from kgplatform.mastery.pybkt_runner import PyBktRunner
from kgplatform.mastery.transfer_estimate import TransferEstimateOptions, estimate_transfer

OURS, OURS_NO_TRANSFER, PYBKT, SUCCESS_RATE = "ours", "ours-no-transfer", "pyBKT-1.4.3", "skill-success-rate"
# Ablation: ours with each skill's training success rate in place of the tracer (`use_tracer=False`): how
# much of ours' lead over pyBKT is the tracer, and how much the layer's other terms, which pyBKT lacks.
OURS_NO_TRACER = "ours-no-tracer"
# The tracer alone, without the evaluation's logistic layer: the mastery the platform stores and plans
# from (the layer exists only here), so this is the row that says how good the platform's mastery is.
TRACER_ALONE = "ours-tracer-alone"
LEAK_FREE, LEAKY = "leak-free", "leaky (row-by-row)"
# Leak-free, learner-split AUC on this dataset from the pyKT benchmark, for scale only: pyKT preprocesses
# ASSIST2009 its own way and uses its own split, so these are not figures on our test sets.
FIELD_REFERENCES = {"DKT": 0.75, "AKT": 0.785}


@dataclass(frozen=True)
class EvaluationOptions:
    folds: tuple[int, ...] = (1, 2, 3, 4, 5)
    predictor: PredictorOptions = field(default_factory=PredictorOptions)
    transfer: TransferEstimateOptions = field(default_factory=TransferEstimateOptions)
    seed: int = 0  # for logs without folds of their own


@dataclass(frozen=True)
class FoldScore:
    fold: int
    model: str
    protocol: str
    metrics: Metrics
    # Reliability bins of the same predictions (`eval-tracing --plot`); None where not measured.
    calibration: Calibration | None = None


@dataclass(frozen=True)
class Summary:
    model: str
    protocol: str
    # mean, sample standard deviation over folds (None for one fold: a single value has no spread)
    auc: tuple[float, float | None]
    rmse: tuple[float, float | None]
    accuracy: tuple[float, float | None]
    folds: int


def with_folds(log: ResponseLog, n_folds: int = 5, seed: int = 0) -> ResponseLog:
    """The log's own folds, or a seeded random assignment of learners to folds 1..n_folds."""
    if log.folds is not None:
        return log
    rng = np.random.default_rng(seed)
    folds = np.empty(len(log.user_labels), dtype=np.int64)
    folds[rng.permutation(folds.size)] = np.arange(folds.size) % n_folds + 1
    return replace(log, folds=folds)


def split(log: ResponseLog, fold: int) -> tuple[ResponseLog, ResponseLog]:
    """(training rows, test rows): the test learners are those of `fold`, nobody is in both."""
    test = log.users_in_folds([fold])
    learners = int(np.unique(log.user).size)
    if not test.any():
        raise ValidationFailed(f"fold {fold} has no learners (the log has {learners:,})", field="folds")
    if test.all():
        # A log of one learner left nothing to train on, which the fitting then blamed on missing skills.
        raise ValidationFailed(
            f"fold {fold} holds every learner of the log ({learners:,}): none is left to train on",
            field="folds",
        )
    return log.subset(~test), log.subset(test)


def evaluate(
    log: ResponseLog,
    options: EvaluationOptions,
    pybkt: PyBktRunner | None,
    on_step: Callable[[str], None] = lambda _: None,
    pybkt_parallel: int = 2,
) -> list[FoldScore]:
    """All models on all requested folds; pybkt=None leaves pyBKT out. pyBKT's folds (slow, pure Python)
    start first in `pybkt_parallel` child processes and run while our models are evaluated."""
    # No fold printed empty tables and wrote them as figures; a fold named twice counted twice in the mean
    # and printed a spread of 0 over folds that were one.
    if not options.folds:
        raise ValidationFailed("folds: none to evaluate", field="folds")
    repeated = sorted({f for f in options.folds if options.folds.count(f) > 1})
    if repeated:
        raise ValidationFailed(f"folds: {repeated} named more than once", field="folds")
    log = with_folds(log, seed=options.seed)
    scores: list[FoldScore] = []
    with ThreadPoolExecutor(max_workers=pybkt_parallel) as executor:
        pending = {fold: pybkt.submit(*split(log, fold), executor) for fold in options.folds} if pybkt else {}
        for fold in options.folds:
            scores.extend(evaluate_fold(log, fold, options, pending.get(fold), on_step))
    return scores


def evaluate_fold(
    log: ResponseLog,
    fold: int,
    options: EvaluationOptions,
    pybkt: Future[FloatArray] | None,
    on_step: Callable[[str], None] = lambda _: None,
) -> list[FoldScore]:
    """Scores of every model on one fold; `pybkt` is the pending pyBKT prediction of this fold's test rows."""
    train, test = split(log, fold)
    on_step(f"fold {fold}: fitting BKT on {len(train):,} training rows")
    params, _ = fit_bkt(train.observations(), train.skill_labels, FitOptions(progress=False))
    baseline = skill_success_rates(train)
    row_predictions: dict[str, tuple[FloatArray, FloatArray]] = {}  # model -> (leak-free rows, leaky rows)
    on_step(f"fold {fold}: estimating transfer from training learners")
    transfer = estimate_transfer(train, options.transfer)
    no_tracer = replace(options.predictor, use_tracer=False)
    for name, edges, predictor in (
        (OURS, transfer, options.predictor),
        (OURS_NO_TRANSFER, None, options.predictor),
        (OURS_NO_TRACER, None, no_tracer),
    ):
        on_step(f"fold {fold}: fitting {name}")
        model = fit_next_answer_model(train, edges, predictor, params)
        row_predictions[name] = (
            predict_next_answers(model, test),
            predict_next_answers(model, test, leaky=True),
        )
        if name == OURS:
            row_predictions[TRACER_ALONE] = (
                tracer_predictions(model, test),
                tracer_predictions(model, test, leaky=True),
            )
    success = baseline[test.skill]
    row_predictions[SUCCESS_RATE] = (success, success)
    if pybkt is not None:
        on_step(f"fold {fold}: waiting for pyBKT (separate interpreter; cached per fold)")
        predicted = pybkt.result()
        predicted = np.where(np.isnan(predicted), success, predicted)  # skills absent from training
        row_predictions[PYBKT] = (predicted, predicted)
    labels, _, inverse = response_labels(test)
    scores = []
    for name, (leak_free_rows, leaky_rows) in row_predictions.items():
        per_response = np.bincount(inverse, leak_free_rows) / np.bincount(inverse)
        scores.append(
            FoldScore(
                fold, name, LEAK_FREE, score(labels, per_response), bin_predictions(labels, per_response)
            )
        )
        scores.append(
            FoldScore(
                fold, name, LEAKY, score(test.correct, leaky_rows), bin_predictions(test.correct, leaky_rows)
            )
        )
    return scores


def response_labels(log: ResponseLog) -> tuple[FloatArray, np.ndarray, np.ndarray]:
    """(correctness per response, first row of each response, response index of each row)."""
    _, first, inverse = np.unique(log.response, return_index=True, return_inverse=True)
    return log.correct[first], first, inverse


def summarise(scores: list[FoldScore]) -> list[Summary]:
    """Mean and sample standard deviation over folds, per (model, protocol), in first-seen order."""
    keys = list(dict.fromkeys((s.model, s.protocol) for s in scores))
    out = []
    for model, protocol in keys:
        mine = [s.metrics for s in scores if s.model == model and s.protocol == protocol]

        def spread(values: list[float]) -> tuple[float, float | None]:
            return float(np.mean(values)), float(np.std(values, ddof=1)) if len(values) > 1 else None

        out.append(
            Summary(
                model,
                protocol,
                spread([m.auc for m in mine]),
                spread([m.rmse for m in mine]),
                spread([m.accuracy for m in mine]),
                len(mine),
            )
        )
    return out
