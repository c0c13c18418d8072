"""Evaluation: metrics, learner splits, the leak-free protocol, transfer estimates and the pyBKT bridge."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.mastery.eval_report import _pm
from kgplatform.mastery.evaluation import (
    LEAK_FREE,
    LEAKY,
    OURS,
    OURS_NO_TRACER,
    OURS_NO_TRANSFER,
    PYBKT,
    SUCCESS_RATE,
    TRACER_ALONE,
    EvaluationOptions,
    evaluate,
    split,
    summarise,
    with_folds,
)
from kgplatform.mastery.metrics import roc_auc, score
from kgplatform.mastery.predictor import (
    PredictorOptions,
    _exclusive_cumsum,
    fit_next_answer_model,
    predict_next_answers,
)
from kgplatform.mastery.pybkt_runner import PyBktRunner
from kgplatform.mastery.transfer_estimate import estimate_transfer

FAST = PredictorOptions(forget_rates=(0.0, 0.01), transfer_scales=(0.5,))


def make_log(
    user: list[int],
    problem: list[int],
    skill: list[int],
    correct: list[float],
    response: list[int] | None = None,
    n_skills: int | None = None,
) -> ResponseLog:
    n_users = max(user) + 1
    n_problems = max(problem) + 1
    n_skills = n_skills or max(skill) + 1
    return ResponseLog(
        user=np.array(user),
        problem=np.array(problem),
        skill=np.array(skill),
        correct=np.array(correct, float),
        response=np.array(response if response is not None else range(len(user))),
        user_labels=tuple(str(u) for u in range(n_users)),
        problem_labels=tuple(f"p{p}" for p in range(n_problems)),
        skill_labels=tuple(f"s{s}" for s in range(n_skills)),
        skill_names=tuple(f"s{s}" for s in range(n_skills)),
    )


def simulate_log(learners: int, seed: int) -> ResponseLog:
    """BKT learners with different abilities on 4 skills; every 5th problem exercises two skills."""
    rng = np.random.default_rng(seed)
    user, problem, skill, correct, response = [], [], [], [], []
    r = 0
    for who in range(learners):
        ability = rng.normal(0, 1)
        mastered = rng.random(4) < 0.3
        for _ in range(int(rng.integers(10, 40))):
            p = int(rng.integers(0, 40))
            skills = [p % 4, (p + 1) % 4] if p % 5 == 0 else [p % 4]
            p_right = np.mean([0.85 if mastered[s] else 0.25 for s in skills]) + 0.08 * ability
            y = float(rng.random() < np.clip(p_right, 0.02, 0.98))
            for s in skills:
                user.append(who)
                problem.append(p)
                skill.append(s)
                correct.append(y)
                response.append(r)
                mastered[s] |= rng.random() < 0.2
            r += 1
    return make_log(user, problem, skill, correct, response, n_skills=4)


def test_auc_matches_the_pairwise_definition_with_ties() -> None:
    rng = np.random.default_rng(0)
    labels = rng.random(300) < 0.4
    scores = np.round(rng.random(300), 1)  # many ties
    pos, neg = scores[labels], scores[~labels]
    pairwise = (np.sum(pos[:, None] > neg[None, :]) + 0.5 * np.sum(pos[:, None] == neg[None, :])) / (
        pos.size * neg.size
    )
    assert roc_auc(labels.astype(float), scores) == pytest.approx(pairwise)
    perfect = score(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.1, 0.4, 0.6, 0.9]))
    assert perfect.auc == 1.0 and perfect.accuracy == 1.0
    assert perfect.rmse == pytest.approx(np.sqrt((0.01 + 0.16 + 0.16 + 0.01) / 4))


def test_a_prediction_that_is_not_a_number_is_refused_not_scored() -> None:
    """NaN ranks highest in the AUC's ranking: [nan, 0.4, 0.9] scored an AUC of 0.0 next to an RMSE of nan."""
    with pytest.raises(ValueError, match="1 predictions are not finite"):
        score(np.array([0.0, 1.0, 1.0]), np.array([np.nan, 0.4, 0.9]))


def test_the_sum_of_earlier_values_holds_nothing_of_the_value_itself() -> None:
    """`cumsum - value` is fl(S + v) - v: the value (a response's label) leaked into its own ability term by
    a rounding, about 1e-16 (a review, 1 December). Each entry must be the sum of the earlier ones alone."""
    start = np.array([True, False, False, True, False, False])
    values = np.array([-1.2459109472530652, -0.7322673547034516, -0.5442589828573099, -0.31630015636915454])
    values = np.concatenate([values, [0.4116305363741328, 1.0425133694426776]])
    changed = values.copy()
    changed[4] = -0.12853466294403426  # another residual (label) for entry 4 alone
    assert _exclusive_cumsum(changed, start)[4] == _exclusive_cumsum(values, start)[4]  # bit for bit
    assert _exclusive_cumsum(values, start)[4] == pytest.approx(values[3], abs=1e-15)


