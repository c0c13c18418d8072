"""Reading answer-log files as researchers export them: plain or gzip'd, comma, tab or semicolon separated,
UTF-8 (a BOM is fine) or else Windows-1252/latin-1, each row with the line it ends on, so that a bad cell is
refused naming its file, line and column. The wanted columns are streamed into int codes (`Columns`), not
kept as rows of strings. `datasets` builds a ResponseLog from them."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import itertools
import operator
import sys
import zlib
from array import array
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.typing import NDArray

from kgplatform.errors import ValidationFailed
from kgplatform.mastery.bkt import IntArray

BoolArray = NDArray[np.bool_]

# The file name that means standard input.
STDIN = "-"
# Where a row came from, kept beside its cells so that a bad value can be shown with its line.
LINE = "#line"
# Spreadsheets save a text file in the platform's legacy code page: a line that is not UTF-8 is read as
# Windows-1252, then latin-1. UTF-8 with errors replaced turned every accented letter of a skill name into
# the same U+FFFD, so that "Théorème" and "Thèorème" became one skill.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
DECODE_BLOCK_BYTES = 1 << 20
# Cells that dataframe and spreadsheet exports write for a missing value (pandas reads these as missing):
# an R export's "NA" skill was read as a skill named NA, and a "nan" correctness reached the metrics.
MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "#n/a"})
# Column names of other ASSISTments releases (2012: skill; 2017: studentId, problemId, skill), named in the
# refusal so that a researcher knows which column to rename. They are not read under these names: what a
# row holds differs between releases, and a rename is the researcher's statement that it fits.
ALIASES = {
    "user_id": ("studentId", "student_id", "user"),
    "problem_id": ("problemId", "problem"),
    "skill_name": ("skill",),
}


def read_header(path: Path) -> list[str]:
    rows = csv_rows(path)
    try:
        return next(rows, (0, []))[1]
    finally:
        rows.close()


@contextmanager
def open_bytes(path: Path) -> Iterator[BinaryIO]:
    """The file's bytes, gunzipped when they are gzip'd (told by the first bytes, not the name). `-` is
    standard input (`kgplatform ingest -`: an export piped from a database client or `zcat`), read once:
    its first bytes are peeked at, not read twice as a file's were."""
    stdin = str(path) == STDIN
    raw = sys.stdin.buffer if stdin else path.open("rb")
    try:
        # A pipe cannot be read twice, and a BufferedReader's peek leaves the bytes it looked at in place.
        buffered = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[arg-type]
        magic = buffered.peek(4)[:4]
        if magic.startswith(b"PK\x03\x04"):
            raise ValidationFailed(f"{path} is a zip archive: unzip it and pass the CSV file", field="data")
        if magic.startswith(b"\x1f\x8b"):
            with gzip.GzipFile(fileobj=buffered, mode="rb") as unzipped:
                try:
                    yield unzipped  # type: ignore[misc]
                except (EOFError, zlib.error, gzip.BadGzipFile) as error:
                    # Raised by the reads of the caller's block. Cut short, gzip's EOFError became Click's
                    # bare "Aborted." (exit 1, which `ingest` uses for rows rejected); damaged, zlib's error
                    # was a traceback, and a bad checksum named no file.
                    raise ValidationFailed(
                        f"{path}: the gzip'd data is cut short or damaged ({error}): copy or export the file "
                        "again",
                        field="data",
                    ) from error
        else:
            yield buffered
    finally:
        if not stdin:
            raw.close()


def text_lines(path: Path) -> Generator[str, None, None]:
    """The file's lines as text, gzip'd or plain (told apart by the first bytes, not the name). Each line is
    read as UTF-8, else Windows-1252, else latin-1 (which reads any byte): an export can mix them, and one
    stray byte must not turn the file's UTF-8 skill names into mojibake."""
    with open_bytes(path) as handle:
        first = True
        # About a megabyte of lines at a time: a block that is all UTF-8 (nearly every export) is decoded in
        # one call, as decoding line by line took a third of the reading time; else line by line, as below.
        while block := handle.readlines(DECODE_BLOCK_BYTES):
            if first and block[0].startswith(codecs.BOM_UTF8):
                # A spreadsheet's byte-order mark would otherwise stick to the first column's name.
                block[0] = block[0][len(codecs.BOM_UTF8) :]
            first = False
            try:
                text = b"".join(block).decode("utf-8")
            except UnicodeDecodeError:
                yield from map(decode_line, block)
                continue
            # b"\n" ends a line and occurs in no UTF-8 character: the text splits where the bytes did.
            parts = text.split("\n")
            last = parts.pop()  # "" when the block ends with its line's newline
            yield from (part + "\n" for part in parts)
            if last:
                yield last


