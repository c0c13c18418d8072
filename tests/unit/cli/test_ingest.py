"""`kgplatform ingest --dry-run`: exit codes and what is said, without services (the graph a dry run reads
is faked: task t-1 exists, nothing is stored); the real run is tests/integration/mastery/test_ingest_file.py,
a dry run against the real graph tests/integration/mastery/test_ingest_dry_run.py."""

from __future__ import annotations

import gzip
import io
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kgplatform.mastery.store import IngestContext, MasteryStore
from tests.cli_run import run_main

GOOD = {
    "event_id": "e-1",
    "learner_id": "l-1",
    "task_id": "t-1",
    "correct": True,
    "answered_at": "2026-01-05T08:00:00Z",
}


@pytest.fixture(autouse=True)
def graph_with_task_t1(monkeypatch: pytest.MonkeyPatch) -> None:
    @contextmanager
    def no_graph() -> Iterator[Any]:
        yield None

    def preview(self: MasteryStore, task_ids: list[str], event_ids: list[str]) -> tuple[Any, ...]:
        return {"t-1"} & set(task_ids), {}, frozenset()

    monkeypatch.setattr("kgplatform.cli.ingest.graph_session", no_graph)

    def replay_context(self: MasteryStore, task_ids: list[str]) -> IngestContext:
        return IngestContext({"t-1": [("c-1", 1.0)]}, {}, [], transfer_edges=False)

    monkeypatch.setattr(MasteryStore, "ingest_preview", preview)
    monkeypatch.setattr(MasteryStore, "replay_context", replay_context)
    monkeypatch.setattr(MasteryStore, "mastery_as_of", lambda *_: ({}, {}))  # no learner yet


def test_a_valid_file_checks_out_with_exit_0(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps({**GOOD, "event_id": f"e-{n}"}) + "\n" for n in range(3)))
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run")
    assert code == 0, err
    assert (
        "checked (dry run, nothing stored)" in out
        and "3 rows in 1 batch," in out
        and "3 to store, 0 duplicates (already stored or earlier in the file, unchanged), 0 rejected" in out
    )


def test_one_row_and_one_batch_read_in_the_singular_the_rest_of_the_line_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """It read "1 rows in 1 batches" (a review, 5 December 2026); the line keeps its shape otherwise."""
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(GOOD) + "\n" + json.dumps(GOOD) + "\n")  # the second a duplicate of the first
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--batch-size", "1")
    assert code == 0, err
    summary = out.splitlines()[0]
    assert summary.startswith(f"checked (dry run, nothing stored) {path}: 2 rows in 2 batches, "), summary
    assert summary.endswith(
        "1 to store, 1 duplicate (already stored or earlier in the file, unchanged), 0 rejected"
    ), summary
    path.write_text(json.dumps(GOOD) + "\n")
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run")
    assert code == 0, err
    assert f"{path}: 1 row in 1 batch, " in out and "0 duplicates" in out, out


def test_a_bad_row_is_named_by_its_line_written_to_rejects_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "event_id,learner_id,task_id,correct,answered_at\n"
        "e-1,l-1,t-1,1,2026-01-05T08:00:00Z\n"
        "e-2,l 2,t-1,1,2026-01-05T08:00:00Z\n"
    )
    rejects = tmp_path / "rejects.jsonl"
    code, out, err = run_main(
        monkeypatch, capsys, "ingest", str(path), "--dry-run", "--rejects", str(rejects)
    )
    assert code == 1
    assert "line 3: invalid (learner_id)" in err and "1 to store, 0 duplicates" in out
    assert "1 rejected" in out and "rejected: 1 invalid" in out
    [written] = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert written["line"] == 3 and written["field"] == "learner_id" and written["event_id"] == "e-2"


def test_a_column_that_is_not_an_answer_field_is_one_line_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.csv"
    path.write_text("user_id,problem_id,correct\n1,2,1\n")
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path))  # refused before connecting
    assert code == 2 and out == ""
    assert err.startswith("kgplatform: ") and "unknown column(s) 'user_id', 'problem_id'" in err
    assert err.count("\n") == 1


def test_rejects_naming_the_file_being_ingested_is_refused_before_it_is_emptied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    code, _, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--rejects", str(path))
    assert code == 2 and "--rejects" in err
    assert path.read_text() == json.dumps(GOOD) + "\n"


