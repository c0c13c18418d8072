"""Continuing from a stored state gives bit-identical mastery to replaying the whole history."""

from __future__ import annotations

import numpy as np

from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.recompute import (
    AnswerColumns,
    MasteryRow,
    StoredState,
    datetime_to_us,
    trace_answers,
    trace_columns,
    us_to_datetime,
)

TASKS = {"t1": [("a", 1.0)], "t2": [("b", 1.0)], "t12": [("a", 1.0), ("b", 1.0)], "t3": [("c", 1.0)]}
PARAMS = TracerParams.default(["a", "b", "c"])


def random_log(n: int, seed: int) -> AnswerColumns:
    rng = np.random.default_rng(seed)
    base = 1_767_600_000_000_000
    return AnswerColumns(
        learner_ids=[f"l{i}" for i in rng.integers(4, size=n)],
        event_ids=[f"e{i:05d}" for i in range(n)],
        task_ids=[str(t) for t in rng.choice(list(TASKS), size=n)],
        scores=[float(s) for s in rng.choice([0.0, 1.0, 0.5], size=n)],
        answered_us=[int(u) for u in base + np.sort(rng.integers(0, 40 * 86_400_000_000, size=n))],
    )


def as_state(rows: list[MasteryRow]) -> StoredState:
    return StoredState(
        [r.learner_id for r in rows],
        [r.concept_id for r in rows],
        [r.p_mastery for r in rows],
        [r.attempts for r in rows],
        [r.correct for r in rows],
        [r.last_us for r in rows],
        [r.as_of_us for r in rows],
    )


def by_pair(rows: list[MasteryRow]) -> dict[tuple[str, str], MasteryRow]:
    return {(r.learner_id, r.concept_id): r for r in rows}


def test_continuing_from_stored_state_equals_full_replay_bit_for_bit() -> None:
    transfer = TransferEdges.from_mapping({"a": {"c": 0.4}}, PARAMS)
    log = random_log(400, seed=1)
    full = trace_answers(log, TASKS, PARAMS, transfer)
    first = trace_answers(log.take(range(250)), TASKS, PARAMS, transfer)
    rest = trace_answers(log.take(range(250, 400)), TASKS, PARAMS, transfer, as_state(first))
    combined = {**by_pair(first), **by_pair(rest)}
    assert combined == by_pair(full)  # dataclass equality: every float identical


def test_times_round_trip_exactly_through_microseconds() -> None:
    log = random_log(50, seed=2)
    rows = trace_answers(log, TASKS, PARAMS)
    assert {r.last_us for r in rows} <= set(log.answered_us)
    for us in log.answered_us:
        assert datetime_to_us(us_to_datetime(us)) == us


def test_order_of_rows_does_not_matter() -> None:
    log = random_log(300, seed=3)
    order = np.random.default_rng(0).permutation(300).tolist()
    assert by_pair(trace_answers(log.take(order), TASKS, PARAMS)) == by_pair(
        trace_answers(log, TASKS, PARAMS)
    )


def test_columns_and_rows_are_the_same_result() -> None:
    log = random_log(120, seed=4)
    columns = trace_columns(log, TASKS, PARAMS)
    assert columns.rows() == trace_answers(log, TASKS, PARAMS)
    picked = columns.take([2, 0])
    assert picked.rows() == [columns.rows()[2], columns.rows()[0]]


def test_event_ids_differing_only_in_trailing_nuls_stay_two_answers() -> None:
    """numpy's fixed-width strings drop trailing NULs: ranked through them, "e" and "e\\x00" at one instant
    were one answer to the tracer (and two rows of one concept in one answer, a refused batch)."""
    at = 1_767_600_000_000_000
    log = AnswerColumns(["l1", "l1"], ["e", "e\x00"], ["t1", "t1"], [1.0, 0.0], [at, at])
    (row,) = trace_answers(log, TASKS, PARAMS)
    assert row.attempts == 2 and row.correct == 1.0
