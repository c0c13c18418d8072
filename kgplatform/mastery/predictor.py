"""Next-answer prediction built on the tracer: what `eval-tracing` reports as "our tracer".

For each response (a problem that may exercise several skills), before any of its rows is observed:
  z = w . [1, mean_logit, min_logit - mean_logit, ability, item, log(1 + n_before), recent]
- mean_logit / min_logit: the mean and the minimum over the response's skills of logit(P(correct)) from
  the BKT tracer (forgetting and transfer included); the minimum lets "all skills are needed" weigh in;
- ability: the learner's running residual sum(y - sigmoid(mean_logit + item)) / (n_before + ability_prior)
  over their *earlier* responses (an online ability estimate, no future data);
- item: logit of the problem's success rate among training learners, shrunk toward the global rate and
  centred on it (0 for a problem never seen in training); training rows use leave-own-learner-out counts;
- n_before: how many responses the learner gave before;
- recent: sum over earlier responses of recent_decay^age * (the same residual), age 0 = the last one
  (recent form, which a learner's long-run ability misses).
w is a logistic regression fitted on the training learners. The forgetting rate (per response, since these
logs have no timestamps) and then the scale of the transfer strengths are chosen on the training learners'
log-likelihood; with transfer on, each concept's p_init is re-centred (see `_recentre_priors`).
In the leaky protocol each row is its own "response", so later rows of a multi-skill response see the
earlier ones through the ability and transfer terms.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from kgplatform.mastery.bkt import EPS, FloatArray, IntArray, TracerParams, TransferEdges
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.fitting import FitOptions, fit_bkt
from kgplatform.mastery.tracing_batch import ObservationRows, replay_rows


@dataclass(frozen=True)
class PredictorOptions:
    ability_prior: float = 5.0
    recent_decay: float = 0.7  # weight of each older residual in the "recent form" term
    item_prior: float = 5.0
    use_items: bool = True
    forget_rates: tuple[float, ...] = (0.0, 0.003, 0.01, 0.03)
    transfer_scales: tuple[float, ...] = (0.25, 0.5, 1.0)
    l2: float = 1e-3
    # False: the ablation "ours-no-tracer": each row's P(right) is its skill's training success rate
    # instead of the tracer's, and everything else (ability, item, recent form, the layer) stays, which
    # measures what the tracer itself adds to the layer's other terms.
    use_tracer: bool = True


@dataclass(frozen=True, eq=False)
class NextAnswerModel:
    params: TracerParams
    transfer: TransferEdges | None
    problem_index: dict[str, int]  # training problem label -> position in item_right / item_count
    item_right: FloatArray  # per training problem: right training responses
    item_count: FloatArray  # per training problem: training responses
    global_rate: float
    weights: FloatArray
    options: PredictorOptions
    skill_rate: FloatArray  # per skill: training rows' success rate (the rows' P(right) without tracer)


def logit(p: FloatArray) -> FloatArray:
    p = np.clip(p, EPS, 1 - EPS)
    return np.log(p) - np.log1p(-p)


def sigmoid(z: FloatArray) -> FloatArray:
    return 1.0 / (1.0 + np.exp(-z))


def fit_next_answer_model(
    train: ResponseLog,
    transfer: TransferEdges | None,
    options: PredictorOptions | None = None,
    params: TracerParams | None = None,
) -> NextAnswerModel:
    """Fits BKT (unless `params` is given), picks forgetting and transfer scale, then the logistic layer."""
    options = options or PredictorOptions()
    if params is None:
        params, _ = fit_bkt(train.observations(), train.skill_labels, FitOptions(progress=False))
    if options.use_tracer:
        params, transfer = _select_dynamics(train, params, transfer, options)
    else:
        transfer = None
    groups = _Groups.of(train, train.response)
    y = train.correct[groups.first]
    problem = train.problem[groups.first]
    right = np.bincount(problem, y, len(train.problem_labels))
    count = np.bincount(problem, None, len(train.problem_labels)).astype(np.float64)
    own_right, own_count = _own_item_counts(train, groups, y)
    index = {label: i for i, label in enumerate(train.problem_labels)}
    model = NextAnswerModel(
        params,
        transfer,
        index,
        right,
        count,
        float(y.mean()),
        np.zeros(7),
        options,
        skill_success_rates(train),
    )
    features = _features(model, train, groups, _row_predictions(model, train), own_right, own_count)
    return replace(model, weights=_logistic_fit(features, y, options.l2))


def predict_next_answers(model: NextAnswerModel, log: ResponseLog, *, leaky: bool = False) -> FloatArray:
    """P(correct) per row of `log`; leak-free, the rows of one response share one prediction."""
    key = _prediction_key(log, leaky)
    groups = _Groups.of(log, key)
    zeros = np.zeros(groups.first.size)
    features = _features(model, log, groups, _row_predictions(model, log, key), zeros, zeros)
    return sigmoid(features @ model.weights)[groups.inverse]


def tracer_predictions(model: NextAnswerModel, log: ResponseLog, *, leaky: bool = False) -> FloatArray:
    """P(correct) per row of `log` from the BKT tracer alone (the model's chosen forgetting and transfer,
    no logistic layer): what the mastery the platform stores predicts, p (1 - slip) + (1 - p) guess.
    Leak-free, every row of a response is predicted before any of them is observed."""
    return _tracer_rows(model, log, _prediction_key(log, leaky))


def _prediction_key(log: ResponseLog, leaky: bool) -> IntArray:
    """The unit predicted at once: each row (leaky), or each response (leak-free)."""
    return np.arange(len(log), dtype=np.int64) if leaky else log.response


def _tracer_rows(model: NextAnswerModel, log: ResponseLog, key: IntArray | None) -> FloatArray:
    return replay_rows(log.observations(key), model.params, model.transfer).predicted


def skill_success_rates(train: ResponseLog, prior_strength: float = 1.0) -> FloatArray:
    """Per skill, the training rows' success rate (smoothed toward the global rate; global for unseen)."""
    n = len(train.skill_labels)
    right = np.bincount(train.skill, train.correct, n)
    count = np.bincount(train.skill, None, n)
    overall = float(train.correct.mean())
    return (right + prior_strength * overall) / (count + prior_strength)


