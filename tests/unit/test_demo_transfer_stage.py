"""The demo's transfer stage says why a model publishes no edge (it is not a failure)."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from kgplatform.demo import Demo
from kgplatform.settings import Settings
from kgplatform.transfer import pipeline


def stage_output(monkeypatch: pytest.MonkeyPatch, metrics: dict[str, Any], edges: int) -> str:
    trained = SimpleNamespace(model_version="transfer-x", metrics=metrics)
    report = SimpleNamespace(edges=edges)
    monkeypatch.setattr(pipeline, "retrain_from_graph", lambda *_, **__: (trained, Path("/m/x"), report))
    out = io.StringIO()
    Demo(Settings(_env_file=None), None, Console(file=out, width=300)).train_transfer()  # type: ignore[arg-type]
    return out.getvalue()


def test_no_edge_because_transfer_did_not_help_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = {"alpha": 0.0, "valid_learners": 91, "valid_auc_without_transfer": 0.69911}
    said = stage_output(monkeypatch, metrics, 0)
    assert "0 TRANSFERS_TO edges published" in said
    assert "did not clearly raise the tracer's next-answer AUC on the 91 validation learners (0.6991" in said


def test_no_edge_because_the_gain_did_not_hold_up_in_resamples_is_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    metrics = {
        "alpha": 0.0,
        "valid_learners": 411,
        "valid_auc_without_transfer": 0.69446799,
        "best_alpha": 0.02,
        "valid_auc_best_alpha": 0.69446805,
        "gain_confidence": 0.54,
    }
    said = stage_output(monkeypatch, metrics, 0)
    assert "the best scale, 0.02, gave 0.6945 against 0.6945 without transfer, ahead in only 54%" in said


def test_no_edge_because_too_few_validation_learners_is_explained(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = {
        "alpha": 0.0,
        "valid_learners": 3,
        "valid_auc_without_transfer": 0.7,
        "best_alpha": 0.5,
        "valid_auc_best_alpha": 0.71,
        "gain_confidence": None,
    }
    said = stage_output(monkeypatch, metrics, 0)
    assert "on the 3 validation learners" in said and "a gain is trusted from 20 validation learners" in said


def test_published_edges_need_no_explanation(monkeypatch: pytest.MonkeyPatch) -> None:
    metrics = {"alpha": 0.5, "valid_learners": 91, "valid_auc_without_transfer": 0.73}
    said = stage_output(monkeypatch, metrics, 1459)
    assert "1459 TRANSFERS_TO edges published" in said and "no edge" not in said
