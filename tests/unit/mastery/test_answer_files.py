"""Answer files for `kgplatform ingest`: rows as POST /answers takes them, each with its line."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.answer_files import BadLine, NoAnswers, file_format, read_answer_rows

ANSWER = {
    "event_id": "e-1",
    "learner_id": "l-1",
    "task_id": "t-1",
    "correct": True,
    "answered_at": "2026-01-05T08:00:00Z",
    "duration_s": 31.5,
}


def test_json_lines_keep_their_line_and_a_line_that_is_no_json_is_a_bad_line(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(ANSWER) + "\n\n" + '{"event_id": "e-2",\n' + json.dumps(ANSWER) + "\n")
    rows = list(read_answer_rows(path, "jsonl"))
    assert [line for line, _ in rows] == [1, 3, 4]  # the blank line 2 is no row
    assert rows[0][1] == ANSWER and rows[2][1] == ANSWER
    assert isinstance(rows[1][1], BadLine) and "not JSON" in rows[1][1].message


def test_a_gzipped_file_is_read_like_a_plain_one(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl.gz"
    path.write_bytes(gzip.compress((json.dumps(ANSWER) + "\n").encode()))
    assert file_format(path, None) == "jsonl"
    assert list(read_answer_rows(path, "jsonl")) == [(1, ANSWER)]


def test_csv_cells_become_the_api_types_and_an_empty_cell_a_field_left_out(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "event_id,learner_id,task_id,correct,score,answered_at,duration_s\n"
        "e-1,l-1,t-1,TRUE,,2026-01-05T08:00:00Z,31.5\n"
        "e-2,l-1,t-1,0,,2026-01-05T08:01:00Z,\n"
        "e-3,l-1,t-1,,0.5,2026-01-05T08:02:00Z,\n"
        "e-4,l-1,t-1,maybe,,2026-01-05T08:03:00Z,long\n"
    )
    rows = [row for _, row in read_answer_rows(path, "csv")]
    assert rows[0] == ANSWER
    assert rows[1]["correct"] is False and "duration_s" not in rows[1] and "score" not in rows[1]
    assert rows[2]["score"] == 0.5 and "correct" not in rows[2]
    # Passed on as text: the ingest rejects them naming the field, as it would the same JSON.
    assert rows[3]["correct"] == "maybe" and rows[3]["duration_s"] == "long"


def test_a_csv_row_of_another_width_is_a_bad_line_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    path.write_text(
        "event_id,learner_id,task_id,correct,answered_at\ne-1,l-1,t-1,1,2026-01-05T08:00:00Z\ne-2,l-1,t-1,1\n"
    )
    rows = list(read_answer_rows(path, "csv"))
    assert rows[0][0] == 2 and rows[1][0] == 3
    assert isinstance(rows[1][1], BadLine) and "4 cells where the header has 5" in rows[1][1].message


@pytest.mark.parametrize(
    ("header", "field", "words"),
    [
        ("event_id,learner_id,task_id,correct,answered_at,problem_id", "problem_id", "unknown column"),
        ("event_id,learner_id,task_id,answered_at", "correct", "correct or score"),
        ("event_id,task_id,correct,answered_at", "learner_id", "lacks column(s) learner_id"),
        ("event_id,learner_id,task_id,correct,correct,answered_at", "correct", "given twice"),
    ],
)
def test_a_csv_header_that_is_not_the_api_fields_is_refused_before_any_row(
    tmp_path: Path, header: str, field: str, words: str
) -> None:
    path = tmp_path / "log.csv"
    path.write_text(header + "\n")
    with pytest.raises(ValidationFailed) as refused:
        read_answer_rows(path, "csv")  # not iterated: refused when the reader is made
    assert refused.value.field == field and words in refused.value.message


def test_the_format_comes_from_the_name_or_the_option(tmp_path: Path) -> None:
    assert file_format(tmp_path / "a.ndjson", None) == "jsonl"
    assert file_format(tmp_path / "a.TSV.gz", None) == "csv"
    assert file_format(tmp_path / "a.txt", "csv") == "csv"
    for name, given in (("a.txt", None), ("a.csv", "xml")):
        with pytest.raises(ValidationFailed) as refused:
            file_format(tmp_path / name, given)
        assert refused.value.field == "format"


@pytest.mark.parametrize(
    "text",
    [
        json.dumps([ANSWER]) + "\n",  # a JSON array on one line
        "[\n  " + json.dumps(ANSWER) + "\n]\n",  # pretty-printed
        json.dumps({"answers": [ANSWER]}) + "\n",  # a POST /answers body: an object, but no answer
        "event_id,learner_id\n",  # a CSV named .jsonl
    ],
)
def test_a_file_that_is_no_json_lines_is_refused_as_a_whole(tmp_path: Path, text: str) -> None:
    """Each line was a rejected row: a pretty-printed export gave one rejection a line and stored nothing."""
    path = tmp_path / "log.jsonl"
    path.write_text("\n" + text)
    with pytest.raises(ValidationFailed) as refused:
        list(read_answer_rows(path, "jsonl"))
    assert refused.value.field == "format" and "line 2: not JSON Lines" in refused.value.message


def test_a_spreadsheets_header_in_other_case_or_with_spaces_names_the_fields(tmp_path: Path) -> None:
    """`Event_ID` was refused as an unknown column: a school's export had to be rewritten for its header
    (a review, 4 December)."""
    path = tmp_path / "log.csv"
    path.write_text(
        "\ufeffEvent_ID; Learner ID ;TASK-ID;Correct;Answered_At\r\n"
        "e-1;l-1;t-1;TRUE;2026-01-05T08:00:00Z\r\n",
        encoding="utf-8",
    )
    assert list(read_answer_rows(path, "csv")) == [
        (2, {k: v for k, v in ANSWER.items() if k != "duration_s"})
    ]
    path.write_text("event_id,Event_ID,learner_id,task_id,correct,answered_at\n")
    with pytest.raises(ValidationFailed, match="event_id given twice"):
        read_answer_rows(path, "csv")
    path.write_text("Event_ID,Learner,task_id,correct,answered_at\n")
    with pytest.raises(ValidationFailed, match="unknown column\\(s\\) 'Learner'"):
        read_answer_rows(path, "csv")


@pytest.mark.parametrize("text", ["", "\n\n", "\ufeff"])
def test_an_empty_csv_file_is_said_to_have_no_header(tmp_path: Path, text: str) -> None:
    """It was refused as lacking every column, as if its header named the wrong ones."""
    path = tmp_path / "log.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValidationFailed, match="log.csv: no header on line 1 \\(the file is empty"):
        read_answer_rows(path, "csv")


def test_a_csv_line_with_an_overlong_cell_is_a_bad_line_and_the_reading_goes_on(tmp_path: Path) -> None:
    """It refused the whole file at that line (exit 2): a real run stopped there, a dry run too, before the
    rows after it were checked (a review, 4 December)."""
    header = "event_id,learner_id,task_id,correct,answered_at\n"
    good = "e-1,l-1,t-1,1,2026-01-05T08:00:00Z\n"
    path = tmp_path / "log.csv"
    path.write_text(header + good + "e-2," + "x" * 200_000 + ",t-1,1,2026-01-05T08:00:00Z\n" + good)
    rows = list(read_answer_rows(path, "csv"))
    assert [line for line, _ in rows] == [2, 3, 4]
    assert isinstance(rows[1][1], BadLine) and "field larger than field limit" in rows[1][1].message
    assert rows[0][1] == rows[2][1] == {k: v for k, v in ANSWER.items() if k != "duration_s"}
    path.write_text("x" * 200_000 + "\n" + good)  # no header to read: the file is refused
    with pytest.raises(ValidationFailed, match="line 1: not a CSV file"):
        read_answer_rows(path, "csv")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("log.csv", "event_id,learner_id,task_id,correct,answered_at\n"),
        ("log.csv", "event_id,learner_id,task_id,correct,answered_at\n\n"),
        ("log.jsonl", ""),
        ("log.jsonl", "\n\n"),
    ],
)
def test_a_file_without_a_row_is_no_answers_when_the_reader_is_made(
    tmp_path: Path, name: str, text: str
) -> None:
    """Not an iterator of nothing (the ingest stored 0 rows and exited 0): said before a row is wanted."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(NoAnswers, match=f"{name}: no answers in it"):
        read_answer_rows(path, "csv" if name.endswith(".csv") else "jsonl")


