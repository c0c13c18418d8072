"""Properties of the tracer on generated answers and parameters, against a scalar BKT written out answer by
answer (docs/tracing.md, "The tracer"): the vectorised replay gives its numbers, any arrival order gives
the same mastery, continuing from a stored state equals a full replay, and forgetting only fades towards
p_init."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from kgplatform.mastery.bkt import EPS, TracerParams, TransferEdges, decay
from kgplatform.mastery.recompute import AnswerColumns, trace_answers, us_to_datetime
from kgplatform.mastery.tracing import AnswerEvent, ObservationRows, replay, replay_rows
from tests.unit.mastery.test_recompute import as_state, by_pair
from tests.unit.properties import checked

MAX_CONCEPTS = 4
probability = st.floats(0.02, 0.98)
below_half = st.floats(0.01, 0.49)


@st.composite
def tracer_params(draw: st.DrawFn) -> TracerParams:
    n = draw(st.integers(1, MAX_CONCEPTS))

    def column(values: st.SearchStrategy[float]) -> np.ndarray:
        return np.array(draw(st.lists(values, min_size=n, max_size=n)))

    return TracerParams(
        tuple(f"c{i}" for i in range(n)),
        p_init=column(probability),
        p_learn=column(st.floats(0.0, 1.0)),
        p_slip=column(below_half),
        p_guess=column(below_half),
        forget_rate_per_day=column(st.sampled_from([0.0, 0.02, 0.3])),
        ceiling=draw(st.sampled_from([1.0 - EPS, 0.97])),
        p_forget=column(st.sampled_from([0.0, 0.05, 0.2])),
    )


@st.composite
def transfer_edges(draw: st.DrawFn, n: int) -> dict[tuple[int, int], float]:
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    if not pairs:
        return {}
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=len(pairs)))
    return {pair: draw(st.floats(0.0, 1.0)) for pair in chosen}


@dataclass(frozen=True)
class Answer:
    learner: int
    key: int  # unique per answer; at equal times the smaller one is earlier
    hour: int  # few distinct hours, so equal times are common
    concepts: tuple[int, ...]
    score: float


@st.composite
def answers(draw: st.DrawFn, n_concepts: int) -> list[Answer]:
    count = draw(st.integers(0, 14))
    keys = draw(st.permutations(range(count)))
    return [
        Answer(
            draw(st.integers(0, 2)),
            key,
            draw(st.sampled_from([0, 1, 5, 48, 400])),
            tuple(
                draw(st.lists(st.integers(0, n_concepts - 1), min_size=1, max_size=n_concepts, unique=True))
            ),
            draw(st.sampled_from([0.0, 1.0]) | st.floats(0.0, 1.0)),
        )
        for key in keys
    ]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[TracerParams, dict[tuple[int, int], float], list[Answer]]:
    params = draw(tracer_params())
    return params, draw(transfer_edges(len(params))), draw(answers(len(params)))


def edges_of(transfer: dict[tuple[int, int], float], n: int) -> TransferEdges:
    src = np.array([a for a, _ in transfer], dtype=np.int64)
    dst = np.array([b for _, b in transfer], dtype=np.int64)
    return TransferEdges.from_arrays(src, dst, np.array(list(transfer.values()), dtype=np.float64), n)


def rows_of(log: list[Answer]) -> ObservationRows:
    flat = [(a, c) for a in log for c in a.concepts]
    return ObservationRows(
        np.array([a.learner for a, _ in flat], dtype=np.int64),
        np.array([a.key for a, _ in flat], dtype=np.int64),
        np.array([c for _, c in flat], dtype=np.int64),
        np.array([a.hour / 24 for a, _ in flat], dtype=np.float64),
        np.array([a.score for a, _ in flat], dtype=np.float64),
    )


@dataclass
class Pair:
    """The scalar reference's state of one (learner, concept)."""

    p: float
    as_of: float | None = None
    last: float | None = None
    attempts: int = 0
    correct: float = 0.0
    practised: float | None = None
    history: list[tuple[float, float]] = field(default_factory=list)  # (P(right), P(mastered)) per answer