def test_a_dry_run_lists_each_unknown_task_id_with_its_rows_and_first_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A curriculum not imported yet passed a dry run, and 20 rejected lines of the real run did not say
    whether one task id or thousands were missing (a review, 4 December)."""
    tasks = ["t-9", "t-1", "t-9", "t-8", "t-9", "t-9", "t-9", "t-9"]
    path = tmp_path / "log.jsonl"
    path.write_text(
        "".join(json.dumps({**GOOD, "event_id": f"e-{n}", "task_id": t}) + "\n" for n, t in enumerate(tasks))
    )
    code, out, _ = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--batch-size", "3")
    assert code == 1
    assert "1 to store, 0 duplicates (already stored or earlier in the file, unchanged), 7 rejected" in out
    assert "rejected: 7 unknown_task" in out and "2 unknown task ids" in out
    assert "  't-9': 6 rows, lines 1, 3, 5, 6, 7, ...\n  't-8': 1 row, line 4\n" in out


@pytest.mark.parametrize("zipped", [False, True])
def test_standard_input_is_read_with_a_format_given(
    zipped: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`zcat export.csv.gz | kgplatform ingest - --format csv` was refused: file '-' does not exist."""
    text = "Event_ID,learner_id,task_id,correct,answered_at\r\n" + "".join(
        f"e-{n},l-1,t-1,1,2026-01-05T08:0{n}:00Z\r\n" for n in range(3)
    )
    data = gzip.compress(text.encode()) if zipped else text.encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(data))))  # type: ignore[arg-type]
    code, out, err = run_main(monkeypatch, capsys, "ingest", "-", "--format", "csv", "--dry-run")
    assert code == 0, err
    assert "checked (dry run, nothing stored) -: 3 rows in 1 batch," in out and "3 to store" in out


def test_standard_input_without_a_format_or_a_folder_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_main(monkeypatch, capsys, "ingest", "-", "--dry-run")
    assert code == 2 and out == "" and "standard input (-) has no name to tell its format" in err
    monkeypatch.chdir(tmp_path)  # short names: Click's box wraps a long one
    code, _, err = run_main(monkeypatch, capsys, "ingest", ".", "--dry-run")
    assert code == 2 and "'.' is a folder, not a file" in err
    code, _, err = run_main(monkeypatch, capsys, "ingest", "none.csv", "--dry-run")
    assert code == 2 and "file 'none.csv' does not exist" in err


