"""`kgplatform ingest FILE --dry-run` against the real graph: it counts what the real run then stores,
finds already stored and rejects, row by row with the same reasons, and writes nothing (a review,
4 December: it checked each row's form only, so a file of a curriculum not yet imported checked out
clean and then had every row rejected)."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from typing import Any

import pytest
import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import make_answers, make_curriculum
from tests.cli_run import run_main
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum

SUMMARY = re.compile(
    r"(\d[\d,]*) rows? in (\d+) batch(?:es)?.*: (\d[\d,]*) (?:stored|to store), (\d[\d,]*) duplicates?.*, "
    r"(\d[\d,]*) rejected"
)


def summary_counts(out: str) -> tuple[int, ...]:
    match = SUMMARY.search(out)
    assert match is not None, out
    return tuple(int(group.replace(",", "")) for group in match.groups())


def rejected_rows(path: Path) -> list[tuple[Any, ...]]:
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    return [(r["line"], r["event_id"], r["reason"], r["field"]) for r in rows]


def test_a_dry_run_counts_what_the_real_run_then_does_and_changes_nothing(
    graph: Graph,
    redis_client: redis.Redis,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    curriculum = make_curriculum(12, 40, seed=3)
    log = make_answers(curriculum, 8, 900, days=200.0, seed=5, prefix="lms-")
    load_curriculum(graph, curriculum)
    service = MasteryService(MasteryStore(graph))
    assert not service.ingest(log[:200]).rejected  # an earlier export, partly the same
    erased_learner = log[0]["learner_id"]
    service.erase(erased_learner)

    rows: list[dict[str, Any]] = random.Random(7).sample(log, len(log))
    flipped = {**log[600], "correct": not log[600]["correct"]}
    moved = {**log[10], "answered_at": "2026-03-01T00:00:00Z"}  # its stored answer has another time
    rows[5:5] = [
        {**log[0], "event_id": "lms-x1", "task_id": "no-such-task"},
        {**log[1], "event_id": "lms-x2", "learner_id": "has space"},
    ]
    rows[400:400] = [{**log[1], "event_id": f"lms-y{n}", "task_id": "no-such-task"} for n in range(3)]
    rows[401:401] = [{**log[2], "event_id": "lms-z", "task_id": "another-missing-task"}]
    # Later batches repeat earlier rows' event ids: the real run finds them stored by then.
    rows.extend([dict(log[500]), flipped, moved])
    # A variant inside one batch, after its first row.
    rows.insert(len(rows) - 10, {**log[700], "event_id": "lms-w", "duration_s": 99.0})
    rows.insert(len(rows) - 10, {**log[700], "event_id": "lms-w", "duration_s": 12.0})
    path = tmp_path / "export.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    before = counts(graph), all_mastery(graph)
    redis_client.flushdb()

    command = ("ingest", str(path), "--batch-size", "300", "--rejects")
    dry = run_main(monkeypatch, capsys, *command, str(tmp_path / "dry.jsonl"), "--dry-run")
    assert (counts(graph), all_mastery(graph)) == before and redis_client.dbsize() == 0  # read only
    real = run_main(monkeypatch, capsys, *command, str(tmp_path / "real.jsonl"))

    assert dry[0] == real[0] == 1, (dry, real)
    assert rejected_rows(tmp_path / "dry.jsonl") == rejected_rows(tmp_path / "real.jsonl")
    assert summary_counts(dry[1]) == summary_counts(real[1])
    _, _, stored, duplicates, rejected = summary_counts(real[1])
    assert stored > 0 and duplicates > 0 and rejected >= 9
    reasons = {row[2] for row in rejected_rows(tmp_path / "real.jsonl")}
    assert reasons == {"invalid", "unknown_task", "conflict", "erased"}
    conflicts = {row[1]: row[3] for row in rejected_rows(tmp_path / "real.jsonl") if row[2] == "conflict"}
    assert conflicts == {"lms-w": "duration_s", "lms-600": "correct", "lms-10": "answered_at"}
    for out in (dry[1], real[1]):
        assert "2 unknown task ids" in out
        assert "'no-such-task': 4 rows, lines 6, 401, 403, 404" in out
        assert "'another-missing-task': 1 row, line 402" in out
    assert "name an event id already stored" in dry[1]
    assert counts(graph)["answers"] > before[0]["answers"]


@pytest.mark.parametrize("dry_run", [True, False])
def test_a_csv_cell_of_the_wrong_type_is_said_in_a_files_words_and_a_json_lines_row_in_json_s(
    graph: Graph,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dry_run: bool,
) -> None:
    # A CSV file has text cells, no JSON: "a JSON boolean is needed, not the text "maybe"" told its author
    # about a format the file is not in (a review, 6 December 2026).
    curriculum = make_curriculum(4, 8, seed=3)
    load_curriculum(graph, curriculum)
    task = curriculum.tasks[0]["id"]
    good = {"event_id": "e-1", "learner_id": "l-1", "task_id": task, "correct": True}
    good["answered_at"] = "2026-01-05T08:00:00Z"
    bad_correct = {**good, "event_id": "e-2", "correct": "maybe"}
    bad_score = {**good, "event_id": "e-3", "correct": None, "score": "high"}
    csv_path = tmp_path / "answers.csv"
    csv_path.write_text(
        "event_id,learner_id,task_id,correct,score,answered_at\n"
        f"e-1,l-1,{task},true,,2026-01-05T08:00:00Z\n"
        f"e-2,l-1,{task},maybe,,2026-01-05T08:01:00Z\n"
        f"e-3,l-1,{task},,high,2026-01-05T08:02:00Z\n"
    )
    jsonl_path = tmp_path / "answers.jsonl"
    jsonl_path.write_text("".join(json.dumps(row) + "\n" for row in (good, bad_correct, bad_score)))
    flags = ["--dry-run"] if dry_run else []

    said = {}
    for path in (csv_path, jsonl_path):
        rejects = tmp_path / f"{path.suffix[1:]}-rejects.jsonl"
        code, _, err = run_main(monkeypatch, capsys, "ingest", str(path), *flags, "--rejects", str(rejects))
        assert code == 1, err
        said[path.suffix] = {
            r["field"]: r["message"] for r in map(json.loads, rejects.read_text().splitlines())
        }

    assert said[".csv"] == {
        "correct": 'correct: a cell reading true or false (or 1/0, t/f, yes/no) is needed, not "maybe"',
        "score": 'score: a number is needed, not "high"',
    }
    assert said[".jsonl"] == {
        "correct": 'correct: a JSON boolean (true or false) is needed, not the text "maybe"',
        "score": 'score: a JSON number is needed, not the text "high"',
    }
