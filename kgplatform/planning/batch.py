"""Plans for many learners at once: the same scoring as `policy.plan_for_learner` on learner x concept
matrices, in chunks so memory stays bounded whatever the number of learners.

Memory per chunk is about chunk_size x (n_concepts x (12 + 24 x tasks per concept)) bytes; the
default chunk keeps that near 100 MB for a 1,000-concept curriculum with 3 tasks per concept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import (
    NOT_A_CANDIDATE,
    ConceptScores,
    Plan,
    PlanConfig,
    build_task,
    order_picks,
    pick_facts,
    ranked_tasks,
    score_concepts,
)

DEFAULT_CHUNK = 1024


@dataclass(frozen=True, eq=False)
class LearnerMatrix:
    """Estimates of many learners, (L, n) each, columns in the graph's concept order."""

    learner_ids: Sequence[str]
    p_mastery: np.ndarray  # now, after forgetting
    p_peak: np.ndarray  # when last practised
    attempts: np.ndarray
    goals: np.ndarray  # bool

    def __post_init__(self) -> None:
        shape = (len(self.learner_ids), self.p_mastery.shape[-1])
        for name in ("p_mastery", "p_peak", "attempts", "goals"):
            if getattr(self, name).shape != shape:
                raise ValidationFailed(
                    f"{name} has shape {getattr(self, name).shape}, expected {shape}", field=name
                )

    def rows(self, start: int, stop: int) -> LearnerMatrix:
        return LearnerMatrix(
            self.learner_ids[start:stop],
            self.p_mastery[start:stop],
            self.p_peak[start:stop],
            self.attempts[start:stop],
            self.goals[start:stop],
        )


def top_concepts(scores: ConceptScores, n_tasks: int) -> tuple[np.ndarray, np.ndarray]:
    """(L, k) best concepts per learner (score down, index up; the one-learner order) and which are real."""
    k = min(n_tasks, scores.score.shape[-1])
    top = np.argsort(-scores.score, axis=-1, kind="stable")[:, :k]
    valid = np.take_along_axis(scores.score, top, axis=-1) > NOT_A_CANDIDATE / 2
    return top, valid


def pick_matrix(
    graph: ConceptGraph, scores: ConceptScores, config: PlanConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised `policy.pick_sequence`: (concept, round, task, kept) arrays of shape (L, rounds x k).

    Kept picks, in column order, are exactly the one-learner path's picks before `order_picks`.
    """
    top, valid = top_concepts(scores, config.n_tasks)
    task_order = ranked_tasks(graph, scores.success, np.where(valid, top, -1), config)  # (L, k, w)
    rounds = min(config.max_tasks_per_concept, task_order.shape[-1])
    concept = np.tile(top, rounds)
    round_ = np.repeat(np.arange(rounds), top.shape[1])[None, :].repeat(top.shape[0], axis=0)
    slot = np.tile(np.arange(top.shape[1]), rounds)[None, :].repeat(top.shape[0], axis=0)
    task = np.take_along_axis(
        task_order.reshape(top.shape[0], -1), slot * task_order.shape[-1] + round_, axis=1
    )
    usable = np.tile(valid, rounds) & (task >= 0)
    kept = usable & (np.cumsum(usable, axis=1) <= config.n_tasks)
    return concept, round_, task, kept


def first_tasks(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> np.ndarray:
    """(L,) the first task of each learner's plan (-1 when there is none), without building reasons.

    What the simulator asks at every step; equal to `plan_batch(...)[i].tasks[0]`.
    """
    scores = score_concepts(
        graph, learners.p_mastery, learners.p_peak, learners.attempts, learners.goals, config
    )
    concept, _, task, kept = pick_matrix(graph, scores, config)
    # `policy.order_picks` puts first the earliest pick that no other pick leads to.
    leads = graph.closure[concept[:, :, None], concept[:, None, :]] & (
        concept[:, :, None] != concept[:, None, :]
    )
    led_to = (leads & kept[:, :, None]).any(axis=1)
    eligible = kept & ~led_to
    first = np.argmax(eligible, axis=1)
    return np.where(eligible.any(axis=1), task[np.arange(task.shape[0]), first], -1)


def plan_chunk(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> list[Plan]:
    """Full plans with reasons for one chunk of learners."""
    scores = score_concepts(
        graph, learners.p_mastery, learners.p_peak, learners.attempts, learners.goals, config
    )
    concept, round_, task, kept = pick_matrix(graph, scores, config)
    facts = pick_facts(graph, scores, learners.p_mastery, concept, task)
    placement = scores.placement.tolist()
    concepts, rounds, tasks_, kept_ = concept.tolist(), round_.tolist(), task.tolist(), kept.tolist()
    plans = []
    for row, learner_id in enumerate(learners.learner_ids):
        column = {
            (c, r, t): j
            for j, (c, r, t, k) in enumerate(
                zip(concepts[row], rounds[row], tasks_[row], kept_[row], strict=True)
            )
            if k
        }
        row_facts = {name: values[row] for name, values in facts.items()}
        tasks = tuple(
            build_task(graph, row_facts, column[pick], placement[row], rank, pick)
            for rank, pick in enumerate(order_picks(graph, list(column)), 1)
        )
        plans.append(Plan(learner_id=learner_id, tasks=tasks, placement=placement[row]))
    return plans


def plan_batch(
    graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig, chunk_size: int = DEFAULT_CHUNK
) -> Iterator[list[Plan]]:
    """Plans for every learner, one list per chunk of `chunk_size` learners (in input order)."""
    if chunk_size < 1:
        raise ValidationFailed("chunk_size must be at least 1", field="chunk_size")
    for start in range(0, len(learners.learner_ids), chunk_size):
        yield plan_chunk(graph, learners.rows(start, start + chunk_size), config)
