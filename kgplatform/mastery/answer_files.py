"""Reading answer files for `kgplatform ingest`: the rows POST /answers takes, one per line of a JSON Lines
file or per row of a CSV file whose header names the API's fields. Each row comes with the line it ends
on, so a rejected row is named by its line. Plain or gzip'd, UTF-8 (the CSV reader's rules: `log_files`).

Rows are only decoded here (JSON, CSV cells to the API's types); whether an answer is valid is decided by
the ingest itself (`parse_answer_rows`), so a file and a request are held to the same rule.
"""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.log_files import STDIN, UnreadRow, csv_rows, text_lines
from kgplatform.mastery.models import AnswerIn
from kgplatform.validation_messages import TypeMessage, json_type_message, quoted_text

Format = Literal["jsonl", "csv"]
FIELDS = tuple(AnswerIn.model_fields)
REQUIRED = ("event_id", "learner_id", "task_id", "answered_at")
# A spreadsheet writes TRUE/FALSE, a database export 1/0 or t/f: all are what the API's JSON booleans say.
TRUE_CELLS = frozenset({"true", "1", "t", "yes"})
FALSE_CELLS = frozenset({"false", "0", "f", "no"})
NUMBER_FIELDS = ("score", "duration_s")
# What a cell of each typed field must read, for a row refused for its cell (`cell_type_message`).
CELL_NEEDED = {
    "bool_type": "a cell reading true or false (or 1/0, t/f, yes/no)",
    "float_type": "a number",
}
SUFFIXES: dict[str, Format] = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".tsv": "csv",
}


class BadLine:
    """A line that holds no row at all (not JSON, a CSV row of the wrong width): rejected as `invalid`."""

    def __init__(self, message: str) -> None:
        self.message = message


NumberedRow = tuple[int, Any]  # (line, the row as POST /answers would receive it, or a BadLine)


class NoAnswers(Exception):  # noqa: N818 - an outcome the CLI reports with its own exit code, not an error
    """A file of the right form that holds no answer: a CSV header alone, a JSON Lines file that is empty or
    of blank lines. Said before anything connects (`kgplatform ingest` exits 6): it read as 0 rows stored
    and exit 0, so an export that came out empty, or a pipe whose first command failed, went unseen."""


def file_format(path: Path, given: str | None) -> Format:
    """The format `--format` names, else the one the file's name says (a .gz suffix is looked through)."""
    if given is not None:
        if given not in ("jsonl", "csv"):
            raise ValidationFailed(f"--format must be jsonl or csv, not {given!r}", field="format")
        return "jsonl" if given == "jsonl" else "csv"
    if str(path) == STDIN:
        raise ValidationFailed(
            "standard input (-) has no name to tell its format: pass --format jsonl or csv", field="format"
        )
    suffixes = [s.lower() for s in path.suffixes if s.lower() != ".gz"]
    if suffixes and suffixes[-1] in SUFFIXES:
        return SUFFIXES[suffixes[-1]]
    raise ValidationFailed(
        f"{path}: cannot tell the format from the name (.jsonl, .ndjson, .csv, .tsv, optionally .gz): "
        "pass --format jsonl or --format csv",
        field="format",
    )


def read_answer_rows(path: Path, fmt: Format) -> Iterator[NumberedRow]:
    """Every row of the file with its line, in file order. A CSV header that is not the API's fields is
    refused at once (naming the column), and a file without a row is NoAnswers, both before the rows are
    wanted (the first is read now)."""
    rows = _jsonl_rows(path) if fmt == "jsonl" else _csv_rows(path)
    first = next(rows, None)
    if first is None:
        what = "nothing after its header line" if fmt == "csv" else "the file is empty or its lines are blank"
        raise NoAnswers(f"{path}: no answers in it ({what}); nothing to ingest")
    return _with_first(first, rows)


def _with_first(first: NumberedRow, rest: Iterator[NumberedRow]) -> Iterator[NumberedRow]:
    """The row read ahead, then the others; closing this closes the file's reader too."""
    try:
        yield first
        yield from rest
    finally:
        close = getattr(rest, "close", None)
        if close is not None:
            close()


def _jsonl_rows(path: Path) -> Iterator[NumberedRow]:
    # The first row is read now: a file that is no JSON Lines at all (a JSON array, pretty-printed JSON,
    # a CSV named .json) is refused as a whole, not as one rejected row per line.
    raw = text_lines(path)
    lines = enumerate(raw, start=1)
    try:
        for number, line in lines:
            if line.strip():
                first = (number, _json_row(line))
                # A POST /answers body ({"answers": [...]}) is an object, but not an answer.
                if not isinstance(first[1], dict) or set(first[1]) == {"answers"}:
                    why = first[1].message if isinstance(first[1], BadLine) else "not an answer object"
                    raise ValidationFailed(
                        f"{path}, line {number}: not JSON Lines, one answer object a line ({why}); "
                        "a JSON array becomes them with `jq -c '.[]'`, a POST /answers body with "
                        "`jq -c '.answers[]'`",
                        field="format",
                    )
                break
        else:
            raw.close()
            return iter(())
    except BaseException:
        raw.close()
        raise
    return _jsonl_body(first, lines, raw)


