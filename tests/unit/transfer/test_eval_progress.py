"""`evaluate` says what it is doing: eval-transfer runs for minutes with its models' bars off."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from kgplatform.transfer.evaluate import EvalOptions, evaluate
from kgplatform.transfer.generated import SimulationOptions, generated_problem
from kgplatform.transfer.train import TrainConfig


def test_evaluation_reports_each_step(tmp_path: Path) -> None:
    problem = generated_problem(
        SimulationOptions(n_concepts=12, n_learners=120, n_tasks=16, seed=2), tmp_path
    )
    steps: list[str] = []
    options = EvalOptions(seeds=1, train=TrainConfig(max_epochs=3, patience=2, progress=False))
    report = evaluate(problem, options, on_step=steps.append)
    trained = [s for s in steps if s.startswith("training ")]
    assert len(trained) == 6  # three learnt models, once on all data and once for the cold start
    # Each variant says when it is done and how it did on validation (minutes apart on a busy machine).
    variants = [s for s in steps if s.lstrip().startswith("variant ")]
    assert len(variants) == 24
    assert variants[0].startswith("  variant 1/4 (num_layers 1, dropout 0.2): validation Spearman ")
    assert any(s.startswith("tracer next-answer AUC") for s in steps)
    assert any(s.startswith("cold start") for s in steps)
    assert report.cold_table and report.tracer_table  # the steps announced did run
    tracer_rows = [row.name for row in report.tracer_table]
    assert "(oracle) the true transfer" in tracer_rows and "prerequisite edges" in tracer_rows
    # The data-free rule the simulated truth is built on is in the pair table, and in the cold start's.
    assert "direct prerequisite edges, both ways" in report.pair_table
    assert "direct prerequisite edges, both ways" in report.cold_table
    # What `--plot` scatters: the GNN's prediction and the true transfer of every test pair, and no
    # per-seed figures with one seed per model (that one model is the table's).
    assert report.held_out is not None and report.held_out.gnn.shape == (report.info["test_pairs"],)
    assert report.held_out.reference.shape == report.held_out.gnn.shape
    assert report.pair_seeds == {} and report.cold_seeds == {}


def test_simulated_learners_who_never_forget_answer_better(tmp_path: Path) -> None:
    """`forgetting=False` (the oracle benchmark's switch) reaches the hidden learners: the same learners
    and schedules, only without forgetting, are right more often."""
    options = SimulationOptions(n_concepts=12, n_learners=300, n_tasks=30, seed=3)
    forgetting = generated_problem(options, tmp_path).train_log
    never = generated_problem(replace(options, forgetting=False), tmp_path).train_log
    assert np.array_equal(forgetting.skill, never.skill)  # the same tasks in the same order
    assert never.correct.mean() > forgetting.correct.mean() + 0.01


def test_without_readiness_unready_learners_learn_as_fast_as_ready_ones(tmp_path: Path) -> None:
    """`readiness=False` reaches the hidden learners: nothing slows their learning any more, so the same
    learners on the same schedules are right more often."""
    options = SimulationOptions(n_concepts=12, n_learners=300, n_tasks=30, seed=3)
    ready = generated_problem(options, tmp_path).train_log
    never_slowed = generated_problem(replace(options, readiness=False), tmp_path).train_log
    assert np.array_equal(ready.skill, never_slowed.skill)
    assert never_slowed.correct.mean() > ready.correct.mean() + 0.01
