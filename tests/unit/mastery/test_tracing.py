"""The tracer: order independence, multi-concept answers, forgetting, transfer, and the batch path."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.tracing import (
    AnswerEvent,
    ObservationRows,
    TracerParams,
    TransferEdges,
    decayed,
    replay,
    replay_rows,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def make_events(n: int, seed: int = 0) -> list[AnswerEvent]:
    rng = random.Random(seed)
    concepts = ["a", "b", "c", "d"]
    return [
        AnswerEvent(
            f"e{i:04d}",
            T0 + timedelta(hours=rng.randrange(0, 200)),
            rng.sample(concepts, rng.randint(1, 3)),
            float(rng.random() < 0.6),
        )
        for i in range(n)
    ]


@pytest.fixture
def params() -> TracerParams:
    return TracerParams.default(["a", "b", "c", "d"])


def test_shuffled_events_give_identical_mastery(params: TracerParams) -> None:
    events = make_events(300)
    expected = replay(events, params, {"a": {"d": 0.3}})
    for seed in range(3):
        shuffled = events[:]
        random.Random(seed).shuffle(shuffled)
        assert replay(shuffled, params, {"a": {"d": 0.3}}) == expected


def test_equal_times_are_ordered_by_event_id(params: TracerParams) -> None:
    same_time = [AnswerEvent("x2", T0, ["a"], 0.0), AnswerEvent("x1", T0, ["a"], 1.0)]
    in_id_order = [AnswerEvent("x1", T0, ["a"], 1.0), AnswerEvent("x2", T0, ["a"], 0.0)]
    assert replay(same_time, params) == replay(in_id_order, params)
    wrong_order = [AnswerEvent("x1", T0, ["a"], 0.0), AnswerEvent("x2", T0, ["a"], 1.0)]
    assert replay(same_time, params)["a"] != replay(wrong_order, params)["a"]


def test_an_answer_updates_every_concept_it_exercises(params: TracerParams) -> None:
    mastery = replay([AnswerEvent("e1", T0, ["a", "c"], 1.0)], params)
    assert set(mastery) == {"a", "c"}
    for concept in ("a", "c"):
        assert mastery[concept].attempts == 1 and mastery[concept].correct == 1.0
        assert mastery[concept].p_mastery > params.p_init[params.index_of(concept)]
        assert mastery[concept].last_practised == T0


def test_right_answers_raise_and_wrong_answers_lower_mastery(params: TracerParams) -> None:
    right = replay([AnswerEvent(f"e{i}", T0, ["a"], 1.0) for i in range(5)], params)["a"].p_mastery
    wrong = replay([AnswerEvent(f"e{i}", T0, ["a"], 0.0) for i in range(5)], params)["a"].p_mastery
    half = replay([AnswerEvent(f"e{i}", T0, ["a"], 0.5) for i in range(5)], params)["a"].p_mastery
    assert wrong < half < right
    assert right > 0.95


def test_wrong_answers_still_lower_mastery_after_a_long_run_of_right_ones(params: TracerParams) -> None:
    # Without forgetting, 40 right answers once rounded p to exactly 1.0, where the posterior of a wrong
    # answer is 1 again: mastery could never fall. Probabilities stay clipped away from 1.
    no_forgetting = TracerParams.default(params.concept_ids, forget_rate_per_day=0.0)
    right = [AnswerEvent(f"r{i:02d}", T0 + timedelta(minutes=i), ["a"], 1.0) for i in range(40)]
    after_right = replay(right, no_forgetting)["a"].p_mastery
    assert after_right < 1.0
    levels = [after_right]
    for k in range(1, 6):
        wrong = [AnswerEvent(f"w{i}", T0 + timedelta(hours=1, minutes=i), ["a"], 0.0) for i in range(k)]
        levels.append(replay(right + wrong, no_forgetting)["a"].p_mastery)
    assert all(later < earlier for earlier, later in zip(levels, levels[1:], strict=False))
    # transfer cannot push a target to 1.0 either
    raised = replay(right, no_forgetting, {"a": {"b": 1.0}})["b"].p_mastery
    assert raised < 1.0


def test_mastery_decays_toward_the_floor_without_practice(params: TracerParams) -> None:
    state = replay([AnswerEvent(f"e{i}", T0, ["a"], 1.0) for i in range(5)], params)["a"]
    floor = params.p_init[params.index_of("a")]
    after_month = decayed(state, T0 + timedelta(days=30), params, "a").p_mastery
    after_year = decayed(state, T0 + timedelta(days=365), params, "a").p_mastery
    assert state.p_mastery > after_month > after_year > floor
    assert after_year == pytest.approx(floor, abs=1e-2)
    half_life = np.log(2) / params.forget_rate_per_day[0]
    at_half_life = decayed(state, T0 + timedelta(days=float(half_life)), params, "a").p_mastery
    assert at_half_life - floor == pytest.approx((state.p_mastery - floor) / 2)


def test_forgetting_applies_before_the_next_observation(params: TracerParams) -> None:
    practice = [AnswerEvent(f"e{i}", T0, ["a"], 1.0) for i in range(3)]
    soon = replay([*practice, AnswerEvent("late", T0 + timedelta(days=1), ["a"], 1.0)], params)["a"]
    later = replay([*practice, AnswerEvent("late", T0 + timedelta(days=200), ["a"], 1.0)], params)["a"]
    assert later.p_mastery < soon.p_mastery


def test_decay_composes_and_never_lowers_below_floor(params: TracerParams) -> None:
    state = replay([AnswerEvent("e1", T0, ["a"], 1.0)], params)["a"]
    step = decayed(decayed(state, T0 + timedelta(days=10), params, "a"), T0 + timedelta(days=30), params, "a")
    direct = decayed(state, T0 + timedelta(days=30), params, "a")
    assert step.p_mastery == pytest.approx(direct.p_mastery)
    assert direct.as_of == T0 + timedelta(days=30)
    naive = decayed(state, datetime(2026, 1, 31), params, "a")  # naive times are taken as UTC
    assert naive.p_mastery == pytest.approx(direct.p_mastery)
    low = replay([AnswerEvent("e1", T0, ["a"], 0.0)], params)["a"]
    assert decayed(low, T0 + timedelta(days=400), params, "a").p_mastery == pytest.approx(low.p_mastery)


def test_reading_before_the_last_answer_leaves_mastery_as_traced(params: TracerParams) -> None:
    """An answer may be dated up to a day ahead of the server's clock (`models.MAX_CLOCK_AHEAD`), so mastery
    is read before its `as_of` until that time comes: no forgetting then, and never a rise (a negative
    elapsed time grew the excess above the floor, past 1 for a well-known concept)."""
    runs = [AnswerEvent(f"e{i}", T0, ["a"], 1.0) for i in range(8)]
    state = replay(runs, params)["a"]
    for hours in (1, 12, 24):
        early = decayed(state, T0 - timedelta(hours=hours), params, "a")
        assert early.p_mastery == state.p_mastery and early.as_of == state.as_of


def test_transfer_raises_a_related_concept_only(params: TracerParams) -> None:
    events = [AnswerEvent(f"e{i}", T0, ["a"], 1.0) for i in range(4)]
    without = replay(events, params)
    with_transfer = replay(events, params, {"a": {"b": 0.8}})
    assert "b" not in without
    b = with_transfer["b"]
    assert b.p_mastery > params.p_init[params.index_of("b")]
    assert b.attempts == 0 and b.last_practised is None
    assert "c" not in with_transfer
    assert with_transfer["a"] == without["a"]
    stronger = replay(events, params, {"a": {"b": 1.0}})["b"].p_mastery
    assert stronger > b.p_mastery


def test_transfer_rule_is_the_documented_formula(params: TracerParams) -> None:
    mastery = replay([AnswerEvent("e1", T0, ["a"], 0.0)], params, {"a": {"b": 0.5}})
    i = params.index_of("b")
    expected = 1 - (1 - params.p_init[i]) * (1 - 0.5 * params.p_learn[i] * mastery["a"].p_mastery)
    assert mastery["b"].p_mastery == pytest.approx(expected)
    # a right answer leaves A better known, so more of it transfers
    after_right = replay([AnswerEvent("e1", T0, ["a"], 1.0)], params, {"a": {"b": 0.5}})
    assert after_right["b"].p_mastery > mastery["b"].p_mastery


def test_unknown_concept_and_bad_scores_are_rejected(params: TracerParams) -> None:
    with pytest.raises(ValidationFailed):
        replay([AnswerEvent("e1", T0, ["zzz"], 1.0)], params)
    with pytest.raises(ValidationFailed):
        replay([AnswerEvent("e1", T0, ["a"], 1.5)], params)
    assert "zzz" in params.extended(["zzz"])


def test_batch_path_matches_one_learner_at_a_time(params: TracerParams) -> None:
    rng = np.random.default_rng(3)
    n = 2000
    rows = ObservationRows(
        rng.integers(0, 50, n),
        np.arange(n),
        rng.integers(0, 4, n),
        rng.uniform(0, 100, n),
        (rng.random(n) < 0.6).astype(float),
    )
    transfer = TransferEdges.from_mapping({"a": {"b": 0.4}, "c": {"a": 0.2}}, params)
    together = replay_rows(rows, params, transfer)
    for learner in (0, 17, 49):
        mine = rows.learner == learner
        alone = replay_rows(
            ObservationRows(
                rows.learner[mine],
                rows.answer[mine],
                rows.concept[mine],
                rows.time_days[mine],
                rows.score[mine],
            ),
            params,
            transfer,
        )
        np.testing.assert_allclose(together.predicted[mine], alone.predicted)
        keep = together.mastery.learner == learner
        np.testing.assert_allclose(together.mastery.p_mastery[keep], alone.mastery.p_mastery)


def test_batch_path_continues_from_an_initial_state(params: TracerParams) -> None:
    rng = np.random.default_rng(4)
    n = 400
    rows = ObservationRows(
        rng.integers(0, 5, n),
        np.arange(n),
        rng.integers(0, 4, n),
        np.sort(rng.uniform(0, 100, n)),
        (rng.random(n) < 0.6).astype(float),
    )
    first, rest = np.arange(n) < 250, np.arange(n) >= 250

    def part(mask: np.ndarray) -> ObservationRows:
        return ObservationRows(
            rows.learner[mask], rows.answer[mask], rows.concept[mask], rows.time_days[mask], rows.score[mask]
        )

    whole = replay_rows(rows, params).mastery
    resumed = replay_rows(part(rest), params, initial=replay_rows(part(first), params).mastery).mastery
    np.testing.assert_allclose(resumed.p_mastery, whole.p_mastery)
    np.testing.assert_array_equal(resumed.attempts, whole.attempts)


def test_params_round_trip_through_json_form(params: TracerParams) -> None:
    fitted = params.replace(p_learn=np.array([0.1, 0.2, 0.3, 0.4]), model_version="bkt-test")
    again = TracerParams.from_dict(fitted.to_dict())
    assert again.concept_ids == fitted.concept_ids and again.model_version == "bkt-test"
    np.testing.assert_array_equal(again.p_learn, fitted.p_learn)
    with pytest.raises(ValidationFailed):
        params.replace(p_guess=np.full(4, 0.6))


def test_100k_answers_replayed_twice_or_shuffled_give_identical_mastery(params: TracerParams) -> None:
    rng = np.random.default_rng(5)
    n = 100_000
    answer = np.arange(n)
    rows = ObservationRows(
        rng.integers(0, 500, n),
        answer,
        rng.integers(0, 4, n),
        rng.uniform(0, 365, n).round(2),
        (rng.random(n) < 0.6).astype(float),
    )
    transfer = TransferEdges.from_mapping({"a": {"b": 0.4, "c": 0.2}, "d": {"a": 0.3}}, params)
    first = replay_rows(rows, params, transfer)
    again = replay_rows(rows, params, transfer)
    perm = rng.permutation(n)
    shuffled = replay_rows(
        ObservationRows(
            rows.learner[perm], rows.answer[perm], rows.concept[perm], rows.time_days[perm], rows.score[perm]
        ),
        params,
        transfer,
    )
    for other in (again, shuffled):
        for name in (
            "learner",
            "concept",
            "p_mastery",
            "attempts",
            "correct",
            "last_practised_days",
            "as_of_days",
        ):
            np.testing.assert_array_equal(getattr(other.mastery, name), getattr(first.mastery, name))
    np.testing.assert_array_equal(shuffled.predicted[np.argsort(perm)], first.predicted)


def test_the_per_answer_forget_is_bkt_s_transition(params: TracerParams) -> None:
    # pyBKT's form: P(mastered next) = posterior (1 - forget) + (1 - posterior) learn.
    forgetful = params.replace(p_forget=np.full(4, 0.1), forget_rate_per_day=np.zeros(4))
    p = replay([AnswerEvent("e1", T0, ["a"], 1.0)], forgetful)["a"].p_mastery
    i = params.index_of("a")
    prior, slip, guess, learn = params.p_init[i], params.p_slip[i], params.p_guess[i], params.p_learn[i]
    right = prior * (1 - slip) / (prior * (1 - slip) + (1 - prior) * guess)
    assert p == pytest.approx(right * 0.9 + (1 - right) * learn)
    # A long run of right answers settles below 1 - forget, where a few wrong answers can still move it.
    runs = [AnswerEvent(f"r{k:03d}", T0 + timedelta(minutes=k), ["a"], 1.0) for k in range(100)]
    assert replay(runs, forgetful)["a"].p_mastery < 0.9 + 1e-9


@pytest.mark.parametrize("value", [-0.01, 0.5, float("nan")])
def test_a_forget_outside_0_to_half_is_refused(params: TracerParams, value: float) -> None:
    with pytest.raises(ValidationFailed) as error:
        params.replace(p_forget=np.full(4, value))
    assert error.value.field == "p_forget"


def test_the_forget_is_saved_with_the_parameters_and_an_older_file_reads_as_none(
    params: TracerParams,
) -> None:
    forgetful = params.replace(p_forget=np.array([0.0, 0.02, 0.05, 0.1]))
    np.testing.assert_array_equal(TracerParams.from_dict(forgetful.to_dict()).p_forget, forgetful.p_forget)
    older = forgetful.to_dict()
    for record in older["concepts"]:
        del record["p_forget"]
    np.testing.assert_array_equal(TracerParams.from_dict(older).p_forget, np.zeros(4))
