"""Reading answer-log files as researchers export them: plain or gzip'd, comma, tab or semicolon separated,
UTF-8 (a BOM is fine) or else Windows-1252/latin-1, each row with the line it ends on, so that a bad cell is
refused naming its file, line and column. `datasets` builds a ResponseLog from the rows."""

from __future__ import annotations

import codecs
import csv
import gzip
import itertools
from collections.abc import Generator
from pathlib import Path

from kgplatform.errors import ValidationFailed

# Where a row came from, kept beside its cells so that a bad value can be shown with its line.
LINE = "#line"
# Spreadsheets save a text file in the platform's legacy code page: a line that is not UTF-8 is read as
# Windows-1252, then latin-1. UTF-8 with errors replaced turned every accented letter of a skill name into
# the same U+FFFD, so that "Théorème" and "Thèorème" became one skill.
ENCODINGS = ("utf-8", "cp1252", "latin-1")
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


def text_lines(path: Path) -> Generator[str, None, None]:
    """The file's lines as text, gzip'd or plain (told apart by the first bytes, not the name). Each line is
    read as UTF-8, else Windows-1252, else latin-1 (which reads any byte): an export can mix them, and one
    stray byte must not turn the file's UTF-8 skill names into mojibake."""
    with path.open("rb") as raw:
        magic = raw.read(4)
    if magic.startswith(b"PK\x03\x04"):
        raise ValidationFailed(f"{path} is a zip archive: unzip it and pass the CSV file", field="data")
    with gzip.open(path, "rb") if magic.startswith(b"\x1f\x8b") else path.open("rb") as handle:
        for number, line in enumerate(handle):
            if number == 0 and line.startswith(codecs.BOM_UTF8):
                # A spreadsheet's byte-order mark would otherwise stick to the first column's name.
                line = line[len(codecs.BOM_UTF8) :]
            yield decode_line(line)


def decode_line(line: bytes) -> str:
    for encoding in ENCODINGS:
        try:
            return line.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def csv_rows(path: Path) -> Generator[tuple[int, list[str]], None, None]:
    """(line where the row ends, cells) for each row of the file, the header's names trimmed; cells are
    separated by what the header line uses most of: comma, tab or semicolon (a tab-separated export was
    refused as lacking every column, all of them being there)."""
    lines = text_lines(path)
    first = next(lines, "")
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(itertools.chain([first], lines), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, [cell.strip() for cell in row] if reader.line_num == 1 else row
    except csv.Error as error:  # a field beyond csv's size limit (a binary file), a stray quote
        raise ValidationFailed(
            f"{path}, line {reader.line_num}: not a CSV file ({error})", field="data"
        ) from None
    finally:
        lines.close()


def read_columns(
    path: Path,
    required: tuple[str, ...],
    optional: tuple[str, ...] = (),
    named: dict[str, str] | None = None,
) -> list[dict[str, str]]:
    """The required (and present optional) columns only, each row with its line number under `LINE`: raw
    exports carry dozens more. `named`: how to call a missing required column in the refusal (one that has
    an alternative)."""
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
        rows = []
        for line, row in reader:
            if row:
                cells = {c: row[i] if i < len(row) else "" for c, i in wanted}
                cells[LINE] = str(line)
                rows.append(cells)
        return rows
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
