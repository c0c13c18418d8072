"""The vectorised tracer: replays answers of many learners at once, step by step.

Rows are (learner, answer, concept) triples. Step k updates the k-th answer of every learner together,
so one numpy pass per step serves thousands of learners; within a learner the order is (time, answer key),
whatever order the rows came in, which is what makes out-of-order arrival give identical mastery.
All concepts of one answer are predicted before any of them is updated (no leak between them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import (
    EPS,
    FloatArray,
    IntArray,
    TracerParams,
    TransferEdges,
    decay,
    posterior,
    predict_correct,
    transition,
)


@dataclass(frozen=True, eq=False)
class ObservationRows:
    """One row per (answer, concept) pair, columnar.

    learner: any int64 code. answer: an int64 key shared by the rows of one answer; at equal time the
    smaller key counts as earlier (callers rank their event ids). concept: index into TracerParams.
    time_days: answer time in days (any fixed origin; `tracing.to_days`). score: correctness in [0, 1].
    """

    learner: IntArray
    answer: IntArray
    concept: IntArray
    time_days: FloatArray
    score: FloatArray

    def __post_init__(self) -> None:
        n = np.asarray(self.learner).size
        for name, dtype in (
            ("learner", np.int64),
            ("answer", np.int64),
            ("concept", np.int64),
            ("time_days", np.float64),
            ("score", np.float64),
        ):
            values = np.asarray(getattr(self, name), dtype=dtype).reshape(-1)
            if values.size != n:
                raise ValidationFailed(f"{name} has {values.size} rows, expected {n}", field=name)
            object.__setattr__(self, name, values)
        if np.any((self.score < 0) | (self.score > 1)) or np.any(np.isnan(self.score)):
            raise ValidationFailed("scores must lie in [0, 1]", field="correct")
        if not np.all(np.isfinite(self.time_days)):
            raise ValidationFailed("answer times must be finite", field="answered_at")

    def __len__(self) -> int:
        return int(self.learner.size)


@dataclass(frozen=True, eq=False)
class MasteryTable:
    """Mastery per (learner, concept) pair, columnar. NaN times mean "never" (never practised/updated).

    as_of_days is the time p_mastery refers to: forgetting after it is applied by `decay` at read time.
    p_practised is p_mastery right after the learner's own last answer on the concept (NaN: never
    answered on), which transfer from other concepts leaves alone: the planner and the report judge
    "mastered before, review due" from it. Transfer rewrites p_mastery and as_of to the decayed value it
    raised, so a concept mastered and faded read as never mastered once a related concept was answered.
    """

    learner: IntArray
    concept: IntArray
    p_mastery: FloatArray
    attempts: IntArray
    correct: FloatArray
    last_practised_days: FloatArray
    as_of_days: FloatArray
    p_practised: FloatArray

    def __len__(self) -> int:
        return int(self.learner.size)


@dataclass(frozen=True, eq=False)
class ReplayResult:
    mastery: MasteryTable
    predicted: FloatArray  # P(correct) per input row, just before its answer was observed (input order)
    mastery_before: FloatArray  # P(mastered) per input row at that moment, forgetting applied


def replay_rows(
    rows: ObservationRows,
    params: TracerParams,
    transfer: TransferEdges | None = None,
    initial: MasteryTable | None = None,
) -> ReplayResult:
    """Replays every learner's answers from `initial` (or from p_init) and returns the final mastery.

    Only pairs that were practised, raised by transfer, or present in `initial` appear in the result.
    """
    n_concepts = len(params)
    if rows.concept.size and (rows.concept.min() < 0 or rows.concept.max() >= n_concepts):
        raise ValidationFailed("a row's concept index is outside the parameters", field="concept")
    order = np.lexsort((rows.concept, rows.answer, rows.time_days, rows.learner))
    learner = rows.learner[order]
    concept = rows.concept[order]
    time = rows.time_days[order]
    score = rows.score[order]
    answer = rows.answer[order]

    init_learner = initial.learner if initial is not None else np.empty(0, np.int64)
    learner_ids, codes = np.unique(np.concatenate([learner, init_learner]), return_inverse=True)
    code = codes[: learner.size]
    step = _steps_within_learner(code, time, answer, concept)

    keys = code * n_concepts + concept
    key_parts = [keys]
    if transfer is not None and transfer.n_edges:
        pair_keys = np.unique(keys)
        owner, dst, _ = transfer.expand(pair_keys % n_concepts)
        key_parts.append((pair_keys // n_concepts)[owner] * n_concepts + dst)
    if initial is not None:
        key_parts.append(codes[learner.size :] * n_concepts + initial.concept)
    slot_keys = np.unique(np.concatenate(key_parts))
    slot = np.searchsorted(slot_keys, keys)
    slot_concept = slot_keys % n_concepts

    p = params.p_init[slot_concept].copy()
    as_of = np.full(slot_keys.size, np.nan)
    last = np.full(slot_keys.size, np.nan)
    attempts = np.zeros(slot_keys.size, dtype=np.int64)
    correct = np.zeros(slot_keys.size)
    practised = np.full(slot_keys.size, np.nan)
    if initial is not None:
        at = np.searchsorted(slot_keys, codes[learner.size :] * n_concepts + initial.concept)
        p[at], as_of[at], last[at] = initial.p_mastery, initial.as_of_days, initial.last_practised_days
        practised[at] = initial.p_practised
        attempts[at], correct[at] = initial.attempts, initial.correct

    predicted = np.empty(learner.size)
    before = np.empty(learner.size)
    by_step = np.argsort(step, kind="stable")
    bounds = (
        np.concatenate([[0], np.cumsum(np.bincount(step, minlength=1))]) if step.size else np.zeros(1, int)
    )
    for k in range(bounds.size - 1):
        idx = by_step[bounds[k] : bounds[k + 1]]
        s, c, t = slot[idx], concept[idx], time[idx]
        current = decay(p[s], t - as_of[s], params.forget_rate_per_day[c], params.p_init[c])
        before[idx] = current
        predicted[idx] = predict_correct(current, params.p_slip[c], params.p_guess[c])
        observed = posterior(current, score[idx], params.p_slip[c], params.p_guess[c])
        # Clipped so a long run of right answers cannot reach exactly 1.0, from which no wrong answer
        # could move it (the posterior of p = 1 is 1 whatever the answer).
        p[s] = np.clip(transition(observed, params.p_learn[c], params.p_forget[c]), EPS, params.ceiling)
        practised[s] = p[s]
        as_of[s] = t
        last[s] = t
        attempts[s] += 1
        correct[s] += score[idx]
        if transfer is not None and transfer.n_edges:
            _apply_transfer(transfer, params, slot_keys, code[idx] * n_concepts, c, p[s], t, p, as_of)

    result_predicted = np.empty_like(predicted)
    result_predicted[order] = predicted
    result_before = np.empty_like(before)
    result_before[order] = before
    table = MasteryTable(
        learner_ids[slot_keys // n_concepts], slot_concept, p, attempts, correct, last, as_of, practised
    )
    return ReplayResult(table, result_predicted, result_before)


def _steps_within_learner(code: IntArray, time: FloatArray, answer: IntArray, concept: IntArray) -> IntArray:
    """Rank of each (sorted) row's answer within its learner; rejects a concept listed twice in one answer."""
    if code.size == 0:
        return np.empty(0, dtype=np.int64)
    same_learner = np.concatenate([[False], code[1:] == code[:-1]])
    same_answer = same_learner & np.concatenate(
        [[False], (time[1:] == time[:-1]) & (answer[1:] == answer[:-1])]
    )
    if np.any(same_answer & np.concatenate([[False], concept[1:] == concept[:-1]])):
        raise ValidationFailed("an answer lists the same concept twice", field="concept")
    answer_seq = np.cumsum(~same_answer) - 1
    first_of_learner = np.maximum.accumulate(np.where(~same_learner, answer_seq, 0))
    return (answer_seq - first_of_learner).astype(np.int64)


def _apply_transfer(
    transfer: TransferEdges,
    params: TracerParams,
    slot_keys: IntArray,
    learner_base: IntArray,
    sources: IntArray,
    source_mastery: FloatArray,
    time: FloatArray,
    p: FloatArray,
    as_of: FloatArray,
) -> None:
    """Raises the targets of the concepts just practised (rule in `TransferEdges`), in place."""
    owner, dst, strength = transfer.expand(sources)
    if dst.size == 0:
        return
    targets = np.searchsorted(slot_keys, learner_base[owner] + dst)
    unique, inverse = np.unique(targets, return_inverse=True)
    keep = np.ones(unique.size)
    np.multiply.at(keep, inverse, 1.0 - strength * params.p_learn[dst] * source_mastery[owner])
    when = np.empty(unique.size)
    when[inverse] = time[owner]
    c = slot_keys[unique] % len(params)
    current = decay(p[unique], when - as_of[unique], params.forget_rate_per_day[c], params.p_init[c])
    p[unique] = np.clip(1.0 - (1.0 - current) * keep, EPS, params.ceiling)
    as_of[unique] = when
