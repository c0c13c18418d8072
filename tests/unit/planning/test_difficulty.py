from __future__ import annotations

import numpy as np

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.planning.difficulty import concepts_in_band, predicted_success, task_success, tasks_in_band
from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig


def test_task_success_gives_the_bits_of_the_full_prediction_at_the_asked_tasks() -> None:
    graph = build_graph(generate_curriculum(80, seed=6))
    rng = np.random.default_rng(1)
    p = rng.random((30, graph.n_concepts)).astype(np.float32)
    config = PlanConfig()
    full = predicted_success(graph, p, config)
    tasks = rng.integers(0, graph.n_tasks, (30, 4, 3))
    assert np.array_equal(
        task_success(graph, p, tasks, config),
        np.take_along_axis(full, tasks.reshape(30, -1), 1).reshape(tasks.shape),
    )
    assert np.array_equal(task_success(graph, p[2], tasks[2], config), full[2][tasks[2]])


def test_band_flags_from_a_typical_learner_equal_the_full_computation() -> None:
    graph = build_graph(generate_curriculum(80, seed=6))
    rng = np.random.default_rng(2)
    typical = np.full(graph.n_concepts, 0.25, dtype=np.float32)
    p = np.tile(typical, (50, 1))
    touched = rng.random(p.shape) < 0.05
    p[touched] = rng.random(int(touched.sum()))
    config = PlanConfig()
    low, high = config.success_band
    success = predicted_success(graph, p, config)
    expected = tasks_in_band(graph, (success >= low) & (success <= high))
    assert np.array_equal(concepts_in_band(graph, p, config, typical), expected)
    assert np.array_equal(concepts_in_band(graph, p, config), expected)  # first row as the typical one
    varied = rng.random(p.shape).astype(np.float32)  # nothing typical: all tasks at once
    success = predicted_success(graph, varied, config)
    expected = tasks_in_band(graph, (success >= low) & (success <= high))
    assert np.array_equal(concepts_in_band(graph, varied, config, typical), expected)