def decode_line(line: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


class UnreadRow(list[str]):
    """A row past the header that csv could not read (`csv_rows(..., unread_rows=True)`): no cells, and
    why."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message


def csv_rows(path: Path, *, unread_rows: bool = False) -> Generator[tuple[int, list[str]], None, None]:
    """(line where the row ends, cells) for each row of the file, the header's names trimmed; cells are
    separated by what the header line uses most of: comma, tab or semicolon (a tab-separated export was
    refused as lacking every column, all of them being there). A row csv cannot read (a cell over its size
    limit, a binary file) refuses the file, or with `unread_rows` is an `UnreadRow` and the reading goes on
    at the next line (csv's reader starts afresh there); a header that cannot be read always refuses it."""
    lines = text_lines(path)
    first = next(lines, "")
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        while True:
            try:
                for row in reader:
                    yield reader.line_num, [cell.strip() for cell in row] if reader.line_num == 1 else row
                return
            except csv.Error as error:  # a field beyond csv's size limit (a binary file, a quote left open)
                if not unread_rows or reader.line_num <= 1:
                    raise ValidationFailed(
                        f"{path}, line {reader.line_num}: not a CSV file ({error})", field="data"
                    ) from None
                yield reader.line_num, UnreadRow(f"not read as CSV: {error} (a quote left open?)")
    finally:
        lines.close()


@dataclass(frozen=True, eq=False)
class Column:
    """One column of a file as codes into its distinct cells: ASSISTments 2012's ~6 million rows hold a few
    hundred thousand distinct ids, and a Python string per cell (or a dict per row, as this reader built
    until 3 December 2026) cost gigabytes where these int arrays cost 8 bytes a cell."""

    codes: IntArray  # per row: the index of its cell in `labels`
    labels: list[str]  # the distinct cells as written, in the order they first appear

    def label_mask(self, test: Callable[[str], bool]) -> BoolArray:
        """Per row: whether its cell passes `test`, asked once per distinct cell."""
        return np.fromiter(map(test, self.labels), dtype=bool, count=len(self.labels))[self.codes]


@dataclass(frozen=True, eq=False)
class Columns:
    """The wanted columns of a file, row by row in file order, with the line each row ends on."""

    columns: dict[str, Column]
    lines: IntArray

    def __len__(self) -> int:
        return int(self.lines.size)

    def __getitem__(self, column: str) -> Column:
        return self.columns[column]

    def __contains__(self, column: str) -> bool:
        return column in self.columns

    def cell(self, i: int, column: str) -> str:
        col = self.columns[column]
        return col.labels[int(col.codes[i])]

    def row(self, i: int) -> dict[str, str]:
        """Row `i` as cells by column, its line under `LINE`: what a refusal names (bad_cell)."""
        return {**{c: self.cell(i, c) for c in self.columns}, LINE: str(int(self.lines[i]))}

    def rows(self) -> Iterator[dict[str, str]]:
        """Every row as `row` gives it: for the small side files (users, skill names), not the log."""
        return (self.row(i) for i in range(len(self)))


# Rows per batch of read_columns: enough for C to do the work; 65,536 held ~25 MB of row lists at once.
BATCH_ROWS = 4_096


class _Codes(dict[str, int]):
    """A cell's code: the number of distinct cells seen before it first appeared."""

    def __missing__(self, cell: str) -> int:
        code = self[cell] = len(self)
        return code


def read_columns(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    named: dict[str, str] | None = None,
) -> Columns:
    """The required (and present optional) columns only, streamed into codes (`Column`), with each row's line
    number: raw exports carry dozens more. `named`: how to call a missing required column in the refusal
    (one that has an alternative)."""
    reader = csv_rows(path)
    try:
        header = next(reader, (0, []))[1]
        missing = [c for c in required if c not in header]
        if missing:
            shown = [(named or {}).get(c, c) for c in missing]
            found = [f"{a} to {c}" for c in missing for a in ALIASES.get(c, ()) if a in header]
            hint = f" (rename {', '.join(found)})" if found else ""
            raise ValidationFailed(f"{path} lacks column(s) {', '.join(shown)}{hint}", field=missing[0])
        wanted = [(c, header.index(c)) for c in (*required, *optional) if c in header]
        # array('q') grows by 8 bytes an entry; a list of ints would hold a pointer and an int object each.
        codes = [array("q") for _ in wanted]
        indexes = [_Codes() for _ in wanted]
        lines = array("q")
        width = max(i for _, i in wanted) + 1
        # Rows are taken a batch at a time so that picking a column's cells and coding them run in C (map over
        # itemgetter and the dict's lookup): a Python loop over each cell took most of the reading time.
        while batch := list(itertools.islice(reader, BATCH_ROWS)):
            rows = [row for _, row in batch if row]
            if len(rows) < len(batch):
                lines.extend(line for line, row in batch if row)
            else:
                lines.extend(line for line, _ in batch)
            if rows and min(map(len, rows)) < width:  # a short row's missing cells are empty, as before
                rows = [row if len(row) >= width else row + [""] * (width - len(row)) for row in rows]
            for (_, i), index, out in zip(wanted, indexes, codes, strict=True):
                out.extend(map(index.__getitem__, map(operator.itemgetter(i), rows)))
        return Columns(
            {
                c: Column(np.frombuffer(out, dtype=np.int64) if out else np.zeros(0, np.int64), list(index))
                for (c, _), index, out in zip(wanted, indexes, codes, strict=True)
            },
            np.frombuffer(lines, dtype=np.int64) if lines else np.zeros(0, np.int64),
        )
    finally:
        reader.close()


def integer_cell(row: dict[str, str], column: str, path: Path) -> int:
    try:
        return int(row[column].strip())
    except ValueError:
        raise bad_cell(path, row, column, f"{column} must be a whole number, not {row[column]!r}") from None


def bad_cell(path: Path, row: dict[str, str], column: str, why: str) -> ValidationFailed:
    """A refusal naming the file, the line and the column of a bad cell."""
    return ValidationFailed(f"{path}, line {row[LINE]}, column {column}: {why}", field=column)


def present(cell: str) -> bool:
    text = cell.strip()
    # Every marker is at most 4 characters: most cells (ids, 0/1) are decided without lower-casing.
    return len(text) > 4 or (text != "" and text.lower() not in MISSING)
