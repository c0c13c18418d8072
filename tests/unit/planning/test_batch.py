from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.batch import (
    DEFAULT_CHUNK,
    LearnerMatrix,
    chunk_for,
    first_picks,
    first_tasks,
    plan_batch,
    plan_chunk,
)
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.reasons import LAST_NONE_FITS, LAST_OTHER, LAST_OTHERS_PLANNED, LAST_TASK_WORDS
from kgplatform.planning.service import learner_arrays, make_plan
from kgplatform.planning.store import LearnerRows
from tests.unit.planning.conftest import chain_document, one_learner_plan


def random_learners(graph: ConceptGraph, n: int, seed: int) -> LearnerMatrix:
    """Varied learners: cold starts, partial mastery, decayed concepts, with and without goals, ties."""
    rng = np.random.default_rng(seed)
    shape = (n, graph.n_concepts)
    peak = np.where(rng.random(shape) < 0.3, rng.uniform(0.0, 1.0, shape), 0.25)
    peak = np.where(rng.random(shape) < 0.2, 0.9, peak)  # many exact ties
    decayed = np.where(rng.random(shape) < 0.2, peak * rng.uniform(0.4, 1.0, shape), peak)
    attempts = np.where(peak != 0.25, rng.integers(1, 6, shape), 0).astype(float)
    attempts[: n // 10] = 0.0  # cold starts
    goals = rng.random(shape) < np.where(rng.random((n, 1)) < 0.2, 0.0, 3.0 / graph.n_concepts)
    # A fifth of the learners name one or two of the curriculum's tags as interests.
    tags = len(graph.tag_index)
    interests = (rng.random((n, tags)) < 1.5 / max(tags, 1)) & (rng.random((n, 1)) < 0.2)
    return LearnerMatrix(
        [f"l{i}" for i in range(n)],
        decayed,
        peak,
        attempts,
        goals,
        interests=interests,
        last_task=random_last_tasks(graph, attempts, seed),
    )


def random_last_tasks(graph: ConceptGraph, attempts: np.ndarray, seed: int) -> np.ndarray:
    """(L, n) int32 a task of the concept as the last answered where the learner answered on it, else -1;
    a tenth of those unknown (-1: stored before MASTERY kept it). Its own generator: the other draws stay
    as they were."""
    rng = np.random.default_rng([seed, 9])
    counts = (graph.concept_tasks >= 0).sum(axis=1)
    pick = (rng.random(attempts.shape) * np.maximum(counts, 1)).astype(np.int64)
    last = graph.concept_tasks[
        np.arange(graph.n_concepts), np.minimum(pick, graph.concept_tasks.shape[1] - 1)
    ]
    known = (attempts > 0) & (counts > 0) & (rng.random(attempts.shape) < 0.9)
    return np.where(known, last, -1).astype(np.int32)


@pytest.mark.parametrize("chunk_size", [1000, 97])
def test_batch_and_one_learner_paths_give_identical_plans_for_1000_learners(chunk_size: int) -> None:
    graph = build_graph(generate_curriculum(120, seed=4))
    learners = random_learners(graph, 1000, seed=chunk_size)
    config = PlanConfig(n_tasks=6, max_tasks_per_concept=2)
    batch = [plan for chunk in plan_batch(graph, learners, config, chunk_size=chunk_size) for plan in chunk]
    assert len(batch) == 1000
    for row, plan in enumerate(batch):
        assert plan == one_learner_plan(graph, learners, row, config), f"learner {row}"
    purposes = {task.purpose for plan in batch for task in plan.tasks}
    assert purposes == {"placement", "learn", "review"}  # the sample exercises every kind of plan
    assert any("matches your interest in" in task.reason for plan in batch for task in plan.tasks)
    # The words of the task last answered on the concept (`reasons.LAST_TASK_WORDS`): another task, the
    # same as the only one that fits, the same after the others that fit; the equality above covers them.
    # (The concept's only task cannot occur: the generated concepts have three tasks or more.)
    said = [task.reason for plan in batch for task in plan.tasks]
    for case in (LAST_OTHER, LAST_NONE_FITS, LAST_OTHERS_PLANNED):
        assert any(LAST_TASK_WORDS[case] in reason for reason in said), case
    without = dataclasses.replace(learners, last_task=None)
    changed = sum(
        plan != before
        for chunk, before_chunk in zip(
            plan_batch(graph, learners, config, chunk_size=chunk_size),
            plan_batch(graph, without, config, chunk_size=chunk_size),
            strict=True,
        )
        for plan, before in zip(chunk, before_chunk, strict=True)
    )
    assert changed > 0, "the last answered tasks change some plans, so the equality above covers them"
    first = first_tasks(graph, learners, config)
    assert [graph.task_ids[t] for t in first] == [plan.tasks[0].task_id for plan in batch]
    concepts, tasks = first_picks(graph, learners, config)
    assert tasks.tolist() == first.tolist()
    assert [graph.concept_ids[c] for c in concepts] == [plan.tasks[0].concept_id for plan in batch]


def test_plans_with_few_concepts_on_the_goal_path_are_equal_on_both_paths() -> None:
    """One goal each, so a plan's first group (the goal path) is short and its off-path group is cut by
    the batch's first k candidates: the case where the batch must look at more of them."""
    graph = build_graph(generate_curriculum(120, seed=5))
    learners = random_learners(graph, 600, seed=11)
    rng = np.random.default_rng(12)
    learners.goals[:] = False
    learners.goals[np.arange(600), rng.integers(60, 120, 600)] = True
    config = PlanConfig(n_tasks=5, max_tasks_per_concept=2)
    batch = [plan for chunk in plan_batch(graph, learners, config, chunk_size=250) for plan in chunk]
    for row, plan in enumerate(batch):
        assert plan == one_learner_plan(graph, learners, row, config), f"learner {row}"
    off_after_second = 0
    for plan in batch:
        concepts = [task.concept_id for task in plan.tasks]
        off = ["off your goal path" in task.reason for task in plan.tasks]
        if any(off) and len(set(c for c, o in zip(concepts, off, strict=True) if not o)) < len(
            [o for o in off if not o]
        ):
            off_after_second += 1
    assert off_after_second > 0  # the sample has plans where a goal-path concept took a second task


def test_a_task_exercising_two_chosen_concepts_is_listed_once_on_both_paths() -> None:
    """The generated curriculum's multi-concept tasks once appeared twice in about 1 plan in 140."""
    graph = build_graph(generate_curriculum(300, seed=0))
    assert np.diff(graph.task_weights.indptr).max() > 1, "the curriculum has multi-concept tasks"
    learners = random_learners(graph, 1000, seed=3)
    config = PlanConfig()
    batch = [plan for chunk in plan_batch(graph, learners, config) for plan in chunk]
    repeated = [plan.learner_id for plan in batch if len({t.task_id for t in plan.tasks}) < len(plan.tasks)]
    assert repeated == []
    for row in range(0, 1000, 50):  # and the one-learner path still agrees
        assert batch[row] == one_learner_plan(graph, learners, row, config)


def test_chunk_size_must_be_positive() -> None:
    graph = build_graph(generate_curriculum(10, seed=1))
    with pytest.raises(ValidationFailed) as error:
        next(plan_batch(graph, random_learners(graph, 3, seed=1), PlanConfig(), chunk_size=0))
    assert error.value.field == "chunk_size"


def test_chunks_shrink_for_a_large_curriculum_and_are_never_a_power_of_two() -> None:
    assert chunk_for(60) == chunk_for(500) == DEFAULT_CHUNK
    assert chunk_for(700) == 700
    assert chunk_for(1000) == chunk_for(50_000) == 500
    assert chunk_for(0) == DEFAULT_CHUNK
    sizes = {chunk_for(n) for n in range(0, 20_000, 7)}
    assert sizes >= {500, 600, 700, 800, 900, 1000}
    assert all(size & (size - 1) for size in sizes)


def test_a_large_curriculum_plans_in_smaller_chunks_by_default() -> None:
    graph = build_graph(generate_curriculum(1000, seed=2))
    learners = random_learners(graph, 1200, seed=5)
    chunks = list(plan_batch(graph, learners, PlanConfig()))
    assert [len(chunk) for chunk in chunks] == [500, 500, 200]
    assert [plan.learner_id for chunk in chunks for plan in chunk] == list(learners.learner_ids)


def test_mismatched_shapes_are_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        LearnerMatrix(["a"], np.zeros((1, 3)), np.zeros((1, 3)), np.zeros((1, 2)), np.zeros((1, 3), bool))
    assert error.value.field == "attempts"


def test_the_service_path_and_the_batch_word_a_review_alike() -> None:
    """A mastery decayed to just under 0.615 read "0.61" on the one-learner path (float64) and "0.62" in
    the nightly batch (float32 matrices). Found by bisecting the decay for such a value."""
    graph = build_graph(chain_document())
    params = TracerParams.default(())
    now = datetime(2026, 3, 1, tzinfo=UTC)
    a = graph.index["a"]

    def rows_at(us: int) -> LearnerRows:
        practised = now - timedelta(microseconds=us)
        return LearnerRows(
            "l", [], [{"concept_id": "a", "p_mastery": 0.9, "attempts": 5, "as_of": practised}]
        )

    def p_now(us: int) -> float:
        return float(learner_arrays(graph, rows_at(us), params, now)[0][a])

    low, high = 0, 400 * 86_400_000_000  # decayed from 0.9 to below 0.615 within 400 days
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if p_now(middle) > 0.615 else (low, middle)
    us = next(
        u for u in range(low - 5_000, low + 5_000) if f"{p_now(u):.2f}" != f"{np.float32(p_now(u)):.2f}"
    )
    rows = rows_at(us)
    one = make_plan(graph, rows, params, PlanConfig(), now)
    p, peak, attempts, goals = learner_arrays(graph, rows, params, now)
    learners = LearnerMatrix(
        ["l"],
        p[None].astype(np.float32),
        peak[None].astype(np.float32),
        attempts[None].astype(np.float32),
        goals[None],
    )
    batch = plan_chunk(graph, learners, PlanConfig())[0]
    reviews = [t.reason for t in one.tasks if t.purpose == "review"]
    assert reviews and reviews == [t.reason for t in batch.tasks if t.purpose == "review"]
