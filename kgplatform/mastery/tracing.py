"""The tracer's public API: from one learner's answers to mastery per concept.

Model: Bayesian Knowledge Tracing per concept (`bkt`), with
- several concepts per answer: each concept of the task is predicted from the state before the answer,
  then each is updated with the same observed score;
- forgetting: mastery above the concept's p_init decays as exp(-forget_rate_per_day * days) since it was
  last updated, applied before each observation and at read time (`decayed`);
- transfer: practising A gives each target B an extra learning opportunity of probability
  strength(A, B) * p_learn[B] * (A's mastery after the answer) (`TransferEdges`);
- order: answers are replayed sorted by (answered_at, event_id), so any arrival order gives identical
  mastery. Callers that receive an answer older than a learner's last one replay that learner's history.

For many learners at once use `replay_rows` (columnar, vectorised); `replay` is the one-learner form.
Fitted parameters come from `kgplatform.mastery.params_store.load_current(settings)`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import TracerParams, TransferEdges, decay
from kgplatform.mastery.tracing_batch import MasteryTable, ObservationRows, ReplayResult, replay_rows

__all__ = [
    "AnswerEvent",
    "ConceptMastery",
    "MasteryTable",
    "ObservationRows",
    "ReplayResult",
    "TracerParams",
    "TransferEdges",
    "decayed",
    "from_days",
    "replay",
    "replay_rows",
    "to_days",
]

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_days(moment: datetime) -> float:
    """Days since 1970 (UTC); a naive datetime is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - EPOCH) / timedelta(days=1)


def from_days(days: float) -> datetime:
    return EPOCH + timedelta(days=float(days))


@dataclass(frozen=True)
class AnswerEvent:
    """One answer of one learner: `correct` is 1/0 or a partial score in [0, 1]."""

    event_id: str
    answered_at: datetime
    concept_ids: Sequence[str]
    correct: float


@dataclass(frozen=True)
class ConceptMastery:
    """A learner's state on one concept. `p_mastery` holds as of `as_of`; use `decayed` to read it later."""

    p_mastery: float
    attempts: int
    correct: float
    last_practised: datetime | None
    as_of: datetime | None


def replay(
    events: Iterable[AnswerEvent],
    params: TracerParams,
    transfer: TransferEdges | Mapping[str, Mapping[str, float]] | None = None,
) -> dict[str, ConceptMastery]:
    """Mastery of one learner after all `events`, whatever order they come in.

    Concepts neither practised nor raised by transfer are absent (their mastery is p_init).
    """
    ordered = sorted(events, key=lambda e: (to_days(e.answered_at), e.event_id))
    learner, answer, concept, time, score = [], [], [], [], []
    for position, event in enumerate(ordered):
        if not event.concept_ids:
            raise ValidationFailed(f"answer {event.event_id!r} exercises no concept", field="concept_ids")
        for concept_id in dict.fromkeys(event.concept_ids):
            learner.append(0)
            answer.append(position)
            concept.append(params.index_of(concept_id))
            time.append(to_days(event.answered_at))
            score.append(float(event.correct))
    rows = ObservationRows(
        np.array(learner, np.int64),
        np.array(answer, np.int64),
        np.array(concept, np.int64),
        np.array(time, np.float64),
        np.array(score, np.float64),
    )
    edges = TransferEdges.from_mapping(transfer, params) if isinstance(transfer, Mapping) else transfer
    table = replay_rows(rows, params, edges).mastery
    return {
        params.concept_ids[c]: ConceptMastery(
            p_mastery=float(table.p_mastery[i]),
            attempts=int(table.attempts[i]),
            correct=float(table.correct[i]),
            last_practised=None
            if np.isnan(table.last_practised_days[i])
            else from_days(table.last_practised_days[i]),
            as_of=None if np.isnan(table.as_of_days[i]) else from_days(table.as_of_days[i]),
        )
        for i, c in enumerate(table.concept.tolist())
    }


def decayed(mastery: ConceptMastery, now: datetime, params: TracerParams, concept_id: str) -> ConceptMastery:
    """The same state read at `now`: forgetting since `as_of` applied (never below the concept's p_init)."""
    if mastery.as_of is None:
        return mastery
    i = params.index_of(concept_id)
    elapsed = to_days(now) - to_days(mastery.as_of)
    p = decay(
        np.array([mastery.p_mastery]),
        np.array([elapsed]),
        params.forget_rate_per_day[i : i + 1],
        params.p_init[i : i + 1],
    )
    return ConceptMastery(
        float(p[0]),
        mastery.attempts,
        mastery.correct,
        mastery.last_practised,
        max(from_days(to_days(now)), mastery.as_of),
    )
