"""`simulate-logs --curriculum-file`: a file the import would refuse is one line, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from kgplatform.cli import app


def _simulate(tmp_path: Path, document: object) -> tuple[int, str]:
    path = tmp_path / "curriculum.json"
    path.write_text(json.dumps(document))
    result = CliRunner().invoke(
        app,
        ["simulate-logs", "--out", str(tmp_path / "a.jsonl"), "--curriculum-file", str(path), "--tasks", "2"],
    )
    return result.exit_code, result.output


def test_a_concept_without_an_id_is_named_as_the_import_names_it(tmp_path: Path) -> None:
    """It was KeyError: 'id' and a traceback."""
    code, output = _simulate(tmp_path, {"curriculum": {"id": "c", "name": "C"}, "concepts": [{"name": "A"}]})
    assert code == 2, output
    assert "concept row 1 [id]: Field required" in output and "Traceback" not in output
    assert not (tmp_path / "a.jsonl").exists()


def test_a_valid_file_is_simulated(tmp_path: Path) -> None:
    document = {
        "curriculum": {"id": "c", "name": "C"},
        "concepts": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "prerequisites": [{"prerequisite": "a", "concept": "b"}],
        "tasks": [{"id": "t", "title": "T", "kind": "exercise", "concepts": ["a"]}],
    }
    code, output = _simulate(tmp_path, document)
    assert code == 0, output
    assert (tmp_path / "a.jsonl").read_text().count("\n") > 0
