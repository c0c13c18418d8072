"""`import-curriculum`: what is wrong with the file is said before anything connects to Neo4j."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app


@pytest.fixture
def unreachable_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    def session(**_: Any) -> None:
        raise AssertionError("connected to the graph")

    monkeypatch.setattr("kgplatform.cli.curriculum.graph_session", session)


def test_an_unreadable_file_is_reported_before_connecting_even_with_a_curriculum_id(
    unreachable_graph: None, tmp_path: Path
) -> None:
    """With --curriculum-id the command connected first, and a Neo4j that was down hid the file's error."""
    path = tmp_path / "trunc.json"
    path.write_text('{"curriculum": {"id": "algebra", "name": "Alg')
    result = CliRunner().invoke(
        app, ["import-curriculum", str(path), "--dry-run", "--curriculum-id", "algebra"]
    )
    assert result.exit_code == 1, result.output
    assert "error: file: not valid JSON" in result.output


def test_a_curriculum_id_that_is_not_a_string_is_named_as_such(
    unreachable_graph: None, tmp_path: Path
) -> None:
    """It read "no curriculum id", though the file names one (a number)."""
    path = tmp_path / "numbered.json"
    path.write_text(json.dumps({"curriculum": {"id": 5, "name": "Five"}, "concepts": []}))
    result = CliRunner().invoke(app, ["import-curriculum", str(path), "--dry-run"])
    assert result.exit_code == 2, result.output
    assert "curriculum id 5 is not a string" in result.output and "no curriculum id" not in result.output
