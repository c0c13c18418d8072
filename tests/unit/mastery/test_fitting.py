"""BKT fitting: recovers the parameters that generated simulated data, and respects its bounds."""

from __future__ import annotations

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.fitting import FitOptions, fit_bkt, layout_sequences
from kgplatform.mastery.tracing_batch import ObservationRows, replay_rows

TRUE = np.array(
    [  # p_init, p_learn, p_slip, p_guess per concept
        [0.30, 0.20, 0.10, 0.25],
        [0.50, 0.10, 0.05, 0.30],
        [0.10, 0.30, 0.15, 0.20],
    ]
)


def simulate(theta: np.ndarray, learners: int, seed: int) -> ObservationRows:
    rng = np.random.default_rng(seed)
    learner, concept, step, score = [], [], [], []
    for who in range(learners):
        for c, (p_init, p_learn, p_slip, p_guess) in enumerate(theta):
            mastered = rng.random() < p_init
            for t in range(int(rng.integers(3, 20))):
                score.append(float(rng.random() < ((1 - p_slip) if mastered else p_guess)))
                learner.append(who)
                concept.append(c)
                step.append(t)
                mastered = mastered or rng.random() < p_learn
    n = len(score)
    # shuffled rows: the fitter must order each sequence by time itself
    perm = rng.permutation(n)
    return ObservationRows(
        np.array(learner)[perm],
        np.arange(n)[perm],
        np.array(concept)[perm],
        np.array(step, float)[perm],
        np.array(score)[perm],
    )


def test_fit_recovers_known_parameters() -> None:
    params, report = fit_bkt(
        simulate(TRUE, 2000, seed=1), ["a", "b", "c"], FitOptions(max_iter=200, tol=1e-8, progress=False)
    )
    fitted = np.stack([params.p_init, params.p_learn, params.p_slip, params.p_guess], axis=1)
    np.testing.assert_allclose(fitted, TRUE, atol=0.04)
    assert report.n_sequences == 6000 and report.iterations > 1


def test_em_never_lowers_the_likelihood() -> None:
    rows = simulate(TRUE, 300, seed=2)
    likelihoods = [
        fit_bkt(rows, ["a", "b", "c"], FitOptions(max_iter=k, tol=0, progress=False, prior_strength=0))[
            1
        ].log_likelihood
        for k in (1, 2, 5, 20)
    ]
    assert all(b >= a - 1e-6 for a, b in zip(likelihoods, likelihoods[1:], strict=False))


def test_guess_and_slip_stay_below_their_bounds() -> None:
    # answers right 80% of the time whatever the learner knows: EM would like guess > 0.5
    rng = np.random.default_rng(3)
    n = 5000
    rows = ObservationRows(
        rng.integers(0, 200, n),
        np.arange(n),
        np.zeros(n, np.int64),
        np.arange(n, dtype=float),
        (rng.random(n) < 0.8).astype(float),
    )
    options = FitOptions(progress=False, max_guess=0.3, max_slip=0.2)
    params, _ = fit_bkt(rows, ["only"], options)
    assert params.p_guess[0] <= 0.3 and params.p_slip[0] <= 0.2


def noisy_rows(seed: int, n: int = 5000) -> ObservationRows:
    """Answers right 60% of the time whatever the learner did before: EM would like slip + guess near 1."""
    rng = np.random.default_rng(seed)
    return ObservationRows(
        rng.integers(0, 200, n),
        np.arange(n),
        np.zeros(n, np.int64),
        np.arange(n, dtype=float),
        (rng.random(n) < 0.6).astype(float),
    )


def test_min_separation_keeps_right_and_wrong_answers_apart() -> None:
    """The measured alternative of docs/tracing.md ("Guess and slip bounds"): with min_separation, a fit on
    answers that say nothing about mastery keeps P(right | mastered) - P(right | not) at that margin."""
    rows = noisy_rows(4)
    free, _ = fit_bkt(rows, ["only"], FitOptions(progress=False))
    assert 1 - free.p_slip[0] - free.p_guess[0] < 0.3  # the data do push slip and guess up
    params, _ = fit_bkt(rows, ["only"], FitOptions(progress=False, min_separation=0.5))
    assert 1 - params.p_slip[0] - params.p_guess[0] >= 0.5 - 1e-9
    assert params.p_slip[0] > 0 and params.p_guess[0] > 0


@pytest.mark.parametrize("value", [-0.1, 1.0, float("nan")])
def test_min_separation_outside_0_1_is_refused(value: float) -> None:
    with pytest.raises(ValidationFailed) as raised:
        FitOptions(min_separation=value)
    assert raised.value.field == "min_separation"


def test_sparse_concepts_are_pulled_toward_defaults() -> None:
    rows = ObservationRows(
        np.array([0, 0]), np.array([0, 1]), np.array([0, 0]), np.array([0.0, 1.0]), np.array([1.0, 1.0])
    )
    params, _ = fit_bkt(rows, ["rare"], FitOptions(progress=False))
    assert 0.0 < params.p_init[0] < 1.0 and params.p_guess[0] < 0.5


