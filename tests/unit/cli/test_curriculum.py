"""`import-curriculum`: the exit code and row labels of a run, and of its dry run (stores stubbed)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kgplatform.cli import app
from kgplatform.curriculum import import_store
from kgplatform.curriculum.import_report import Entity, Outcome
from kgplatform.curriculum.import_store import WriteResult
from kgplatform.curriculum.import_validation import ExistingGraph

SELF_LOOP = {
    "curriculum": {"id": "algebra", "name": "Algebra"},
    "concepts": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
    "prerequisites": [{"prerequisite": "a", "concept": "a"}],
    "tasks": [],
}


@pytest.fixture
def no_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty graph that takes every write."""

    @contextlib.contextmanager
    def session(**_: Any) -> Iterator[object]:
        yield object()

    def write(graph: object, document: Any, **_: Any) -> WriteResult:
        return WriteResult(
            curriculum=Outcome(created=1), outcome={Entity.CONCEPT: Outcome(created=len(document.concepts))}
        )

    monkeypatch.setattr("kgplatform.cli.curriculum.graph_session", session)
    monkeypatch.setattr(import_store, "load_existing", lambda *_: ExistingGraph())
    monkeypatch.setattr(import_store, "write_import", write)


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_a_dry_run_skipping_invalid_rows_ends_as_the_real_run(
    dry_run: list[str], no_graph: None, tmp_path: Path
) -> None:
    """`--dry-run --skip-invalid` exited 1 ("refused, nothing written") and labelled the skipped rows
    `error:`, while the real run exited 0 and said `skipped:` (a review, s29)."""
    path = tmp_path / "algebra.json"
    path.write_text(json.dumps(SELF_LOOP))
    result = CliRunner().invoke(app, ["import-curriculum", str(path), "--skip-invalid", *dry_run])
    assert result.exit_code == 0, result.output
    assert "skipping 1 invalid row:" in result.output
    assert "skipped: prerequisite row 1" in result.output and "error:" not in result.output


@pytest.mark.parametrize("dry_run", [[], ["--dry-run"]])
def test_invalid_rows_without_skip_invalid_are_refused(
    dry_run: list[str], no_graph: None, tmp_path: Path
) -> None:
    path = tmp_path / "algebra.json"
    path.write_text(json.dumps(SELF_LOOP))
    result = CliRunner().invoke(app, ["import-curriculum", str(path), *dry_run])
    assert result.exit_code == 1, result.output
    assert "error: prerequisite row 1" in result.output


def test_generate_curriculum_counts_what_it_wrote_with_separators(tmp_path: Path) -> None:
    """ "wrote ...: 1200 concepts, ...": counted as every other line of the CLI, singular for one."""
    out = tmp_path / "big.json"
    written = CliRunner().invoke(
        app, ["generate-curriculum", "--concepts", "1200", "--tasks-per-concept", "1", "--out", str(out)]
    )
    assert written.exit_code == 0, written.output
    document = json.loads(out.read_text())
    edges = len(document["prerequisites"])
    said = " ".join(written.output.split())
    assert f": 1,200 concepts, {edges:,} prerequisites, 1,200 tasks (curriculum " in said, said
    one = CliRunner().invoke(
        app, ["generate-curriculum", "--concepts", "1", "--tasks-per-concept", "1", "--out", str(out)]
    )
    assert ": 1 concept, 0 prerequisites, 1 task (curriculum " in " ".join(one.output.split()), one.output


def test_export_curriculum_counts_what_it_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_graph: None
) -> None:
    """It said "1 concepts, 0 prerequisites, 3 tasks" and 1200 concepts without a separator, unlike
    generate-curriculum's and import-curriculum's lines (a review, 5 December 2026)."""
    from kgplatform.curriculum import import_service
    from kgplatform.curriculum.generator import generate_curriculum

    for size, words in ((1, "1 concept, 0 prerequisites, 1 task ->"), (1200, "1,200 concepts, ")):
        document = generate_curriculum(size, seed=1, tasks_per_concept=1)
        monkeypatch.setattr(import_service, "export_with_record", lambda *_, d=document: (d, None))
        out = tmp_path / f"c{size}.json"
        said = CliRunner().invoke(app, ["export-curriculum", document.curriculum.id, "--out", str(out)])
        assert said.exit_code == 0, said.output
        assert words in " ".join(said.output.split()), said.output