def _row_predictions(model: NextAnswerModel, log: ResponseLog, key: IntArray | None = None) -> FloatArray:
    """P(right) of each row before its response is observed: the tracer's, or in the no-tracer ablation
    the skill's training success rate (a fold's logs share one skill index; a skill with no training
    rows gets the overall rate, by the smoothing)."""
    if not model.options.use_tracer:
        return model.skill_rate[log.skill]
    return _tracer_rows(model, log, key)


@dataclass(frozen=True, eq=False)
class _Groups:
    """Rows grouped into predicted units; groups sorted by (learner, position in the log)."""

    first: IntArray  # first row of each group
    inverse: IntArray  # group of each row

    @classmethod
    def of(cls, log: ResponseLog, key: IntArray) -> _Groups:
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
        order = np.lexsort((first, log.user[first]))
        rank = np.empty(order.size, dtype=np.int64)
        rank[order] = np.arange(order.size)
        return cls(first[order], rank[inverse])


def _features(
    model: NextAnswerModel,
    log: ResponseLog,
    groups: _Groups,
    row_pred: FloatArray,
    own_right: FloatArray,
    own_count: FloatArray,
) -> FloatArray:
    n = groups.first.size
    lg = logit(row_pred)
    size = np.bincount(groups.inverse, minlength=n)
    mean_logit = np.bincount(groups.inverse, lg, minlength=n) / size
    min_logit = np.full(n, np.inf)
    np.minimum.at(min_logit, groups.inverse, lg)
    item = np.zeros(n)
    if model.options.use_items:
        problem = log.problem[groups.first]
        known = _lookup(model, log, problem)
        right = model.item_right[known.clip(0)] * (known >= 0) - own_right
        count = model.item_count[known.clip(0)] * (known >= 0) - own_count
        m, g = model.options.item_prior, model.global_rate
        item = logit((right + m * g) / (count + m)) - logit(np.array(g))
    y = log.correct[groups.first]
    user = log.user[groups.first]
    # residuals against tracer and item together: right answers to hard problems say more about the learner
    residual = y - sigmoid(mean_logit + item)
    start = np.concatenate([[True], user[1:] != user[:-1]])
    before_sum = _exclusive_cumsum(residual, start)
    before_n = _exclusive_cumsum(np.ones(n), start)
    ability = before_sum / (before_n + model.options.ability_prior)
    recent = _exclusive_ewma(residual, start, model.options.recent_decay)
    return np.stack(
        [np.ones(n), mean_logit, min_logit - mean_logit, ability, item, np.log1p(before_n), recent], axis=1
    )


def _lookup(model: NextAnswerModel, log: ResponseLog, problem: IntArray) -> IntArray:
    """Training problem position for each problem code of `log` (-1 when training never saw it)."""
    codes = np.array([model.problem_index.get(label, -1) for label in log.problem_labels], dtype=np.int64)
    return codes[problem]


