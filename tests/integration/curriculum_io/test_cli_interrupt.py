"""Ctrl-C during `kgplatform import-curriculum`, a real process sent SIGINT while it writes a generated
curriculum: one line saying that nothing was stored (an import is one transaction) and exit 130, where it
printed a Python traceback and said nothing of what was stored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.io import write_export
from kgplatform.graph.driver import Graph
from tests.integration.curriculum_io.import_runs import wait_until_writing

# Large enough that its writes take seconds (about 24,000 rows in 5,000-row statements).
CONCEPTS = 4_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("import") / "big.json"
    write_export(generate_curriculum(CONCEPTS, 7, 3, curriculum_id="big"), path)
    return path


def _start_import(path: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kgplatform.cli", "import-curriculum", str(path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ),
    )


def _nothing_stored(graph: Graph) -> bool:
    kinds = {row["name"] for row in graph.read("testing/count_nodes_by_label")}
    return not kinds & {"Curriculum", "Concept", "Task", "AuditEntry"}


def _without_progress(err: str) -> list[str]:
    """stderr's lines but the progress lines of batches written before the Ctrl-C (since 5 December 2026)."""
    return [line for line in err.splitlines() if " rows written (" not in line]


def test_ctrl_c_while_writing_stores_nothing_and_says_so_in_one_line(graph: Graph, big_file: Path) -> None:
    run = _start_import(big_file)
    wait_until_writing(graph, run)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)

    assert run.returncode == 130, (out, err)
    assert "Traceback" not in err and out == "", (out, err)
    assert _without_progress(err) == [
        "kgplatform: stopping the import; nothing is stored until it commits (Ctrl-C again stops at once)",
        f"{big_file}: interrupted while importing; its one transaction was rolled back whole: nothing was "
        "stored",
    ]
    assert _nothing_stored(graph)


def test_a_second_ctrl_c_stops_at_once_and_still_says_what_was_stored(graph: Graph, big_file: Path) -> None:
    run = _start_import(big_file)
    wait_until_writing(graph, run)
    run.send_signal(signal.SIGINT)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=120)

    assert run.returncode == 130, (out, err)
    assert "Traceback" not in err and out == "", (out, err)
    lines = _without_progress(err)
    assert lines[0].startswith("kgplatform: stopping the import"), err
    assert lines[-1].startswith(f"{big_file}: interrupted") and "nothing was stored" in lines[-1], err
    assert len(lines) == 2, err
    assert _nothing_stored(graph)