def scalar_replay(
    log: list[Answer], params: TracerParams, transfer: dict[tuple[int, int], float]
) -> dict[tuple[int, int], Pair]:
    """BKT as docs/tracing.md writes it, one learner, answer and concept at a time, in plain floats."""
    state: dict[tuple[int, int], Pair] = {}

    def faded(pair: Pair, c: int, now: float) -> float:
        if pair.as_of is None or now <= pair.as_of:
            return pair.p
        floor = float(params.p_init[c])
        if pair.p <= floor:
            return pair.p
        return floor + (pair.p - floor) * math.exp(-float(params.forget_rate_per_day[c]) * (now - pair.as_of))

    def clip(p: float) -> float:
        return min(max(p, EPS), params.ceiling)

    for answer in sorted(log, key=lambda a: (a.learner, a.hour, a.key)):
        now, y = answer.hour / 24, answer.score
        after = {}
        for c in answer.concepts:
            pair = state.setdefault((answer.learner, c), Pair(float(params.p_init[c])))
            p = faded(pair, c, now)
            slip, guess = float(params.p_slip[c]), float(params.p_guess[c])
            pair.history.append((p * (1 - slip) + (1 - p) * guess, p))
            if_right = p * (1 - slip) / (p * (1 - slip) + (1 - p) * guess)
            if_wrong = p * slip / (p * slip + (1 - p) * (1 - guess))
            observed = y * if_right + (1 - y) * if_wrong
            learned = observed * (1 - float(params.p_forget[c])) + (1 - observed) * float(params.p_learn[c])
            after[c] = clip(learned)
        for c, p in after.items():  # every concept of the answer from the state before it
            pair = state[(answer.learner, c)]
            pair.p, pair.as_of, pair.last, pair.practised = p, now, now, p
            pair.attempts += 1
            pair.correct += y
        targets: dict[int, float] = {}
        for (a, b), strength in sorted(transfer.items()):
            if a in after:
                keep = 1 - strength * float(params.p_learn[b]) * after[a]
                targets[b] = targets.get(b, 1.0) * keep
        for b, keep in targets.items():
            pair = state.setdefault((answer.learner, b), Pair(float(params.p_init[b])))
            pair.p, pair.as_of = clip(1 - (1 - faded(pair, b, now)) * keep), now
    # The table also holds every pair a practised concept's transfer edges reach, raised or not.
    for learner, c in list(state):
        for a, b in transfer:
            if a == c and state[(learner, c)].attempts:
                state.setdefault((learner, b), Pair(float(params.p_init[b])))
    return state


def close(x: float | None, y: float | None) -> bool:
    if x is None or y is None or (isinstance(x, float) and math.isnan(x)):
        return (x is None or math.isnan(x)) and (y is None or (isinstance(y, float) and math.isnan(y)))
    return math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


@given(worlds())
@checked(150)
def test_the_vectorised_replay_equals_a_scalar_bkt_answer_by_answer(
    world: tuple[TracerParams, dict[tuple[int, int], float], list[Answer]],
) -> None:
    params, transfer, log = world
    rows = rows_of(log)
    result = replay_rows(rows, params, edges_of(transfer, len(params)) if transfer else None)
    expected = scalar_replay(log, params, transfer)
    table = result.mastery
    got = {(int(lr), int(c)): i for i, (lr, c) in enumerate(zip(table.learner, table.concept, strict=True))}
    assert set(got) == set(expected)
    for key, i in got.items():
        want = expected[key]
        assert close(float(table.p_mastery[i]), want.p), key
        assert table.attempts[i] == want.attempts and close(float(table.correct[i]), want.correct)
        assert close(float(table.as_of_days[i]), want.as_of) and close(
            float(table.last_practised_days[i]), want.last
        )
        assert close(float(table.p_practised[i]), want.practised)
        assert 0.0 < table.p_mastery[i] < 1.0
    # Per input row: the prediction and the mastery just before its answer, in input order.
    seen: dict[tuple[int, int], int] = {}
    order = sorted(range(len(rows)), key=lambda r: (rows.learner[r], rows.time_days[r], rows.answer[r]))
    for r in order:
        key = (int(rows.learner[r]), int(rows.concept[r]))
        k = seen[key] = seen.get(key, -1) + 1
        right, before = expected[key].history[k]
        assert close(float(result.predicted[r]), right) and close(float(result.mastery_before[r]), before)
        assert 0.0 <= result.predicted[r] <= 1.0


@given(worlds(), st.randoms(use_true_random=False))
@checked(150)
def test_any_arrival_order_gives_identical_mastery(
    world: tuple[TracerParams, dict[tuple[int, int], float], list[Answer]], rng: object
) -> None:
    params, transfer, log = world
    edges = edges_of(transfer, len(params)) if transfer else None
    shuffled = list(log)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    first, second = replay_rows(rows_of(log), params, edges), replay_rows(rows_of(shuffled), params, edges)
    for name in ("learner", "concept", "p_mastery", "attempts", "correct", "as_of_days", "p_practised"):
        np.testing.assert_array_equal(getattr(first.mastery, name), getattr(second.mastery, name), name)


