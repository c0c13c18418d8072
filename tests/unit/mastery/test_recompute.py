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
        [r.p_practised for r in rows],
        [r.last_task_id for r in rows],
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


def test_transfer_leaves_the_value_after_the_learners_own_last_answer() -> None:
    """`p_practised` is p_mastery after the learner's own last answer on the concept; transfer from a
    related concept answered later rewrites p_mastery and as_of (to the decayed value it raised) but not
    it, so the planner and the report still see the concept as mastered before (review due). The same
    whether traced in one go or continued from the stored state."""
    base, day, minute = 1_767_600_000_000_000, 86_400_000_000, 60_000_000
    transfer = TransferEdges.from_mapping({"b": {"a": 0.5}}, PARAMS)
    own = AnswerColumns(
        learner_ids=["l"] * 12,
        event_ids=[f"e{i:02d}" for i in range(12)],
        task_ids=["t1"] * 12,
        scores=[1.0] * 12,
        answered_us=[base + i * minute for i in range(12)],
    )
    later = AnswerColumns(["l"], ["e99"], ["t2"], [1.0], [base + 40 * day])
    everything = AnswerColumns(
        own.learner_ids + later.learner_ids,
        own.event_ids + later.event_ids,
        own.task_ids + later.task_ids,
        own.scores + later.scores,
        own.answered_us + later.answered_us,
    )
    (mastered,) = trace_answers(own, TASKS, PARAMS, transfer)
    assert mastered.p_practised == mastered.p_mastery > 0.85
    whole = by_pair(trace_answers(everything, TASKS, PARAMS, transfer))
    continued = by_pair(trace_answers(later, TASKS, PARAMS, transfer, initial=as_state([mastered])))
    for rows in (whole, continued):
        a, b = rows[("l", "a")], rows[("l", "b")]
        assert a.p_mastery < 0.85 and a.as_of_us == base + 40 * day, "transfer rewrote the stored value"
        assert a.p_practised == mastered.p_mastery and a.attempts == 12
        assert b.p_practised == b.p_mastery
    (never,) = [r for r in trace_answers(later, TASKS, PARAMS, transfer) if r.concept_id == "a"]
    assert never.p_practised is None, "raised by transfer alone: never answered on"


def test_a_row_stored_before_p_practised_stands_in_only_where_it_was_answered_on() -> None:
    """docs/tracing.md: a MASTERY stored before 3 December 2026 has no `p_practised`, and its `p_mastery`
    stands in where the concept was answered on. A pair raised by transfer alone (no attempts) was never
    answered on: read as practised, a later answer elsewhere wrote the transferred value back as the
    learner's own, and a faded transfer read as "mastered before" in the plan and the report."""
    stored = {"learner_id": "l", "p_mastery": 0.9, "correct": 0.0, "last_us": None, "as_of_us": 1}
    state = StoredState.from_rows(
        [
            {**stored, "concept_id": "a", "attempts": 3, "correct": 3.0, "last_us": 1},
            {**stored, "concept_id": "b", "attempts": 0},
            {**stored, "concept_id": "c", "attempts": 0, "p_practised": 0.4},
        ]
    )
    assert list(state.p_practised) == [0.9, None, 0.4]
    later = AnswerColumns(["l"], ["e1"], ["t3"], [1.0], [2])
    b = by_pair(trace_answers(later, TASKS, PARAMS, initial=state.take([1])))[("l", "b")]
    assert b.p_practised is None and b.attempts == 0


def test_each_pair_keeps_the_task_of_the_learners_latest_answer_on_it() -> None:
    """By answered_at, then event id (the tracer's order), whatever order the answers came in; continued
    from a stored state as a full replay gives it; a pair reached by transfer alone has none."""
    transfer = TransferEdges.from_mapping({"a": {"c": 0.4}}, PARAMS)
    log = random_log(399, seed=5)
    # A learner with one answer on a: their c is raised by transfer alone.
    log = AnswerColumns(
        [*log.learner_ids, "solo"],
        [*log.event_ids, "e-solo"],
        [*log.task_ids, "t1"],
        [*log.scores, 1.0],
        [*log.answered_us, log.answered_us[0]],
    )
    expected: dict[tuple[str, str], tuple[int, str, str]] = {}
    for lid, eid, tid, us in zip(log.learner_ids, log.event_ids, log.task_ids, log.answered_us, strict=True):
        for cid, _ in TASKS[tid]:
            expected[(lid, cid)] = max(expected.get((lid, cid), (us, eid, tid)), (us, eid, tid))
    shuffled = log.take(np.random.default_rng(1).permutation(400).tolist())
    full = by_pair(trace_answers(shuffled, TASKS, PARAMS, transfer))
    assert {pair: row.last_task_id for pair, row in full.items() if row.attempts} == {
        pair: tid for pair, (_, _, tid) in expected.items()
    }
    assert all(row.last_task_id is None for row in full.values() if not row.attempts)
    assert any(not row.attempts for row in full.values()), "the log has pairs raised by transfer alone"
    first = trace_answers(log.take(range(250)), TASKS, PARAMS, transfer)
    rest = trace_answers(log.take(range(250, 400)), TASKS, PARAMS, transfer, as_state(first))
    assert {pair: r.last_task_id for pair, r in {**by_pair(first), **by_pair(rest)}.items()} == {
        pair: r.last_task_id for pair, r in full.items()
    }


def test_the_latest_answer_by_time_keeps_its_task_whatever_its_event_id() -> None:
    """answered_at decides and the event id only breaks a tie: here the ids run against time, which the
    random logs above (ids in time order) cannot tell from an order by id first."""
    at, minute = 1_767_600_000_000_000, 60_000_000
    log = AnswerColumns(
        ["l1", "l1", "l1"],
        ["e3", "e2", "e1"],
        ["t12", "t1", "t2"],
        [1.0, 0.0, 1.0],
        [at, at + minute, at + 2 * minute],
    )
    rows = by_pair(trace_answers(log.take([2, 0, 1]), TASKS, PARAMS))
    assert (rows[("l1", "a")].last_task_id, rows[("l1", "b")].last_task_id) == ("t1", "t2")


def test_answers_at_one_instant_keep_the_task_of_the_later_event_id() -> None:
    at = 1_767_600_000_000_000
    log = AnswerColumns(["l1", "l1"], ["e2", "e1"], ["t12", "t1"], [1.0, 0.0], [at, at])
    rows = by_pair(trace_answers(log, TASKS, PARAMS))
    assert rows[("l1", "a")].last_task_id == "t12" and rows[("l1", "b")].last_task_id == "t12"
