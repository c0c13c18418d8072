from __future__ import annotations

import numpy as np
import pytest

from kgplatform.mastery.datasets import ResponseLog
from kgplatform.transfer.empirical import (
    EmpiricalOptions,
    EmpiricalTransfer,
    ResponseView,
    empirical_transfer,
)
from tests.unit.transfer.conftest import make_log, transfer_log


def test_known_effect_is_recovered_in_the_right_direction() -> None:
    result = empirical_transfer(transfer_log(2000), 3, EmpiricalOptions(shrinkage=0.0))
    assert result.effect[0, 1] == pytest.approx(0.4, abs=0.06)
    # concept 1 never comes before concept 0, so there is no evidence for 1 -> 0 at all
    assert result.support[1, 0] == 0.0 and result.effect[1, 0] == 0.0
    # filler 2 -> 1 is the mirror image: learners who did 2 first did not do 0 first
    assert result.effect[2, 1] == pytest.approx(-0.4, abs=0.06)
    assert np.all(np.diag(result.effect) == 0.0)


def test_shrinkage_pulls_small_samples_toward_zero() -> None:
    small = transfer_log(20, seed=1)
    raw = empirical_transfer(small, 3, EmpiricalOptions(shrinkage=0.0)).effect[0, 1]
    shrunk = empirical_transfer(small, 3, EmpiricalOptions(shrinkage=50.0)).effect[0, 1]
    assert abs(shrunk) < abs(raw)
    assert np.sign(shrunk) == np.sign(raw)


def test_control_compares_equal_practice_on_the_target() -> None:
    # Learners who practised A (0) first also answer B (1) a second time, right because of practice on B.
    # Others did a filler (2) first and answer B once. At equal practice on B there is no difference.
    sequences = [[(0, 0), (1, 0), (1, 1)] if i % 2 == 0 else [(2, 0), (1, 0)] for i in range(200)]
    result = empirical_transfer(make_log(sequences, 3), 3, EmpiricalOptions(shrinkage=0.0))
    assert result.support[0, 1] > 0
    assert result.effect[0, 1] == pytest.approx(0.0, abs=1e-9)
    assert result.naive_lift[0, 1] == pytest.approx(0.5)  # the uncontrolled statistic is fooled


def test_concepts_of_the_same_response_are_not_earlier() -> None:
    log = make_log([[(0, 1), (1, 1)]], 2)
    # merge the two rows into one response (a multi-skill problem)
    log = type(log)(
        log.user,
        log.problem,
        log.skill,
        log.correct,
        np.array([0, 0]),
        log.user_labels,
        log.problem_labels,
        log.skill_labels,
        log.skill_names,
    )
    view = ResponseView.from_log(log, 2)
    assert view.n_responses == 1
    assert view.practice_before(0, 1).sum() == 0


def test_chunks_never_split_a_learner_and_give_the_same_counts() -> None:
    log = transfer_log(300)
    whole = empirical_transfer(log, 3, EmpiricalOptions(chunk_rows=10_000))
    chunked = empirical_transfer(log, 3, EmpiricalOptions(chunk_rows=7))
    np.testing.assert_allclose(whole.effect, chunked.effect)
    view = ResponseView.from_log(log, 3)
    for start, _stop in view.chunks(7):
        assert view.resp_first[start] == start  # every chunk starts at a learner's first response


def test_an_empty_log_is_no_evidence_rather_than_a_crash() -> None:
    """A learner split can leave one side with no answers at all."""
    log = transfer_log(10)
    result = empirical_transfer(log.subset(np.zeros(len(log), dtype=bool)), 3)
    assert not result.support.any() and not result.effect.any()
    assert np.isnan(np.diag(result.raw)).all()


def random_log(n_learners: int, n_concepts: int, seed: int, binary: bool) -> ResponseLog:
    """Learners of 5-60 responses, some of them on two concepts (a multi-skill response), and now and
    then a response that lists one concept twice; scores 0/1 or fractional."""
    rng = np.random.default_rng(seed)
    user, skill, correct, response = [], [], [], []
    r = 0
    for learner in range(n_learners):
        for _ in range(int(rng.integers(5, 60))):
            concepts = rng.choice(n_concepts, size=int(rng.choice([1, 1, 1, 2])), replace=False).tolist()
            if rng.random() < 0.03:
                concepts.append(concepts[0])
            score = float(rng.random() < 0.6) if binary else float(rng.random())
            for concept in concepts:
                user.append(learner)
                skill.append(concept)
                correct.append(score)
                response.append(r)
            r += 1
    return ResponseLog(
        np.array(user),
        np.zeros(len(user), np.int64),
        np.array(skill),
        np.array(correct),
        np.array(response),
        tuple(f"u{i}" for i in range(n_learners)),
        ("p",),
        tuple(f"c{i}" for i in range(n_concepts)),
        tuple(f"concept {i}" for i in range(n_concepts)),
    )


