"""`evaluate` says what it is doing: eval-transfer runs for minutes with its models' bars off."""

from __future__ import annotations

from pathlib import Path

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
    assert any(s.startswith("tracer next-answer AUC") for s in steps)
    assert any(s.startswith("cold start") for s in steps)
    assert report.cold_table and report.tracer_table  # the steps announced did run