def _jsonl_body(
    first: NumberedRow, lines: Iterator[tuple[int, str]], raw: Generator[str, None, None]
) -> Iterator[NumberedRow]:
    try:
        yield first
        for number, line in lines:
            if line.strip():  # a blank line (a trailing one, say) is no row
                yield number, _json_row(line)
    finally:
        raw.close()


def _json_row(line: str) -> Any:
    try:
        # Without its line end: json read a line cut short inside a string as one holding a control
        # character (the newline), not as the unterminated string it is.
        return json.loads(line.rstrip("\r\n"))
    except json.JSONDecodeError as error:
        # Some of json's messages end in "at" ("Unterminated string starting at"): said once.
        return BadLine(f"not JSON: {error.msg.removesuffix(' at')} at column {error.colno}")


def _csv_rows(path: Path) -> Iterator[NumberedRow]:
    # The header is read and checked now, not when the first row is wanted: a file with a wrong column is
    # refused before anything connects or is stored.
    # An overlong cell is one rejected row, as any other bad line: it stopped a 2-million-row run at its
    # line with exit 2 (and a dry run with it, before the rows after it were checked).
    rows = csv_rows(path, unread_rows=True)
    try:
        _, written = next(rows, (0, []))
        if not any(written):
            raise ValidationFailed(
                f"{path}: no header on line 1 (the file is empty or starts with a blank line); the first "
                f"line names the columns: {', '.join(FIELDS)}",
                field="data",
            )
        header = [column_name(c) for c in written]
        check_header(path, header, written)
    except BaseException:
        rows.close()
        raise
    return _csv_body(rows, header)


def column_name(written: str) -> str:
    """The answer field a header cell names: a spreadsheet's `Event_ID` or `Learner ID` is `learner_id`
    (the fields are fixed and lower-case, so this cannot make two different columns one)."""
    return "_".join(written.strip().lower().replace("-", " ").split())


def _csv_body(rows: Generator[tuple[int, list[str]], None, None], header: list[str]) -> Iterator[NumberedRow]:
    width = len(header)
    try:
        for line, cells in rows:
            if isinstance(cells, UnreadRow):
                yield line, BadLine(cells.message)
                continue
            if not cells:
                continue
            if len(cells) != width:
                yield line, BadLine(f"{len(cells)} cells where the header has {width}")
                continue
            yield line, row_of_cells(header, cells)
    finally:
        rows.close()


def check_header(path: Path, header: list[str], written: list[str] | None = None) -> None:
    """`header`: the columns' names as fields (`column_name`); `written`: as the file has them, for the
    refusal to name."""
    written = header if written is None else written
    unknown = [w for c, w in zip(header, written, strict=True) if c not in FIELDS]
    if unknown:
        raise ValidationFailed(
            f"{path}: unknown column(s) {', '.join(map(repr, unknown))}; the columns are POST /answers' "
            f"fields: {', '.join(FIELDS)}",
            field=unknown[0],
        )
    missing = [c for c in REQUIRED if c not in header]
    if "correct" not in header and "score" not in header:
        missing.append("correct or score")
    if missing:
        raise ValidationFailed(f"{path} lacks column(s) {', '.join(missing)}", field=missing[0].split()[0])
    if len(set(header)) != len(header):
        twice = sorted({c for c in header if header.count(c) > 1})
        raise ValidationFailed(f"{path}: column(s) {', '.join(twice)} given twice", field=twice[0])


def correct_cell(text: str) -> bool | str:
    """A `correct` cell as the API's boolean; a cell that says neither is passed on as text. A number
    equal to 1 or 0 counts too: pandas writes an integer column holding a missing value as `1.0`/`0.0`."""
    lowered = text.lower()
    if lowered in TRUE_CELLS or lowered in FALSE_CELLS:
        return lowered in TRUE_CELLS
    try:
        number = float(text)
    except ValueError:
        return text
    return number == 1.0 if number in (0.0, 1.0) else text


def row_of_cells(header: list[str], cells: list[str]) -> dict[str, Any]:
    """A CSV row as the JSON object a service would post: an empty cell is a field left out; a cell that
    does not read as its field's type is passed on as text, for the ingest to reject naming the field."""
    row: dict[str, Any] = {}
    for name, cell in zip(header, cells, strict=True):
        text = cell.strip()
        if not text:
            continue
        if name == "correct":
            row[name] = correct_cell(text)
        elif name in NUMBER_FIELDS:
            try:
                row[name] = float(text)
            except ValueError:
                row[name] = text
        elif name == "answered_at":
            row[name] = text
        else:
            row[name] = cell  # ids as written: the API does not trim them either
    return row


def cell_type_message(error: Mapping[str, Any]) -> str | None:
    """A CSV cell that does not read as its field's type, in a spreadsheet's words: 'correct: a cell reading
    true or false (or 1/0, t/f, yes/no) is needed, not "maybe"'. The API's wording ("a JSON boolean ...,
    not the text "maybe"") told the author of a CSV file about JSON, which the file has none of."""
    needed = CELL_NEEDED.get(str(error.get("type")))
    if needed is None or not isinstance(error.get("input"), str):
        return None
    return f"{needed} is needed, not {quoted_text(error['input'])}"


def type_message_for(fmt: Format) -> TypeMessage:
    """How a field of the wrong type is said for rows of a file of `fmt`."""
    return cell_type_message if fmt == "csv" else json_type_message