BASE_US = 1_767_600_000_000_000
HOUR_US = 3_600_000_000


def columns_of(
    log: list[Answer], params: TracerParams
) -> tuple[AnswerColumns, dict[str, list[tuple[str, float]]]]:
    """The log as the ingest passes it: each answer's concepts as a task of its own."""
    tasks = {
        f"t{'-'.join(map(str, a.concepts))}": [(params.concept_ids[c], 1.0) for c in a.concepts] for a in log
    }
    return (
        AnswerColumns(
            learner_ids=[f"l{a.learner}" for a in log],
            event_ids=[f"e{a.key:03d}" for a in log],
            task_ids=[f"t{'-'.join(map(str, a.concepts))}" for a in log],
            scores=[a.score for a in log],
            answered_us=[BASE_US + a.hour * HOUR_US for a in log],
        ),
        tasks,
    )


@given(worlds(), st.integers(0, 14))
@checked(150)
def test_continuing_from_the_stored_state_equals_a_full_replay(
    world: tuple[TracerParams, dict[tuple[int, int], float], list[Answer]], cut: int
) -> None:
    params, transfer, log = world
    edges = edges_of(transfer, len(params)) if transfer else None
    # Earlier answers first, in the tracer's order: the stored state holds the first `cut` of them.
    ordered = sorted(log, key=lambda a: (a.hour, a.key))
    columns, tasks = columns_of(ordered, params)
    cut = min(cut, len(ordered))
    full = trace_answers(columns, tasks, params, edges)
    first = trace_answers(columns.take(range(cut)), tasks, params, edges)
    rest = trace_answers(columns.take(range(cut, len(ordered))), tasks, params, edges, as_state(first))
    assert {**by_pair(first), **by_pair(rest)} == by_pair(full)


@given(
    st.floats(0.0, 1.0),
    probability,
    st.floats(0.0, 2.0),
    st.lists(st.floats(0.0, 400.0), min_size=2, max_size=5),
)
@checked(300)
def test_forgetting_fades_monotonically_towards_the_floor_and_composes(
    p: float, floor: float, rate: float, elapsed: list[float]
) -> None:
    times = sorted(elapsed)

    def faded(days: float) -> float:
        return float(decay(np.array([p]), np.array([days]), np.array([rate]), np.array([floor]))[0])

    values = [faded(t) for t in times]
    assert all(later <= earlier for earlier, later in zip(values, values[1:], strict=False))
    assert all(min(p, floor) - 1e-15 <= v <= p for v in values)
    assert faded(float("nan")) == p and faded(-1.0) == p
    step = float(
        decay(np.array([values[0]]), np.array([times[1] - times[0]]), np.array([rate]), np.array([floor]))[0]
    )
    assert math.isclose(step, values[1], rel_tol=1e-12, abs_tol=1e-15)


@given(worlds())
@checked(100)
def test_one_learners_replay_by_datetimes_equals_the_ingests_trace_by_microseconds(
    world: tuple[TracerParams, dict[tuple[int, int], float], list[Answer]],
) -> None:
    """`replay` (AnswerEvents, datetimes, ties by event id) and `trace_answers` (the ingest's columns,
    epoch microseconds, event ids ranked) are two doors to one tracer: the same floats and times."""
    params, transfer, log = world
    edges = edges_of(transfer, len(params)) if transfer else None
    columns, tasks = columns_of(log, params)
    traced = trace_answers(columns, tasks, params, edges)
    for learner in {a.learner for a in log}:
        events = [
            AnswerEvent(
                f"e{a.key:03d}",
                us_to_datetime(BASE_US + a.hour * HOUR_US),
                [params.concept_ids[c] for c in a.concepts],
                a.score,
            )
            for a in log
            if a.learner == learner
        ]
        replayed = replay(events, params, edges)
        rows = {r.concept_id: r for r in traced if r.learner_id == f"l{learner}"}
        assert set(replayed) == set(rows)
        for concept_id, state in replayed.items():
            row = rows[concept_id]
            assert (state.p_mastery, state.attempts, state.correct) == (
                row.p_mastery,
                row.attempts,
                row.correct,
            )
            assert state.as_of == (None if row.as_of_us is None else us_to_datetime(row.as_of_us))
            assert state.last_practised == (None if row.last_us is None else us_to_datetime(row.last_us))