def test_folds_split_learners_not_rows() -> None:
    log = with_folds(simulate_log(50, seed=1), seed=7)
    assert log.folds is not None and sorted(set(log.folds.tolist())) == [1, 2, 3, 4, 5]
    np.testing.assert_array_equal(with_folds(simulate_log(50, seed=1), seed=7).folds, log.folds)
    for fold in range(1, 6):
        train, test = split(log, fold)
        assert not set(train.user.tolist()) & set(test.user.tolist())
        assert len(train) + len(test) == len(log)


def test_leak_free_prediction_never_sees_its_own_rows() -> None:
    train = simulate_log(200, seed=2)
    model = fit_next_answer_model(train, estimate_transfer(train), FAST)
    history = ([0] * 6, [1, 2, 3, 5, 6, 7], [1, 2, 3, 1, 2, 3], [1.0, 0.0, 1.0, 1.0, 0.0, 1.0])

    def with_last(outcome: float) -> ResponseLog:
        # the last response, problem 10, exercises skills 2 and 3: two rows, one answer
        user, problem, skill, correct = (
            list(history[0]) + [0, 0],
            list(history[1]) + [10, 10],
            list(history[2]) + [2, 3],
            list(history[3]) + [outcome, outcome],
        )
        return make_log(user, problem, skill, correct, [0, 1, 2, 3, 4, 5, 6, 6], n_skills=4)

    right, wrong = with_last(1.0), with_last(0.0)
    leak_free_right = predict_next_answers(model, right)
    leak_free_wrong = predict_next_answers(model, wrong)
    np.testing.assert_array_equal(leak_free_right, leak_free_wrong)  # its outcome cannot move its prediction
    assert leak_free_right[-1] == leak_free_right[-2]  # one prediction per response
    leaky_right = predict_next_answers(model, right, leaky=True)
    leaky_wrong = predict_next_answers(model, wrong, leaky=True)
    assert leaky_right[-2] == leaky_wrong[-2]
    assert leaky_right[-1] > leaky_wrong[-1]  # row by row, the second row sees the first: that is the leak


def test_evaluate_reports_every_model_and_protocol_per_fold(tmp_path: Path) -> None:
    log = simulate_log(150, seed=3)
    scores = evaluate(log, EvaluationOptions(folds=(1, 2), predictor=FAST), pybkt=fake_runner(tmp_path))
    assert {(s.model, s.protocol) for s in scores} == {
        (m, p)
        for m in (OURS, TRACER_ALONE, OURS_NO_TRANSFER, OURS_NO_TRACER, PYBKT, SUCCESS_RATE)
        for p in (LEAK_FREE, LEAKY)
    }
    assert {s.fold for s in scores} == {1, 2}
    summary = {(s.model, s.protocol): s for s in summarise(scores)}
    assert summary[(OURS, LEAK_FREE)].folds == 2
    # ability, mastery and items are all in the simulated data: the tracer must beat a per-skill rate
    assert summary[(OURS, LEAK_FREE)].auc[0] > summary[(SUCCESS_RATE, LEAK_FREE)].auc[0] + 0.05
    # the simulated learners learn as they answer: the tracer adds to the layer's other terms
    assert summary[(OURS, LEAK_FREE)].auc[0] > summary[(OURS_NO_TRACER, LEAK_FREE)].auc[0]
    # the tracer alone (what the platform stores) tracks learning that a fixed per-skill rate cannot
    assert summary[(TRACER_ALONE, LEAK_FREE)].auc[0] > summary[(SUCCESS_RATE, LEAK_FREE)].auc[0]
    assert summary[(OURS, LEAK_FREE)].auc[1] is not None  # two folds have a spread
    (one_fold,) = [
        s for s in summarise([s for s in scores if s.fold == 1]) if (s.model, s.protocol) == (OURS, LEAK_FREE)
    ]
    assert one_fold.auc[1] is None  # one fold has none: printed "n/a", not a spread of 0.0000
    assert "± n/a" in _pm(one_fold.auc)
    leak_free_n = next(s.metrics.n for s in scores if (s.model, s.protocol, s.fold) == (OURS, LEAK_FREE, 1))
    leaky_n = next(s.metrics.n for s in scores if (s.model, s.protocol, s.fold) == (OURS, LEAKY, 1))
    assert leak_free_n < leaky_n  # responses, not rows