def dense_reference(log: ResponseLog, n_concepts: int, options: EmpiricalOptions) -> EmpiricalTransfer:
    """The label computed the way it was before counts were blocked by target concept: one dense
    (strata x C, C) count per learner chunk from the running practice counts, then the estimate over all
    strata at once. The blocked computation must reproduce it exactly."""
    view = ResponseView.from_log(log, n_concepts)
    c, n_strata = n_concepts, options.n_strata
    treat_n, treat_y = np.zeros((n_strata * c, c)), np.zeros((n_strata * c, c))
    all_n, all_y = np.zeros(n_strata * c), np.zeros(n_strata * c)
    accuracy, position = view.accuracy_before()
    acc_bucket = np.where(
        position == 0, 0, 1 + np.searchsorted(options.accuracy_edges, np.nan_to_num(accuracy), side="right")
    )
    experience = np.searchsorted(options.experience_edges, position, side="right") - 1
    context = acc_bucket * len(options.experience_edges) + experience
    for start, stop in view.chunks(50):
        before = view.practice_before(start, stop)
        rows = np.flatnonzero((view.row_response >= start) & (view.row_response < stop))
        local, target = view.row_response[rows] - start, view.row_concept[rows]
        bucket = np.searchsorted(options.practice_edges, before[local, target], side="right") - 1
        key = (bucket * options.n_context + context[view.row_response[rows]]) * c + target
        y = view.resp_correct[view.row_response[rows]]
        treated = (before[local] > 0).astype(np.float64)
        treated[np.arange(rows.size), target] = 0.0
        for i in range(rows.size):
            treat_n[key[i]] += treated[i]
            treat_y[key[i]] += treated[i] * y[i]
        all_n += np.bincount(key, minlength=n_strata * c)
        all_y += np.bincount(key, weights=y, minlength=n_strata * c)
    n_t, y_t = treat_n.reshape(n_strata, c, c), treat_y.reshape(n_strata, c, c)
    n_c = all_n.reshape(n_strata, c)[:, :, None] - n_t
    y_c = all_y.reshape(n_strata, c)[:, :, None] - y_t
    both = (n_t > 0) & (n_c > 0)
    diff = np.where(both, y_t / np.where(both, n_t, 1) - y_c / np.where(both, n_c, 1), 0.0)
    weight = np.where(both, n_t * n_c / np.where(both, n_t + n_c, 1), 0.0)
    support, numerator = weight.sum(axis=0), (weight * diff).sum(axis=0)
    raw = np.where(support > 0, numerator / np.where(support > 0, support, 1), np.nan)
    tn, tc = n_t.sum(axis=0), n_c.sum(axis=0)
    naive = np.where(
        (tn > 0) & (tc > 0), y_t.sum(axis=0) / np.maximum(tn, 1) - y_c.sum(axis=0) / np.maximum(tc, 1), 0.0
    )
    effect = numerator / (support + options.shrinkage)
    out = [m.T.copy() for m in (effect, raw, support, naive, n_t[: options.n_context].sum(axis=0))]
    for i, m in enumerate(out):
        np.fill_diagonal(m, np.nan if i == 1 else 0.0)
    return EmpiricalTransfer(*out)


@pytest.mark.parametrize("binary", [True, False])
def test_blocks_of_targets_give_the_dense_label(binary: bool) -> None:
    """Counts gathered 2 target concepts and 9 rows at a time (block_cells = 150 strata x 2 targets x 7
    sources) give what one dense count of everything gives: 0/1 scores exactly, fractional ones up to
    the order of float additions."""
    log, c = random_log(60, 7, seed=3, binary=binary), 7
    blocked_options = EmpiricalOptions(block_cells=150 * 2 * 7, chunk_rows=9)
    blocked = empirical_transfer(log, c, blocked_options)
    reference = dense_reference(log, c, EmpiricalOptions())
    assert reference.support.sum() > 0
    for name in ("effect", "raw", "support", "naive_lift", "first_with_source"):
        if binary:
            np.testing.assert_array_equal(getattr(blocked, name), getattr(reference, name), err_msg=name)
        else:
            np.testing.assert_allclose(
                getattr(blocked, name), getattr(reference, name), rtol=1e-12, atol=1e-12, err_msg=name
            )