def test_a_dry_runs_live_line_says_to_store_not_stored(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a terminal a dry run's live line read "N stored" while nothing was."""
    from rich.console import Console

    from kgplatform.cli.ingest import Ticker
    from kgplatform.mastery.backfill import IngestSummary

    monkeypatch.setattr(Console, "is_terminal", property(lambda self: True))
    for dry_run, said in ((True, "3 to store"), (False, "3 stored")):
        ticker = Ticker(dry_run=dry_run)
        with ticker as update:
            update(IngestSummary(rows=3, accepted=3))
            assert ticker.progress is not None
            assert said in ticker.progress.tasks[0].description


def test_a_dry_run_with_sort_counts_no_late_answer_where_the_file_as_it_comes_has_some(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Newest first, in batches of 2: every batch after the first is older than the one before it."""
    rows = [
        {**GOOD, "event_id": f"e-{day}", "answered_at": f"2026-01-{day:02d}T08:00:00Z"}
        for day in range(9, 0, -1)
    ]
    path = tmp_path / "newest-first.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows))
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--batch-size", "2")
    assert code == 0 and "7 answers older than an earlier batch's answer" in out, out
    code, out, err = run_main(
        monkeypatch, capsys, "ingest", str(path), "--dry-run", "--batch-size", "2", "--sort"
    )
    assert code == 0 and "9 to store" in out and "older than" not in out, out
    assert f"{path}: 9 rows sorted by answered_at in " in err and "s (in memory)\n" in err, err


def test_ctrl_c_while_sorting_stores_nothing_and_leaves_no_temporary_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import tempfile

    from kgplatform.mastery import answer_files

    def interrupted_while_reading(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
        for line in range(1, 8):
            yield line, {**GOOD, "event_id": f"e-{line}"}
        raise KeyboardInterrupt

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr("kgplatform.mastery.answer_sort.ROWS_IN_MEMORY", 3)  # two pieces written by then
    monkeypatch.setattr(answer_files, "read_answer_rows", interrupted_while_reading)
    monkeypatch.setattr(MasteryStore, "ingest_preview", lambda *_: pytest.fail("a batch was judged"))
    path = tmp_path / "big.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--sort")
    assert code == 130 and err == f"{path}: interrupted while sorting; nothing was stored\n", err
    assert list(scratch.iterdir()) == []


def test_a_full_temporary_folder_while_sorting_says_where_and_that_nothing_was_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A full $TMPDIR said only `kgplatform: [Errno 28] No space left on device`: no folder, no word of the
    sort, nothing on what was stored. Each piece is written to /dev/full here, whose writes fail so."""
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    monkeypatch.setattr("kgplatform.mastery.answer_sort.ROWS_IN_MEMORY", 2)
    real_open = Path.open

    def full_disk(self: Path, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        if mode == "wb" and self.is_relative_to(scratch):
            return real_open(Path("/dev/full"), mode, *args, **kwargs)
        return real_open(self, mode, *args, **kwargs)

    monkeypatch.setattr(Path, "open", full_disk)
    monkeypatch.setattr(MasteryStore, "ingest_preview", lambda *_: pytest.fail("a batch was judged"))
    path = tmp_path / "big.jsonl"
    path.write_text("".join(json.dumps({**GOOD, "event_id": f"e-{n}"}) + "\n" for n in range(5)))
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), "--dry-run", "--sort")
    assert code == 2, err
    assert err.startswith(f"{path}: the sort could not write its temporary files in {scratch} "), err
    assert "No space left on device" in err and "nothing was stored" in err and "TMPDIR" in err, err
    assert "Traceback" not in err and list(scratch.iterdir()) == []


def _damaged_gzip(how: str) -> bytes:
    """A gzip'd export of 3,000 answers cut short (a copy stopped half way) or with bytes changed inside:
    near its start the deflate stream breaks (zlib.error), further on only the checksum tells (CRC)."""
    text = "".join(
        json.dumps({**GOOD, "event_id": f"e-{n}", "learner_id": f"l-{n}"}) + "\n" for n in range(3000)
    )
    data = bytearray(gzip.compress(text.encode(), mtime=0))
    if how == "truncated":
        return bytes(data[: len(data) // 2])
    start = 100 if how == "damaged" else len(data) // 3
    for at in range(start, start + 200):
        data[at] ^= 0x5A
    return bytes(data)


@pytest.mark.parametrize("how", ["truncated", "damaged", "bad checksum"])
@pytest.mark.parametrize("sort", [False, True])
def test_a_truncated_or_damaged_gzip_file_is_named_with_exit_2_not_aborted_or_a_traceback(
    how: str, sort: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Cut short it said "Aborted." and exit 1 (Click's word for an EOFError: "rows rejected" by the exit
    code); damaged, a zlib traceback."""
    path = tmp_path / "export.jsonl.gz"
    path.write_bytes(_damaged_gzip(how))
    code, out, err = run_main(
        monkeypatch, capsys, "ingest", str(path), "--dry-run", *(["--sort"] if sort else [])
    )
    assert code == 2, (code, err)
    assert "Traceback" not in err and "Aborted" not in err, err
    assert f"kgplatform: {path}: the gzip'd data is " in err and "cut short or damaged" in err, err


def test_a_rejects_file_that_cannot_be_written_is_said_before_the_sort_not_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """--sort opened --rejects only once every row was read and sorted: minutes of a big file's sort, then
    `No such file or directory`. Without --sort it was opened before the first row, as it is now with it."""
    from kgplatform.mastery import answer_sort

    monkeypatch.setattr(answer_sort, "sort_key", lambda _row: pytest.fail("the sort ran"))
    path = tmp_path / "answers.jsonl"
    path.write_text(json.dumps(GOOD) + "\n")
    rejects = tmp_path / "no-such-folder" / "rejects.jsonl"
    code, out, err = run_main(
        monkeypatch, capsys, "ingest", str(path), "--dry-run", "--sort", "--rejects", str(rejects)
    )
    assert code == 2 and err == f"kgplatform: No such file or directory: {rejects}\n", err


@pytest.mark.parametrize(
    ("name", "text", "said"),
    [
        ("log.csv", "event_id,learner_id,task_id,correct,answered_at\r\n", "nothing after its header line"),
        ("log.csv", "event_id,learner_id,task_id,correct,answered_at\n\n\n", "nothing after its header line"),
        ("log.jsonl", "", "the file is empty or its lines are blank"),
        ("log.jsonl", "\n \n", "the file is empty or its lines are blank"),
    ],
)
@pytest.mark.parametrize("dry_run", [False, True])
def test_a_file_without_answers_is_said_with_exit_6_before_anything_connects(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str,
    said: str,
    dry_run: bool,
) -> None:
    """A CSV header alone or an empty JSON Lines file was 0 rows stored and exit 0, as if the backfill had
    been done: an export that came out empty went unseen. Since 4 December 2026 one line says so, exit 6
    (apart from 1 and 2: nothing was rejected, nothing failed), before Neo4j is asked or --rejects written."""

    def no_graph() -> Any:
        raise AssertionError("connected for a file without answers")

    monkeypatch.setattr("kgplatform.cli.ingest.graph_session", no_graph)
    path, rejects = tmp_path / name, tmp_path / "rejects.jsonl"
    path.write_text(text)
    options = ["--rejects", str(rejects), *(["--dry-run"] if dry_run else [])]
    code, out, err = run_main(monkeypatch, capsys, "ingest", str(path), *options)
    assert code == 6, err
    assert out == "" and err == f"kgplatform: {path}: no answers in it ({said}); nothing to ingest\n"
    assert not rejects.exists()


def test_standard_input_without_answers_is_exit_6(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`zcat gone.gz | kgplatform ingest - --format jsonl`: zcat fails, the ingest reads nothing; without
    `set -o pipefail` the pipeline's status is the ingest's, which was 0."""
    empty = gzip.compress(b"")
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BufferedReader(io.BytesIO(empty))))  # type: ignore[arg-type]
    code, out, err = run_main(monkeypatch, capsys, "ingest", "-", "--format", "jsonl")
    assert code == 6 and out == "" and "-: no answers in it" in err, err
