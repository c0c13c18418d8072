"""Ctrl-C during `kgplatform import-dataset al-cpl`, a real process sent SIGINT while it writes the second of
the dataset's four curricula (each its own transaction): one line saying which curricula were stored whole and
that the rest were not, exit 130, and the graph holding exactly those, each whole. Before 4 December 2026 a
Ctrl-C printed a Python traceback and said nothing of what was stored."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kgplatform.curriculum.importers.al_cpl import DOMAINS, curriculum_id
from kgplatform.graph.driver import Graph
from tests.integration.curriculum_io.import_runs import wait_until_writing

# Each domain's curriculum: this many concepts, as many reading tasks and one edge fewer (about 12,000
# rows), so that its writes take long enough to be interrupted in the middle.
CONCEPTS = 4_000
CURRICULA = [curriculum_id(domain) for domain in DOMAINS]


# A curriculum of more than one statement batch prints how far its writes are (since 5 December 2026).
PROGRESS = re.compile(r"^(?P<curriculum>al-cpl-[a-z-]+): [\d,]+ of [\d,]+ rows written \(\d+ s\)")


def _said(err: str) -> list[str]:
    """stderr's lines but the progress lines, after checking that the first curriculum, written whole before
    the Ctrl-C, printed them."""
    lines = err.splitlines()
    progress = [m["curriculum"] for m in map(PROGRESS.match, lines) if m]
    assert CURRICULA[0] in progress, err
    return [line for line in lines if not PROGRESS.match(line)]


@pytest.fixture(scope="module")
def shared_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A shared data folder holding a made-up AL-CPL of four large domains, in its format: headerless
    `concept_A,concept_B` pairs, the `_preqs` file's B a prerequisite of A (here a tree: no cycle)."""
    root = tmp_path_factory.mktemp("shared")
    folder = root / "al_cpl"
    folder.mkdir()
    for domain in DOMAINS:
        names = [f"{domain}_concept_{i}" for i in range(CONCEPTS)]
        pairs = [f"{names[i]},{names[i + 1]}" for i in range(CONCEPTS - 1)]
        preqs = [f"{names[i]},{names[i // 2]}" for i in range(1, CONCEPTS)]
        (folder / f"{domain}_pairs.csv").write_text("\r\n".join(pairs) + "\r\n")
        (folder / f"{domain}_preqs.csv").write_text("\r\n".join(preqs) + "\r\n")
    return root


def _start_import(shared: Path, *options: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kgplatform.cli", "import-dataset", "al-cpl", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "KGP_PATHS__SHARED_DATA_DIR": str(shared)},
    )


def _stored(graph: Graph) -> dict[str, int]:
    """The curricula the graph holds, with their concepts."""
    return {row["curriculum"]["id"]: row["concepts"] for row in graph.read("curriculum/list_curricula")}


def _wait_for_the_first_stored(graph: Graph, run: subprocess.Popen[str], timeout_s: float = 180.0) -> None:
    deadline = time.monotonic() + timeout_s
    while CURRICULA[0] not in _stored(graph):
        assert run.poll() is None, run.communicate()
        assert time.monotonic() < deadline, f"{CURRICULA[0]} was not stored within {timeout_s} s"
        time.sleep(0.05)


def test_ctrl_c_while_writing_the_second_curriculum_keeps_the_first_and_says_which(
    graph: Graph, shared_data: Path
) -> None:
    run = _start_import(shared_data)
    _wait_for_the_first_stored(graph, run)
    wait_until_writing(graph, run)  # the second curriculum's transaction
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=180)

    assert run.returncode == 130, (out, err)
    assert "Traceback" not in err, err
    stored = _stored(graph)
    # Each stored whole (every concept), in import order; the Ctrl-C is taken at the second's next
    # checkpoint, or, if it landed as the second committed, before the third began.
    assert list(stored) in (CURRICULA[:1], CURRICULA[:2]), stored
    assert set(stored.values()) == {CONCEPTS}, stored
    lines = _said(err)
    assert lines[0] == (
        "kgplatform: stopping the import; the curricula stored so far stay, the one being written is not "
        "stored (Ctrl-C again stops at once)"
    ), err
    if len(stored) == 1:
        said = (
            f"al-cpl: interrupted while importing {CURRICULA[1]}, whose transaction was rolled back whole; "
            f"stored whole: {CURRICULA[0]}; not stored: {', '.join(CURRICULA[1:])}"
        )
    else:
        said = (
            f"al-cpl: interrupted before {CURRICULA[2]} was written; "
            f"stored whole: {', '.join(CURRICULA[:2])}; not stored: {', '.join(CURRICULA[2:])}"
        )
    assert lines[1:] == [said], err
    # The reports of the curricula stored, as an uninterrupted run prints them, and no other.
    for cid in CURRICULA:
        assert (cid in out) is (cid in stored), (cid, out)


def test_a_second_ctrl_c_stops_at_once_and_still_says_which_were_stored(
    graph: Graph, shared_data: Path
) -> None:
    run = _start_import(shared_data, "--json")
    _wait_for_the_first_stored(graph, run)
    wait_until_writing(graph, run)
    run.send_signal(signal.SIGINT)
    run.send_signal(signal.SIGINT)
    out, err = run.communicate(timeout=180)

    assert run.returncode == 130, (out, err)
    assert "Traceback" not in err and out == "", (out, err)  # --json prints its one document at the end only
    lines = _said(err)
    assert len(lines) == 2 and lines[0].startswith("kgplatform: stopping the import"), err
    stored = _stored(graph)
    assert list(stored) in (CURRICULA[:1], CURRICULA[:2]) and set(stored.values()) == {CONCEPTS}, stored
    # Two signals sent at once may reach the process as one (the first line then), or the second stops it
    # at once: either way the line says what the graph holds.
    said, unsure = lines[1], f"{CURRICULA[1]} stored whole or not at all"
    assert said.startswith("al-cpl: interrupted") and said.endswith(", ".join(CURRICULA[2:])), err
    if unsure in said:  # stopped as the second committed: its audit trail says which
        assert f"stored whole: {CURRICULA[0]}; {unsure}" in said and "/audit" in said, err
    else:
        assert f"stored whole: {', '.join(stored)};" in said, err
