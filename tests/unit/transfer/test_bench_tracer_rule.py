"""bench/bench_transfer_tracer_rule.py's dense replay must stay the tracer: the bench refuses to report
anything when it is not, and since `fit_tracer` fits a per-answer forget (5 December 2026) it was not."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np

from kgplatform.transfer.downstream import fit_tracer
from tests.unit.transfer.conftest import make_log

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_transfer_tracer_rule.py"


def load_bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_transfer_tracer_rule", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_dense_replay_gives_the_fitted_tracers_predictions() -> None:
    rng = np.random.default_rng(3)
    sequences = [[(int(rng.integers(0, 3)), int(rng.random() < 0.6)) for _ in range(15)] for _ in range(40)]
    log = make_log(sequences, 3)
    params = fit_tracer(log, log.skill_labels)
    assert np.all(params.p_forget > 0)  # what the replay must apply, as the tracer does
    load_bench().check_faithful(params, log)  # SystemExit when the two differ
