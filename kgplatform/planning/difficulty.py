"""Predicted success of tasks and "some task in the band" per concept, computed only where needed.

A plan needs the predicted success of a few tasks per learner (those of its top concepts), and per
concept whether some task lies in the success band. Both depend on a concept's mastery only, so a
learner's untouched concepts (the same `typical` value for everyone) share the flags of a typical
learner; only concepts sharing a task with a changed one are recomputed. `task_success` adds each
task's terms in the order the sparse product of `predicted_success` does, so both give the same bits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from kgplatform.planning.graph import ConceptGraph, propagate

if TYPE_CHECKING:
    from kgplatform.planning.policy import PlanConfig

GATHER_MAX_TASKS = 16


def concept_success(p_mastery: np.ndarray, config: PlanConfig) -> np.ndarray:
    """P(correct) on a task of one concept before its difficulty: mastery through slip and guess."""
    return p_mastery * (1.0 - config.slip) + (1.0 - p_mastery) * config.guess


def predicted_success(graph: ConceptGraph, p_mastery: np.ndarray, config: PlanConfig) -> np.ndarray:
    """(..., m): probability of answering each task right, from mastery and the task's difficulty."""
    success = concept_success(p_mastery, config) @ graph.task_weights_t - difficulty_shift(graph, config)
    return np.clip(success, 0.0, 1.0)


def difficulty_shift(graph: ConceptGraph, config: PlanConfig) -> np.ndarray:
    return config.difficulty_effect * (graph.task_difficulty - 0.5)


def task_success(
    graph: ConceptGraph,
    p_mastery: np.ndarray,
    tasks: np.ndarray,
    config: PlanConfig,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """`predicted_success(graph, p_mastery, config)` at `tasks` only (-1 reads task 0), same bits.

    p_mastery (L, n) float32 with `rows` (indices into L, broadcastable to `tasks`), or (..., n) with
    tasks (..., k...) sharing its leading shape.
    """
    n = p_mastery.shape[-1]
    flat = p_mastery.reshape(-1, n)
    if rows is None:
        lead = p_mastery.shape[:-1]
        rows = np.arange(flat.shape[0]).reshape(*lead, *([1] * (tasks.ndim - len(lead)))) if lead else 0
    at = np.maximum(tasks, 0)
    concepts, weights = graph.task_terms
    rows = np.asarray(rows)[..., None]
    per = concept_success(flat[rows, concepts[at]], config)  # (..., s)
    total = np.zeros(at.shape, dtype=np.float32)
    for slot in range(concepts.shape[1]):  # the sparse product adds each task's terms in this order
        total += weights[at, slot] * per[..., slot]
    return np.clip(total - difficulty_shift(graph, config)[at], 0.0, 1.0)


def tasks_in_band(graph: ConceptGraph, band: np.ndarray) -> np.ndarray:
    """(..., n) bool from (..., m) task flags: does some task of each concept have its flag set."""
    if graph.concept_tasks.shape[1] > GATHER_MAX_TASKS:
        return propagate(band.astype(np.float32), graph.task_concepts) > 0
    padded = np.concatenate([band, np.zeros((*band.shape[:-1], 1), dtype=bool)], axis=-1)
    slots = np.where(graph.concept_tasks >= 0, graph.concept_tasks, band.shape[-1])  # -1 -> the False column
    return padded[..., slots].any(axis=-1)


def _band_of(
    graph: ConceptGraph, p: np.ndarray, rows: np.ndarray, concepts: np.ndarray, config: PlanConfig
) -> np.ndarray:
    tasks = graph.concept_tasks[concepts]
    success = task_success(graph, p, tasks, config, rows=rows[:, None])
    low, high = config.success_band
    return ((success >= low) & (success <= high) & (tasks >= 0)).any(axis=-1)


def concepts_in_band(
    graph: ConceptGraph, p_mastery: np.ndarray, config: PlanConfig, typical: np.ndarray | None = None
) -> np.ndarray:
    """(L, n) bool: some task of the concept has predicted success in the band, for (L, n) float32 mastery.

    Equal to `tasks_in_band(graph, band of predicted_success(...))`; `typical` (n,) is the mastery most
    entries hold (a concept nobody practised), the first row when not given.
    """
    n_rows, n = p_mastery.shape
    typical = (p_mastery[0] if typical is None else typical).astype(np.float32)
    changed = p_mastery != typical
    r, c = np.nonzero(changed)
    marks = np.zeros((n_rows, n), dtype=np.float32)
    marks[r, c] = 1.0
    affected = np.nonzero(propagate(marks, graph.shares_task))
    width = graph.concept_tasks.shape[1]
    if affected[0].size * width > n_rows * graph.n_tasks:  # most entries changed: all tasks at once
        low, high = config.success_band
        success = predicted_success(graph, p_mastery, config)
        return tasks_in_band(graph, (success >= low) & (success <= high))
    every = np.arange(n)
    base = _band_of(graph, typical[None, :], np.zeros(n, dtype=np.int64), every, config)
    flags = np.broadcast_to(base, (n_rows, n)).copy()
    flags[affected] = _band_of(graph, p_mastery, affected[0], affected[1], config)
    return flags
