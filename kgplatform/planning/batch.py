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
    """(L, k) best concepts per learner (score down, index up; the one-learner order) and which are real.

    Partial selection instead of a full sort: the k-th best score per row, everything above it, then
    ties at it by index, then a stable sort of just those k (their indices ascend, so ties stay by index).
    """
    score = scores.score
    n = score.shape[-1]
    k = min(n_tasks, n)
    if k == n:
        top = np.argsort(-score, axis=-1, kind="stable")
    else:
        kth = -np.partition(-score, k - 1, axis=-1)[:, k - 1 : k]
        above = score > kth
        ties = score == kth
        room = k - above.sum(axis=-1, keepdims=True)
        chosen = above | (ties & (np.cumsum(ties, axis=-1) <= room))
        columns = np.nonzero(chosen)[1].reshape(score.shape[0], k)  # row-major: ascending per row
        order = np.argsort(-np.take_along_axis(score, columns, axis=-1), axis=-1, kind="stable")
        top = np.take_along_axis(columns, order, axis=-1)
    valid = np.take_along_axis(score, top, axis=-1) > NOT_A_CANDIDATE / 2
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


def plan_order(graph: ConceptGraph, concept: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(L, P) columns of the kept picks in plan order, -1 padded: `policy.order_picks` on every row.

    Each step takes, per row, the earliest remaining pick that no other remaining pick leads to.
    """
    leads = graph.closure[concept[:, :, None], concept[:, None, :]] & (
        concept[:, :, None] != concept[:, None, :]
    )
    remaining = kept.copy()
    rows = np.arange(concept.shape[0])
    order = np.full(concept.shape, -1, dtype=np.int64)
    for step in range(concept.shape[1]):
        eligible = remaining & ~(leads & remaining[:, :, None]).any(axis=1)
        some = eligible.any(axis=1)
        if not some.any():
            break
        first = np.argmax(eligible, axis=1)
        order[some, step] = first[some]
        remaining[rows[some], first[some]] = False
    return order


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
    order = plan_order(graph, concept, kept).tolist()
    concepts, rounds, tasks_ = concept.tolist(), round_.tolist(), task.tolist()
    plans = []
    for row, learner_id in enumerate(learners.learner_ids):
        row_facts = {name: values[row] for name, values in facts.items()}
        c, r, t = concepts[row], rounds[row], tasks_[row]
        tasks = tuple(
            build_task(graph, row_facts, j, placement[row], rank, (c[j], r[j], t[j]))
            for rank, j in enumerate((j for j in order[row] if j >= 0), 1)
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