def _own_item_counts(train: ResponseLog, groups: _Groups, y: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Each group's learner's own right/total responses on the group's problem (for leave-one-out)."""
    problem = train.problem[groups.first]
    user = train.user[groups.first]
    pair = user * (int(problem.max(initial=0)) + 1) + problem
    _, inverse = np.unique(pair, return_inverse=True)
    return np.bincount(inverse, y)[inverse], np.bincount(inverse)[inverse].astype(np.float64)


def _exclusive_cumsum(values: FloatArray, start: np.ndarray) -> FloatArray:
    """Sum of the earlier values of the same run (runs begin where `start` is True)."""
    # The sum of the values strictly before each one, never `cumsum - value`: that is fl(S + v) - v, which
    # carries the value itself (its label) into its own prediction by a rounding (a review, 1 December).
    total = np.concatenate([[0.0], np.cumsum(values)[:-1]]) if values.size else np.zeros(0)
    run_start = np.maximum.accumulate(np.where(start, np.arange(values.size), 0))
    return total - total[run_start]


def _exclusive_ewma(values: FloatArray, start: np.ndarray, decay: float) -> FloatArray:
    """Exponentially weighted sum of the earlier values of the same run (newest weight 1, then decay, ...).

    Runs are processed position by position, all runs at once, so the loop is as long as the longest run."""
    run_start = np.maximum.accumulate(np.where(start, np.arange(values.size), 0))
    position = np.arange(values.size) - run_start
    out = np.zeros(values.size)
    by_position = np.argsort(position, kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(position))])
    for k in range(1, bounds.size - 1):
        idx = by_position[bounds[k] : bounds[k + 1]]
        out[idx] = decay * out[idx - 1] + values[idx - 1]
    return out


def _select_dynamics(
    train: ResponseLog, params: TracerParams, transfer: TransferEdges | None, options: PredictorOptions
) -> tuple[TracerParams, TransferEdges | None]:
    """The forgetting rate, then the transfer scale, each with the best training log-likelihood of the tracer
    alone (one after the other: the two barely interact, and it halves the replays)."""
    rows = train.observations()
    y = train.correct

    def loglik(candidate: TracerParams, edges: TransferEdges | None) -> float:
        p = np.clip(replay_rows(rows, candidate, edges).predicted, EPS, 1 - EPS)
        return float(np.sum(y * np.log(p) + (1 - y) * np.log1p(-p)))

    rated = [params.replace(forget_rate_per_day=np.full(len(params), r)) for r in options.forget_rates]
    best_params = max(rated, key=lambda candidate: loglik(candidate, None))
    if transfer is None or not transfer.n_edges:
        return best_params, None
    candidates = []
    for scale in options.transfer_scales:
        edges = transfer.scaled(scale)
        recentred = _recentre_priors(rows, best_params, edges)
        candidates.append((loglik(recentred, edges), scale, recentred, edges))
    _, _, chosen, edges = max(candidates, key=lambda c: (c[0], -c[1]))
    return chosen, edges


def _recentre_priors(rows: ObservationRows, params: TracerParams, edges: TransferEdges) -> TracerParams:
    """p_init as fitted by EM already includes, on average, what learners bring from earlier skills; with
    transfer on top that would count twice. Shift each concept's p_init (in logit space) so that the mean
    mastery at learners' first attempts, transfer included, equals the fitted p_init again."""
    before = replay_rows(rows, params, edges).mastery_before
    order = np.lexsort((rows.answer, rows.time_days, rows.concept, rows.learner))
    pair = rows.learner[order] * len(params) + rows.concept[order]
    first = order[np.concatenate([[True], pair[1:] != pair[:-1]])]
    c = rows.concept[first]
    n = np.bincount(c, minlength=len(params))
    mean_logit = np.bincount(c, logit(before[first]), minlength=len(params)) / np.maximum(n, 1)
    shift = np.where(n > 0, mean_logit - logit(params.p_init), 0.0)
    return params.replace(p_init=sigmoid(logit(params.p_init) - shift))


def _logistic_fit(x: FloatArray, y: FloatArray, l2: float, iterations: int = 25) -> FloatArray:
    """Ridge-penalised logistic regression by Newton's method (few features, many rows)."""
    w = np.zeros(x.shape[1])
    penalty = l2 * x.shape[0] * np.eye(x.shape[1])
    penalty[0, 0] = 0.0
    for _ in range(iterations):
        p = sigmoid(x @ w)
        gradient = x.T @ (p - y) + penalty @ w
        hessian = (x * (p * (1 - p))[:, None]).T @ x + penalty
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return w