def test_layout_is_time_major_and_longest_first() -> None:
    rows = ObservationRows(
        np.array([0, 0, 0, 1, 1]),
        np.arange(5),
        np.array([0, 0, 0, 0, 0]),
        np.array([2.0, 0.0, 1.0, 0.0, 1.0]),
        np.array([0.0, 1.0, 0.5, 1.0, 0.0]),
    )
    layout = layout_sequences(rows)
    np.testing.assert_array_equal(layout.offsets, [0, 2, 4, 5])
    # step 0: learner 0 (longest) then learner 1; step 2: learner 0 only
    np.testing.assert_array_equal(layout.score, [1.0, 1.0, 0.5, 0.0, 0.0])


def test_no_rows_is_a_clear_refusal_not_a_shape_error() -> None:
    empty = ObservationRows(
        learner=np.zeros(0, np.int64),
        answer=np.zeros(0, np.int64),
        concept=np.zeros(0, np.int64),
        time_days=np.zeros(0),
        score=np.zeros(0),
    )
    with pytest.raises(ValidationFailed, match="no answers to fit") as raised:
        fit_bkt(empty, ["a"])
    assert raised.value.field == "data"


def test_the_progress_bar_is_drawn_on_a_terminal_only(capsys: pytest.CaptureFixture[str]) -> None:
    """`fit-tracer` piped to a log (cron, CI) kept every EM iteration's redraw of the bar."""
    fit_bkt(simulate(TRUE, learners=20, seed=0), ["a", "b", "c"], FitOptions(max_iter=3, progress=True))
    assert "BKT EM" not in capsys.readouterr().err  # pytest's capture is no terminal


def simulate_with_forget(theta: np.ndarray, forget: float, learners: int, seed: int) -> ObservationRows:
    """Like `simulate`, but a mastered learner forgets with probability `forget` at each practice."""
    rng = np.random.default_rng(seed)
    learner, concept, step, score = [], [], [], []
    for who in range(learners):
        for c, (p_init, p_learn, p_slip, p_guess) in enumerate(theta):
            mastered = rng.random() < p_init
            for t in range(int(rng.integers(5, 30))):
                score.append(float(rng.random() < ((1 - p_slip) if mastered else p_guess)))
                learner.append(who)
                concept.append(c)
                step.append(t)
                mastered = rng.random() >= forget if mastered else rng.random() < p_learn
    n = len(score)
    return ObservationRows(
        np.array(learner), np.arange(n), np.array(concept), np.array(step, float), np.array(score)
    )


def test_the_fitted_forget_recovers_the_one_that_generated_the_answers() -> None:
    rows = simulate_with_forget(TRUE, 0.08, 2000, seed=5)
    options = FitOptions(max_iter=200, tol=1e-8, progress=False, fit_forget=True, min_forget=0.0)
    params, report = fit_bkt(rows, ["a", "b", "c"], options)
    np.testing.assert_allclose(params.p_forget, 0.08, atol=0.03)
    np.testing.assert_allclose(params.p_slip, TRUE[:, 2], atol=0.05)
    # Standard BKT on the same answers forgets nothing, and explains them worse.
    standard_options = FitOptions(max_iter=200, tol=1e-8, progress=False, fit_forget=False)
    standard, standard_report = fit_bkt(rows, ["a", "b", "c"], standard_options)
    assert np.all(standard.p_forget == 0)
    assert report.log_likelihood > standard_report.log_likelihood


def test_the_fitted_forget_stays_within_its_bounds() -> None:
    rows = simulate(TRUE, 500, seed=6)  # no forgetting at all: the fit would go to its floor
    options = FitOptions(progress=False, fit_forget=True, min_forget=0.02, max_forget=0.1)
    params, _ = fit_bkt(rows, ["a", "b", "c"], options)
    assert np.all((params.p_forget >= 0.02) & (params.p_forget <= 0.1))
    assert np.any(params.p_forget < 0.03)


def test_three_wrong_answers_after_a_long_run_of_right_ones_end_mastered_by_default() -> None:
    # Standard BKT kept a learner at the ceiling (1 - 1e-6) "mastered" (>= 0.85, the planner's bar) after
    # three wrong answers on 109 of assist2009's 110 skills; the fitted forget (on by default) bounds the top.
    params, _ = fit_bkt(simulate(TRUE, 1000, seed=7), ["a", "b", "c"], FitOptions(progress=False))
    assert np.all(params.p_forget >= 0.02)
    still = params.replace(forget_rate_per_day=np.zeros(3))  # in one sitting: no forgetting over time
    n, answers = 3, np.r_[np.ones(50), np.zeros(3)]
    learner = np.repeat(np.arange(n), answers.size)
    step = np.tile(np.arange(answers.size), n)
    rows = ObservationRows(learner, step, learner, step.astype(float), np.tile(answers, n))
    after = replay_rows(rows, still).mastery
    assert np.all(after.p_mastery < 0.85)
    before = replay_rows(
        ObservationRows(
            learner[step < 50],
            step[step < 50],
            learner[step < 50],
            step[step < 50].astype(float),
            np.ones(150),
        ),
        still,
    ).mastery
    assert np.all(before.p_mastery >= 0.85)  # the run of right answers did make them masters
