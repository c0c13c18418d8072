"""Turns stored answers (and optionally stored tracer state) into MASTERY rows, through the tracer.

Pure numpy, no database. Times travel as exact epoch microseconds and become the tracer's days by one
division (`us_to_days`), so a state written to the graph and read back continues bit-for-bit: the
incremental path (new answers on top of the stored state) gives the same floats as a full replay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import numpy as np

from kgplatform.mastery.bkt import FloatArray, IntArray, TracerParams, TransferEdges
from kgplatform.mastery.tracing import MasteryTable, ObservationRows, replay_rows

US_PER_DAY = 86_400_000_000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TaskConcepts = Mapping[str, Sequence[tuple[str, float]]]


def us_to_days(us: IntArray) -> FloatArray:
    """Epoch microseconds to the tracer's days: distinct microseconds stay distinct floats from about 1790
    to 2149 (answers before 1970 are refused, `models.EARLIEST_ANSWER`)."""
    return np.asarray(us, dtype=np.int64) / US_PER_DAY


def us_to_datetime(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=us)


def datetime_to_us(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(microseconds=1)


def split_us(us: int | None) -> tuple[int | None, int | None]:
    """Epoch microseconds as (epoch seconds, nanoseconds), the pair Cypher turns into a datetime."""
    if us is None:
        return None, None
    seconds, micros = divmod(us, 1_000_000)
    return seconds, micros * 1000


ColumnsT = TypeVar("ColumnsT")


def take_rows(columns: ColumnsT, indices: Sequence[int]) -> ColumnsT:
    """The same dataclass of aligned columns, holding only the rows at `indices`, in that order."""
    return type(columns)(*(_pick(getattr(columns, f.name), indices) for f in fields(columns)))  # type: ignore[arg-type]


def _pick(values: Sequence[Any], indices: Sequence[int]) -> list[Any]:
    # A function of its own so that each column is looked up once, not once per row.
    return [values[i] for i in indices]


@dataclass(frozen=True)
class AnswerColumns:
    """Answers of several learners, columnar; any order (the tracer sorts by time, then event id)."""

    learner_ids: Sequence[str]
    event_ids: Sequence[str]
    task_ids: Sequence[str]
    scores: Sequence[float]
    answered_us: Sequence[int]

    def __len__(self) -> int:
        return len(self.event_ids)

    def take(self, indices: Sequence[int]) -> AnswerColumns:
        return take_rows(self, indices)


@dataclass(frozen=True)
class StoredState:
    """Stored MASTERY state of (learner, concept) pairs, as read back from the graph."""

    learner_ids: Sequence[str]
    concept_ids: Sequence[str]
    p_mastery: Sequence[float]
    attempts: Sequence[int]
    correct: Sequence[float]
    last_us: Sequence[int | None]
    as_of_us: Sequence[int | None]
    # The value after the learner's own last answer (`MasteryTable.p_practised`); None: never answered on.
    # Stored before p_practised was: the stored value itself when answered on (the best there is).
    p_practised: Sequence[float | None]
    # The task of the learner's latest answer on the concept (by answered_at, then event id); None: never
    # answered on, or stored before it was kept (the planner then takes turns by attempts alone).
    last_task_ids: Sequence[str | None]

    def take(self, indices: Sequence[int]) -> StoredState:
        return take_rows(self, indices)

    @classmethod
    def from_rows(cls, rows: Sequence[Mapping[str, Any]]) -> StoredState:
        return cls(
            [r["learner_id"] for r in rows],
            [r["concept_id"] for r in rows],
            [float(r["p_mastery"]) for r in rows],
            [int(r["attempts"]) for r in rows],
            [float(r["correct"]) for r in rows],
            [r["last_us"] for r in rows],
            [r["as_of_us"] for r in rows],
            [practised_or_stored(r.get("p_practised"), r["p_mastery"], r["attempts"]) for r in rows],
            [r.get("last_task_id") for r in rows],
        )


def practised_or_stored(p_practised: float | None, p_mastery: float, attempts: int | None) -> float | None:
    """The value after the learner's own last answer: as stored, else (a row written before it was
    stored) the stored value when the concept was answered on, else None."""
    if p_practised is not None:
        return float(p_practised)
    return float(p_mastery) if attempts else None


@dataclass(frozen=True)
class MasteryRow:
    learner_id: str
    concept_id: str
    p_mastery: float
    attempts: int
    correct: float
    last_us: int | None
    as_of_us: int | None
    p_practised: float | None = None
    last_task_id: str | None = None


@dataclass(frozen=True)
class MasteryColumns:
    """Traced mastery of many (learner, concept) pairs as aligned columns: the shape the writes send."""

    learner_ids: list[str]
    concept_ids: list[str]
    p_mastery: list[float]
    attempts: list[int]
    correct: list[float]
    last_us: list[int | None]
    as_of_us: list[int | None]
    p_practised: list[float | None]
    last_task_ids: list[str | None]  # `StoredState.last_task_ids`

    def __len__(self) -> int:
        return len(self.learner_ids)

    def take(self, indices: Sequence[int]) -> MasteryColumns:
        return take_rows(self, indices)

    def rows(self) -> list[MasteryRow]:
        return [
            MasteryRow(*values)
            for values in zip(
                self.learner_ids,
                self.concept_ids,
                self.p_mastery,
                self.attempts,
                self.correct,
                self.last_us,
                self.as_of_us,
                self.p_practised,
                self.last_task_ids,
                strict=True,
            )
        ]


def trace_answers(
    answers: AnswerColumns,
    task_concepts: TaskConcepts,
    params: TracerParams,
    transfer: TransferEdges | None = None,
    initial: StoredState | None = None,
) -> list[MasteryRow]:
    """Mastery after `answers` as one row per pair (`trace_columns` says which pairs)."""
    return trace_columns(answers, task_concepts, params, transfer, initial).rows()


def trace_columns(
    answers: AnswerColumns,
    task_concepts: TaskConcepts,
    params: TracerParams,
    transfer: TransferEdges | None = None,
    initial: StoredState | None = None,
) -> MasteryColumns:
    """Mastery after `answers`, starting from `initial` where given (else from each concept's p_init).

    Every concept of an answer's task is updated with the answer's score (the tracer's multi-concept
    rule). Only pairs practised, raised by transfer, or present in `initial` are returned.
    """
    learner_names = sorted(set(answers.learner_ids) | set(initial.learner_ids if initial else ()))
    learner_code = {name: i for i, name in enumerate(learner_names)}
    per_answer = [task_concepts.get(t, ()) for t in answers.task_ids]
    counts = np.fromiter((len(c) for c in per_answer), dtype=np.int64, count=len(per_answer))
    concept = params.indices([cid for concepts in per_answer for cid, _ in concepts])
    codes = np.fromiter((learner_code[n] for n in answers.learner_ids), dtype=np.int64, count=len(answers))
    # Rank of each event id among all given: ties in time are broken by event id, whatever the learner.
    # (Ranked as Python strings: numpy's fixed-width str dtype would drop trailing NULs and merge ids.)
    _, answer_rank = np.unique(np.asarray(answers.event_ids, dtype=object), return_inverse=True)
    answered_us = np.asarray(answers.answered_us, dtype=np.int64)
    rows = ObservationRows(
        learner=np.repeat(codes, counts),
        answer=np.repeat(answer_rank.astype(np.int64), counts),
        concept=concept,
        time_days=us_to_days(np.repeat(answered_us, counts)),
        score=np.repeat(np.asarray(answers.scores, dtype=np.float64), counts),
    )
    known_us = set(answers.answered_us)
    table = None
    if initial is not None and initial.learner_ids:
        table = _initial_table(initial, learner_code, params)
        known_us.update(u for u in (*initial.last_us, *initial.as_of_us) if u is not None)
    result = replay_rows(rows, params, transfer, table).mastery
    # The tracer copies answer times; map its days back to the exact microseconds they came from.
    days_to_us = {
        float(d): u for u, d in zip(known_us, us_to_days(np.fromiter(known_us, np.int64)), strict=True)
    }
    return MasteryColumns(
        [learner_names[lc] for lc in result.learner.tolist()],
        [params.concept_ids[c] for c in result.concept.tolist()],
        result.p_mastery.tolist(),
        result.attempts.tolist(),
        result.correct.tolist(),
        _back_all(result.last_practised_days, days_to_us),
        _back_all(result.as_of_days, days_to_us),
        [None if p != p else p for p in result.p_practised.tolist()],  # NaN: never answered on
        _last_tasks(answers.task_ids, counts, rows, result, initial, learner_code, params),
    )


def _last_tasks(
    task_ids: Sequence[str],
    counts: IntArray,
    rows: ObservationRows,
    result: MasteryTable,
    initial: StoredState | None,
    learner_code: Mapping[str, int],
    params: TracerParams,
) -> list[str | None]:
    """Per result pair, the task of the learner's latest answer on the concept: the last of `rows` in the
    tracer's own order (time, then event id rank), so arrival order changes nothing; else the stored one.
    Given answers on a pair come after its stored state (the incremental path's condition, else the
    learner is replayed from the whole history), so they supersede it."""
    n_concepts = len(params)
    out: list[str | None] = [None] * len(result)
    pair_keys = result.learner * n_concepts + result.concept
    if initial is not None and initial.learner_ids:
        codes = np.fromiter(
            (learner_code[n] for n in initial.learner_ids), np.int64, len(initial.learner_ids)
        )
        keys = codes * n_concepts + params.indices(list(initial.concept_ids))
        at = np.searchsorted(pair_keys, keys)  # the result's pairs are sorted and include the initial's
        for i, task in zip(at.tolist(), initial.last_task_ids, strict=True):
            out[i] = task
    if rows.learner.size:
        # `counts`: rows per answer (its task's concepts), as `rows` repeat them.
        task_names, task_code = np.unique(np.asarray(task_ids, dtype=object), return_inverse=True)
        task_of_row = np.repeat(task_code.astype(np.int64), counts)
        # Sorted again, not in the tracer's order: `replay_rows` sorts by learner, time, event id, concept and
        # returns only the mastery. Its order is right within a pair but leaves a pair's rows apart, so
        # taking each pair's latest from it costs a Python step per row (the last written wins) instead of
        # one per pair, or another sort to group them. By pair first, each pair's latest is its run's end.
        # (test_recompute.py's shuffled logs and event ids running against time catch a wrong order.)
        order = np.lexsort((rows.answer, rows.time_days, rows.concept, rows.learner))
        keys = (rows.learner * n_concepts + rows.concept)[order]
        last = np.flatnonzero(np.append(keys[1:] != keys[:-1], True))
        at = np.searchsorted(pair_keys, keys[last])
        for i, t in zip(at.tolist(), task_of_row[order[last]].tolist(), strict=True):
            out[i] = task_names[t]
    return out


def _initial_table(
    initial: StoredState, learner_code: Mapping[str, int], params: TracerParams
) -> MasteryTable:
    def days(values: Sequence[int | None]) -> FloatArray:
        out = np.full(len(values), np.nan)
        present = [i for i, v in enumerate(values) if v is not None]
        out[present] = us_to_days(np.array([values[i] for i in present], dtype=np.int64))
        return out

    return MasteryTable(
        learner=np.fromiter(
            (learner_code[n] for n in initial.learner_ids), np.int64, len(initial.learner_ids)
        ),
        concept=params.indices(list(initial.concept_ids)),
        p_mastery=np.asarray(initial.p_mastery, dtype=np.float64),
        attempts=np.asarray(initial.attempts, dtype=np.int64),
        correct=np.asarray(initial.correct, dtype=np.float64),
        last_practised_days=days(initial.last_us),
        as_of_days=days(initial.as_of_us),
        p_practised=np.array(
            [np.nan if p is None else p for p in initial.p_practised], dtype=np.float64
        ).reshape(-1),
    )


def _back_all(days: FloatArray, days_to_us: Mapping[float, int]) -> list[int | None]:
    return [None if d != d else days_to_us[d] for d in days.tolist()]  # NaN means "never"


def transfer_targets(concept_ids: set[str], transfer: Mapping[str, Mapping[str, float]]) -> set[str]:
    """The concepts whose state an answer on `concept_ids` can change: themselves and their targets."""
    targets = set(concept_ids)
    if transfer:
        for source in concept_ids:
            targets.update(transfer.get(source, {}))
    return targets
