"""`kgplatform transfer list`'s lines, from the models `list_models` reads (no graph here)."""

from __future__ import annotations

from contextlib import nullcontext
from datetime import UTC, datetime
from typing import Any

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app


def model(version: str, spearman: float) -> dict[str, Any]:
    return {
        "version": version,
        "status": "current",
        "activated_at": datetime(2026, 12, 6, 6, 0, tzinfo=UTC),
        "activated_by": None,
        "edges": 12,
        "edge_count": 12,
        "metrics": {"valid_spearman": spearman, "alpha": 0.5},
        "held_by": None,
    }


def test_a_model_without_a_validation_spearman_reads_a_dash_not_nan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model trained without validation pairs stores NaN as its Spearman: the list read "spearman nan"."""
    models = [model("v-unmeasured", float("nan")), model("v-measured", 0.4123)]
    monkeypatch.setattr("kgplatform.cli.transfer.graph_session", lambda **_: nullcontext(None))
    monkeypatch.setattr("kgplatform.transfer.writeback.list_models", lambda _graph: models)
    result = CliRunner().invoke(app, ["transfer", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "spearman -" in lines[0] and "nan" not in lines[0], lines[0]
    assert "spearman 0.412" in lines[1], lines[1]
