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

from kgplatform.planning.cells import set_cells
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
    if graph.n_tasks == 0:  # every entry is -1 padding (no task to read): nothing can be predicted
        return np.zeros(tasks.shape, dtype=np.float32)
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


def _task_band(
    graph: ConceptGraph, p: np.ndarray, rows: np.ndarray | int, tasks: np.ndarray, config: PlanConfig
) -> np.ndarray:
    low, high = config.success_band
    success = task_success(graph, p, tasks, config, rows=np.asarray(rows))
    return (success >= low) & (success <= high)


def concepts_in_band(
    graph: ConceptGraph, p_mastery: np.ndarray, config: PlanConfig, typical: np.ndarray | None = None
) -> np.ndarray:
    """(L, n) bool: some task of the concept has predicted success in the band, for (L, n) float32 mastery.

    Equal to `tasks_in_band(graph, band of predicted_success(...))`. `typical` (n,) is the mastery most
    entries hold (a concept nobody practised), the first row when not given: every concept starts
    from the typical learner's count of tasks in the band, and only the tasks of changed concepts are
    predicted again, each change of a task's flag moving the counts of its concepts.
    """
    n_rows, n = p_mastery.shape
    typical = (p_mastery[0] if typical is None else typical).astype(np.float32)
    rows, changed = set_cells(p_mastery != typical)
    slots = graph.concept_tasks[changed]
    has = slots >= 0
    if has.sum() * 4 > n_rows * graph.n_tasks:  # most entries changed: all tasks at once
        low, high = config.success_band
        success = predicted_success(graph, p_mastery, config)
        return tasks_in_band(graph, (success >= low) & (success <= high))
    # Each (row, task) once: a task of two changed concepts must move its concepts' counts once.
    pairs = _distinct(np.repeat(rows, has.sum(axis=1)) * graph.n_tasks + slots[has], n_rows * graph.n_tasks)
    rows, tasks = np.divmod(pairs, graph.n_tasks)
    base = _task_band(graph, typical[None, :], 0, np.arange(graph.n_tasks), config)
    padded = np.append(base, False)[np.where(graph.concept_tasks >= 0, graph.concept_tasks, graph.n_tasks)]
    base_count = padded.sum(axis=1)
    flags = np.broadcast_to(base_count > 0, (n_rows, n)).copy()
    delta = _task_band(graph, p_mastery, rows, tasks, config).astype(np.int64) - base[tasks]
    moved = delta != 0
    concepts, weights = graph.task_terms
    rows, tasks, delta = rows[moved], tasks[moved], delta[moved]
    member = weights[tasks] > 0  # (moved, s) the concepts each moved task exercises
    keys = (rows[:, None] * n + concepts[tasks])[member]
    cells = _distinct(keys, n_rows * n)
    moves = np.bincount(keys, weights=np.repeat(delta, member.sum(axis=1)), minlength=n_rows * n)
    flags.reshape(-1)[cells] = base_count[cells % n] + moves[cells] > 0
    return flags


def _distinct(keys: np.ndarray, size: int) -> np.ndarray:
    """np.unique(keys) for integer keys in [0, size): marks in a bool array, then its nonzeros; cheaper
    than sorting when keys are many (tens of thousands per chunk) and size is a few million."""
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    return np.flatnonzero(seen)