def test_transfer_estimate_finds_a_skill_that_helps_another() -> None:
    """Half the learners practise skill 0 before skill 1, the other half skill 3 (same experience); only
    skill 0 helps. Skill 2 comes last and depends on nothing."""
    rng = np.random.default_rng(4)
    user, problem, skill, correct = [], [], [], []

    def answer(who: int, s: int, p_right: float) -> None:
        user.append(who)
        problem.append(s)
        skill.append(s)
        correct.append(float(rng.random() < p_right))

    for who in range(600):
        helpful = who % 2 == 0
        for _ in range(3):
            answer(who, 0 if helpful else 3, 0.7)
        answer(who, 1, 0.8 if helpful else 0.3)
        answer(who, 2, 0.5)
    edges = estimate_transfer(make_log(user, problem, skill, correct))

    def strength(a: int, b: int) -> float:
        targets = edges.target[edges.source_ptr[a] : edges.source_ptr[a + 1]].tolist()
        return float(edges.strength[edges.source_ptr[a] + targets.index(b)]) if b in targets else 0.0

    assert strength(0, 1) > 0.3
    assert strength(3, 1) == 0.0
    assert strength(0, 2) < 0.1 and strength(3, 2) < 0.1


def fake_runner(tmp_path: Path) -> PyBktRunner:
    """A stand-in job with pyBKT's file contract: 0.25 for skill s0, 0.75 otherwise; counts its runs."""
    job = tmp_path / "fake_job.py"
    job.write_text(
        "import csv, sys\n"
        f"open({str(tmp_path / 'calls.txt')!r}, 'a').write('run\\n')\n"
        "train, test, out = sys.argv[1:4]\n"
        "rows = list(csv.DictReader(open(test)))\n"
        "with open(out, 'w', newline='') as h:\n"
        "    w = csv.writer(h); w.writerow(['row', 'correct_predictions'])\n"
        "    w.writerows([r['row'], 0.25 if r['skill_name'] == 's0' else 0.75] for r in rows)\n"
    )
    return PyBktRunner(Path(sys.executable), tmp_path / "cache", job=job)


def test_pybkt_bridge_exchanges_files_and_caches(tmp_path: Path) -> None:
    runner = fake_runner(tmp_path)
    log = simulate_log(20, seed=5)
    train, test = split(replace(log, folds=np.arange(len(log.user_labels)) % 2 + 1), 1)
    predicted = runner.predict(train, test)
    np.testing.assert_array_equal(predicted, np.where(test.skill == 0, 0.25, 0.75))
    again = runner.predict(train, test)
    np.testing.assert_array_equal(again, predicted)
    assert (tmp_path / "calls.txt").read_text().count("run") == 1


def test_pybkt_cache_is_not_reused_after_the_job_changes(tmp_path: Path) -> None:
    runner = fake_runner(tmp_path)
    log = simulate_log(20, seed=5)
    train, test = split(replace(log, folds=np.arange(len(log.user_labels)) % 2 + 1), 1)
    runner.predict(train, test)
    runner.job.write_text(runner.job.read_text().replace("else 0.75]", "else 0.5]"))
    changed = runner.predict(train, test)
    np.testing.assert_array_equal(changed, np.where(test.skill == 0, 0.25, 0.5))
    assert (tmp_path / "calls.txt").read_text().count("run") == 2


def test_a_fold_holding_every_learner_is_refused_with_the_reason() -> None:
    """A one-learner log left nothing to train on; fitting then blamed rows without a skill."""
    log = with_folds(make_log([0, 0, 0], [0, 1, 2], [0, 0, 1], [0, 1, 1]))
    with pytest.raises(ValidationFailed, match="fold 1 holds every learner of the log \\(1\\)"):
        split(log, 1)
    with pytest.raises(ValidationFailed, match="fold 2 has no learners \\(the log has 1\\)"):
        split(log, 2)


@pytest.mark.parametrize(
    ("folds", "why"), [((), "none to evaluate"), ((1, 2, 1), r"\[1\] named more than once")]
)
def test_no_fold_or_a_fold_named_twice_is_refused(folds: tuple[int, ...], why: str) -> None:
    """No fold printed empty tables as figures; a fold named twice counted twice, with a spread of 0."""
    with pytest.raises(ValidationFailed, match=why) as raised:
        evaluate(simulate_log(20, seed=0), EvaluationOptions(folds=folds, predictor=FAST), None)
    assert raised.value.field == "folds"