def test_closing_the_rows_closes_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first row is read ahead; closing what is returned still closes the file's reader (an ingest
    stopped part-way leaves no file open)."""
    from kgplatform.mastery import answer_files

    closed = []

    def lines(path: Path) -> Iterator[str]:
        try:
            yield from path.read_text().splitlines()
        finally:
            closed.append(path)

    monkeypatch.setattr(answer_files, "text_lines", lines)
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps({**ANSWER, "event_id": f"e-{n}"}) + "\n" for n in range(3)))
    rows = read_answer_rows(path, "jsonl")
    assert next(rows)[0] == 1 and closed == []
    rows.close()  # type: ignore[attr-defined]
    assert closed == [path]


def test_a_line_cut_short_says_so_not_that_it_holds_a_control_character(tmp_path: Path) -> None:
    """The last line of a copy that ran out of disk ends inside a string: json was handed the line's own
    newline and said "Invalid control character at at column 136", which sent the operator looking for
    a stray byte instead of a cut-short file."""
    path = tmp_path / "log.jsonl"
    path.write_text(json.dumps(ANSWER) + "\n" + json.dumps(ANSWER)[:-12] + "\r\n")
    rows = list(read_answer_rows(path, "jsonl"))
    bad = rows[1][1]
    assert isinstance(bad, BadLine)
    assert "Unterminated string" in bad.message and "control character" not in bad.message
    assert " at at " not in bad.message


def test_a_dataframes_float_column_of_ones_and_zeros_reads_as_correct(tmp_path: Path) -> None:
    """pandas writes an integer column holding one missing value as floats, `1.0` and `0.0`: every row of
    such an export was rejected as `correct: Input should be a valid boolean`, the cell reading 1.0."""
    path = tmp_path / "log.csv"
    path.write_text(
        "event_id,learner_id,task_id,correct,answered_at\n"
        "e-1,l-1,t-1,1.0,2026-01-05T08:00:00Z\n"
        "e-2,l-1,t-1,0.0,2026-01-05T08:01:00Z\n"
        "e-3,l-1,t-1,0.5,2026-01-05T08:02:00Z\n"
        "e-4,l-1,t-1,nan,2026-01-05T08:03:00Z\n"
    )
    rows = [row for _, row in read_answer_rows(path, "csv")]
    assert rows[0]["correct"] is True and rows[1]["correct"] is False
    # Neither right nor wrong: passed on as text, for the ingest to reject naming the field.
    assert rows[2]["correct"] == "0.5" and rows[3]["correct"] == "nan"
