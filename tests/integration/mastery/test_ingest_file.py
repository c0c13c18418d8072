"""`kgplatform ingest FILE` against the real graph: a file ingested twice leaves each answer once and the
mastery of an in-process ingest of the same rows; a bad row is named by its line; the learners' cached
plans are stamped stale, as POST /answers stamps them."""

from __future__ import annotations

import json
import random
import signal
import tempfile
from pathlib import Path
from typing import Any

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import CurrentParams, MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from kgplatform.planning.cache import answered_key
from kgplatform.settings import Settings
from tests.cli_run import run_main
from tests.empty_graph import empty_graph
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum
from tests.integration.mastery.test_backfill import assert_same_mastery


def test_a_file_ingested_twice_stores_each_answer_once_with_the_in_process_mastery(
    settings: Settings,
    graph: Graph,
    redis_client: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    curriculum = make_curriculum(12, 40, seed=3)
    log = make_answers(curriculum, 8, 900, days=200.0, seed=5, prefix="lms-")
    log.sort(key=lambda r: (r["answered_at"], r["event_id"]))
    load_curriculum(graph, curriculum)
    reference_service = MasteryService(MasteryStore(graph), CurrentParams(settings))
    for start in range(0, len(log), 250):
        assert not reference_service.ingest(log[start : start + 250]).rejected
    reference = all_mastery(graph)

    empty_graph(graph)
    load_curriculum(graph, curriculum)
    # Shuffled within the file: the order changes the cost, never the result (docs/tracing.md).
    shuffled = random.Random(7).sample(log, len(log))
    bad = {**log[0], "event_id": "lms-bad", "task_id": "no-such-task"}
    path = tmp_path / "export.jsonl"
    lines = [json.dumps(row) for row in shuffled]
    lines.insert(100, json.dumps(bad))  # line 101
    path.write_text("\n".join(lines) + "\n")

    first = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "300")
    again = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "300")

    for code, _, err in (first, again):
        assert code == 1, err  # the bad row
        assert "line 101: unknown_task (task_id): task 'no-such-task' does not exist" in err
    assert f"{len(log) + 1:,} rows in 4 batches" in first[1]
    assert f"{len(log):,} stored, 0 duplicates" in first[1]
    assert f"0 stored, {len(log):,} duplicates" in again[1]
    assert counts(graph)["answers"] == len(log)
    assert_same_mastery(all_mastery(graph), reference)
    learners = sorted({r["learner_id"] for r in log})
    assert all(redis_client.get(answered_key(learner)) is not None for learner in learners)


def test_ctrl_c_stops_after_the_batch_in_progress_and_says_how_far_it_got(
    graph: Graph,
    redis_client: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A Ctrl-C inside the driver's read of a transaction ended in a BufferError's traceback, exit 1, and no
    word of what was stored (a review, 4 December)."""
    curriculum = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, curriculum)
    log = make_answers(curriculum, 4, 300, days=30.0, seed=5, prefix="lms-")
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in log))
    ingest = MasteryService.ingest
    interrupted: list[bool] = []

    def interrupt_first_batch(self: MasteryService, rows: Any, **options: Any) -> Any:
        if not interrupted:  # as if the operator pressed Ctrl-C while the first batch ran
            interrupted.append(True)
            signal.raise_signal(signal.SIGINT)
        return ingest(self, rows, **options)

    monkeypatch.setattr(MasteryService, "ingest", interrupt_first_batch)
    code, _, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "100")
    assert code == 130, err
    assert "interrupted after reading 100 rows (100 stored, 0 duplicates" in err and "Traceback" not in err
    assert counts(graph)["answers"] == 100  # the batch in progress was completed, not cut
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "100")
    assert code == 0, err
    assert "200 stored, 100 duplicates" in out and counts(graph)["answers"] == len(log)


def test_sort_ingests_a_shuffled_export_without_replays_and_with_the_same_mastery(
    settings: Settings,
    graph: Graph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A shuffled export replays its learners' histories in nearly every batch (the late answers the run
    counts); `--sort` takes the same file in time order, through pieces on disk when it is larger than the
    sort holds in memory, and stores the same answers with the same mastery. A bad row keeps its line."""
    curriculum = make_curriculum(12, 40, seed=3)
    log = make_answers(curriculum, 8, 900, days=200.0, seed=5, prefix="lms-")
    load_curriculum(graph, curriculum)
    shuffled = random.Random(7).sample(log, len(log))
    lines = [json.dumps(row) for row in shuffled]
    lines.insert(
        100, json.dumps({**log[0], "event_id": "lms-bad", "answered_at": "last tuesday"})
    )  # line 101
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join(lines) + "\n")

    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "300", "--dry-run")
    assert code == 1 and "older than an earlier batch's answer" in out, out  # unsorted: replays

    monkeypatch.setattr("kgplatform.mastery.answer_sort.ROWS_IN_MEMORY", 250)
    (tmp_path / "scratch").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "scratch"))  # $TMPDIR, read once per process
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--batch-size", "300", "--sort")
    assert code == 1, err  # the bad row
    assert "line 101: invalid (answered_at)" in err, err
    assert f"{len(log) + 1:,} rows sorted by answered_at" in err and "(4 temporary pieces, 1 without" in err
    assert f"{len(log):,} stored, 0 duplicates" in out
    assert "older than an earlier batch's answer" not in out, out
    assert list((tmp_path / "scratch").iterdir()) == []

    stored = all_mastery(graph)
    empty_graph(graph)
    load_curriculum(graph, curriculum)
    in_order = sorted(log, key=lambda r: (r["answered_at"], r["event_id"]))
    service = MasteryService(MasteryStore(graph), CurrentParams(settings))
    for start in range(0, len(in_order), 300):
        assert not service.ingest(in_order[start : start + 300]).rejected
    assert_same_mastery(stored, all_mastery(graph))
