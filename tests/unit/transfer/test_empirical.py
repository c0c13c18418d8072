from __future__ import annotations

import numpy as np
import pytest

from kgplatform.transfer.empirical import EmpiricalOptions, ResponseView, empirical_transfer
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
    whole = empirical_transfer(log, 3, EmpiricalOptions(chunk_responses=10_000))
    chunked = empirical_transfer(log, 3, EmpiricalOptions(chunk_responses=7))
    np.testing.assert_allclose(whole.effect, chunked.effect)
    view = ResponseView.from_log(log, 3)
    for start, _stop in view.chunks(7):
        assert view.resp_first[start] == start  # every chunk starts at a learner's first response
