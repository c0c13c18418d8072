"""`kgplatform ingest FILE` says how many learners the ingest replayed in full, whatever made it replay
them: a file sorted by time but older than the answers the graph holds replays every learner, and its
in-file count of late answers (against earlier batches of the same file) is nothing (a review,
6 December 2026: the summary said nothing of those replays)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from kgplatform.graph.driver import Graph
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from tests.cli_run import run_main
from tests.integration.mastery.conftest import load_curriculum

REPLAYED = re.compile(
    r"(\d[\d,]*) learners? (?:would have )?replayed (?:its|their) whole stored history \((\d[\d,]*) replay"
)


def replayed(out: str) -> tuple[int, int] | None:
    match = REPLAYED.search(out)
    return None if match is None else (int(match[1].replace(",", "")), int(match[2].replace(",", "")))


def test_a_file_older_than_the_graphs_answers_counts_its_replays_in_the_dry_run_and_the_real_run(
    graph: Graph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    curriculum = make_curriculum(6, 20, seed=3)
    log = sorted(
        make_answers(curriculum, 8, 600, days=100.0, seed=5, prefix="lms-"),
        key=lambda r: (r["answered_at"], r["event_id"]),
    )
    load_curriculum(graph, curriculum)
    learners = {row["learner_id"] for row in log}
    older, recent = tmp_path / "older.jsonl", tmp_path / "recent.jsonl"
    older.write_text("".join(json.dumps(row) + "\n" for row in log[:300]))
    recent.write_text("".join(json.dumps(row) + "\n" for row in log[300:]))

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(recent), "--batch-size", "100")
    assert code == 0, err
    assert replayed(out) is None, out  # in time order, into an empty graph: nothing replayed

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(older), "--batch-size", "100", "--dry-run")
    assert code == 0, err
    preview = replayed(out)
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(older), "--batch-size", "100")
    assert code == 0, err
    assert "older than an earlier batch's answer" not in out, out  # the file itself is sorted
    # Each batch's learners are older than what the graph holds: each replayed in each batch it has.
    per_batch = sum(len({row["learner_id"] for row in log[s : s + 100]}) for s in range(0, 300, 100))
    assert replayed(out) == (len(learners), per_batch), out
    assert preview == replayed(out), out


def test_a_shuffled_file_into_an_empty_graph_counts_the_same_replays_in_the_dry_run_and_the_real_run(
    graph: Graph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The dry run stores nothing, so the states its earlier batches would have moved on are kept by it:
    a learner's batch older than one of an earlier batch is replayed in both runs."""
    curriculum = make_curriculum(6, 20, seed=3)
    log = make_answers(curriculum, 8, 600, days=100.0, seed=5, prefix="lms-")
    load_curriculum(graph, curriculum)
    path = tmp_path / "shuffled.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in random.Random(7).sample(log, len(log))))

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "100", "--dry-run")
    assert code == 0, err
    preview = replayed(out)
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "100")
    assert code == 0, err
    assert preview is not None and preview == replayed(out), out
    assert "older than an earlier batch's answer of their learner in this file" in out, out
