"""Reading and writing the exchange formats: one JSON document, or CSV files (a folder, an upload or a zip).

Parsing here only recovers rows as plain dicts, with the structural problems a person must fix
before any row can be read (bad JSON, a missing CSV column). Row validation and the whole-graph
checks live in `import_validation`, so both formats share one set of rules and one report.
CSV conventions: one file per kind, UTF-8 (a BOM is tolerated), a header row; `tags` and a task's
`concepts` are ';'-separated; an empty cell gives the field's default, and a column left out keeps what
the graph holds for a row that updates a stored entity (a new one gets the default). An optional
curriculum.csv (one row: id, name, description) carries the curriculum itself, as the JSON document's
`curriculum` does.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from kgplatform.curriculum.document import BasedOn, CurriculumDocument
from kgplatform.curriculum.import_report import Entity, RowError
from kgplatform.curriculum.lone_surrogates import MAX_LISTED, json_text, lone_surrogate_paths
from kgplatform.curriculum.versions import CURRICULUM_ETAG_START
from kgplatform.errors import ValidationFailed
from kgplatform.files import write_atomically
from kgplatform.gc_pause import gc_paused
from kgplatform.json_repeats import repeats_hook
from kgplatform.wording import counted

Row = dict[str, Any]
T = TypeVar("T")

CSV_FILES = {
    Entity.CONCEPT: "concepts.csv",
    Entity.PREREQUISITE: "prerequisites.csv",
    Entity.TASK: "tasks.csv",
}
CURRICULUM_FILE = "curriculum.csv"
# Every CSV an import reads: curriculum.csv is optional (exports before it existed lack it).
INPUT_FILES = {Entity.CURRICULUM: CURRICULUM_FILE, **CSV_FILES}
# curriculum.csv's columns saying what an export was made from (`BasedOn`): the HTTP export writes them,
# an import reads them (and takes them out of the curriculum's row); files without them import unguarded.
BASED_ON_COLUMNS = ("based_on_curriculum_id", "based_on_etag")
CSV_COLUMNS = {
    Entity.CURRICULUM: ("id", "name", "description", *BASED_ON_COLUMNS),
    Entity.CONCEPT: ("id", "name", "description", "tags", "difficulty"),
    Entity.PREREQUISITE: ("prerequisite", "concept", "weight"),
    Entity.TASK: ("id", "title", "kind", "difficulty", "estimated_minutes", "concepts"),
}
REQUIRED_COLUMNS = {
    Entity.CURRICULUM: {"id"},
    Entity.CONCEPT: {"id", "name"},
    Entity.PREREQUISITE: {"prerequisite", "concept"},
    Entity.TASK: {"id", "title", "kind", "concepts"},
}
LIST_COLUMNS = {"tags", "concepts"}
LIST_SEPARATOR = ";"
JSON_SECTIONS = {"concepts": Entity.CONCEPT, "prerequisites": Entity.PREREQUISITE, "tasks": Entity.TASK}
# A zip's CSVs together may unpack to at most this much: the request body is capped (32 MiB by default),
# but deflate turns a few MiB into gigabytes. Far above any real curriculum (the largest public one read
# here, junyi's, is a few MiB of CSV). It was 256 MiB: a 40 KB zip of 20 MiB of repeated rows took the
# API to 4.2 GB, so the rows are capped too.
MAX_UNZIPPED_BYTES = 64 * 2**20
# Concept, prerequisite and task rows in one import, all files together: each row costs the import about
# 2 KB while it validates and reports, so this bounds an import's memory near 200 MB. Junyi's whole graph
# is under 3,000 rows; a larger curriculum is imported in parts (rows merge by id).
MAX_IMPORT_ROWS = 100_000
# Cells a spreadsheet would evaluate (OWASP's CSV injection list), after any quotes a protected cell has
# and any whitespace: LibreOffice's CSV import with "Trim spaces" ticked runs " =1+1" (it showed 2:
# LibreOffice 7.4, headless, 5 December 2026), and Apache Superset's export guards a space before the
# character too. Such a cell was written as it was, so a concept named " =HYPERLINK(...)" ran as a link in
# the spreadsheet of whoever opened the export (a review, 5 December 2026).
FORMULA_LIKE = re.compile(r"'*\s*[=+\-@\t\r]")
PROTECTED_FORMULA = re.compile(r"'+\s*[=+\-@\t\r]")
# What can go wrong reading a member of a zip that opened: a bad CRC or truncated data, an encrypted
# member, a compression method zipfile lacks (e.g. Deflate64), corrupt deflate data.
ZIP_MEMBER_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError)
# Where blank lines or cells spanning lines shift rows off "line = row + 1", a note says where; past this many
# shifts it stops listing them.
MAX_LINE_SHIFTS = 10
# What separates a zip member's folders: '/' by the format, '\\' as some Windows zippers write it.
ZIP_PATH_SEPARATORS = re.compile(r"[/\\]")


@dataclass
class RawDocument:
    """Rows as read, not yet validated; `file_errors` block the whole import."""

    curriculum: Row | None = None
    concepts: list[Any] = field(default_factory=list)
    prerequisites: list[Any] = field(default_factory=list)
    tasks: list[Any] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)
    # Importer remarks carried into the report (e.g. collapsed duplicate source rows).
    notes: list[str] = field(default_factory=list)
    # The line each CSV row starts on, by entity (absent for JSON): the report numbers rows by record.
    lines: dict[Entity, list[int]] = field(default_factory=dict)
    # A CSV's columns, by entity (absent for JSON, whose rows each say which fields they give). A column
    # left out of a file keeps the stored values of rows that update an entity; an empty cell in a
    # column that is there gives its default (see `import_store.kept_fields`).
    columns: dict[Entity, frozenset[str]] = field(default_factory=dict)
    # Keys a JSON row gives more than once, by entity and 0-based row: JSON keeps only the last value, so
    # validation refuses the row rather than import a value the designer may not have meant.
    repeated_keys: dict[Entity, dict[int, list[str]]] = field(default_factory=dict)
    # What the file says it was exported from (the JSON's `based_on`, curriculum.csv's based_on_* columns).
    based_on: BasedOn | None = None
    # A CSV's cells are all text, so its numbers are read from strings; a JSON document's and an importer's
    # rows have types of their own, held to the API's (a difficulty "0.5" is refused there).
    cells_are_text: bool = False

    def rows_of(self, entity: Entity) -> list[Any]:
        return {
            Entity.CONCEPT: self.concepts,
            Entity.PREREQUISITE: self.prerequisites,
            Entity.TASK: self.tasks,
        }[entity]

    @classmethod
    def from_document(cls, document: CurriculumDocument) -> RawDocument:
        data = document.model_dump(mode="json")
        return cls(data["curriculum"], data["concepts"], data["prerequisites"], data["tasks"])


class _KeysRepeated(dict[str, Any]):
    """A JSON object that gave some keys more than once (the value kept is the last, as json.loads keeps)."""

    def __init__(self, members: dict[str, Any], repeated: list[str]) -> None:
        super().__init__(members)
        self.repeated = repeated


# json.loads silently keeps the last of a repeated key: a second "concepts" section replaced the first,
# whose rows vanished without a word. Objects without repeats (nearly all) stay plain dicts.
_object_noting_repeats = repeats_hook(_KeysRepeated)


def _repeated(value: Any) -> list[str]:
    return value.repeated if isinstance(value, _KeysRepeated) else []


# What int() says of a number longer than Python converts (sys.get_int_max_str_digits, 4,300 by default).
_TOO_MANY_DIGITS = re.compile(r"integer string conversion: value has (\d+) digits")


def parse_json(text: str | bytes) -> RawDocument:
    """The JSON document; a section that is not a list, an unknown or repeated top-level key, or a repeated
    key of the curriculum is a file error; a row's repeated key is that row's error (see validation)."""
    try:
        text, may_hold_surrogates = json_text(text)
        with gc_paused():
            data = json.loads(text, object_pairs_hook=_object_noting_repeats)
    except (ValueError, RecursionError) as error:
        # ValueError: bad JSON, bad UTF-8, or an integer longer than Python converts (4,300 digits);
        # RecursionError: nesting deeper than the parser follows.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        if digits := _TOO_MANY_DIGITS.search(reason):
            # Python's own words ended "use sys.set_int_max_str_digits() to increase the limit".
            reason = (
                f"a number has {int(digits[1]):,} digits, past the {sys.get_int_max_str_digits():,} read "
                "(difficulties, weights and minutes are short numbers)"
            )
        return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=f"not valid JSON: {reason}")])
    if not isinstance(data, dict):
        return RawDocument(
            file_errors=[RowError(entity=Entity.FILE, message="the document must be a JSON object")]
        )
    if may_hold_surrogates and (places := lone_surrogate_paths(data)):
        return RawDocument(file_errors=_lone_surrogate_errors(places))
    raw = RawDocument()
    unknown = sorted(set(data) - {"based_on", "curriculum", *JSON_SECTIONS})
    for key in unknown:
        raw.file_errors.append(RowError(entity=Entity.FILE, field=key, message=f"unknown section {key!r}"))
    for key in _repeated(data):
        message = f"repeated section {key!r}: give it once (JSON keeps only the last; the others are lost)"
        raw.file_errors.append(RowError(entity=Entity.FILE, field=key, message=message))
    if "based_on" in data:
        raw.based_on = _based_on(data["based_on"], raw.file_errors, "based_on")
    curriculum = data.get("curriculum")
    if curriculum is not None and not isinstance(curriculum, dict):
        raw.file_errors.append(RowError(entity=Entity.FILE, field="curriculum", message="must be an object"))
    else:
        raw.curriculum = curriculum
        for key in _repeated(curriculum):
            message = f"{key!r} is given more than once; give it once"
            raw.file_errors.append(RowError(entity=Entity.FILE, field=f"curriculum.{key}", message=message))
    for section, entity in JSON_SECTIONS.items():
        rows = data.get(section, [])
        if not isinstance(rows, list):
            raw.file_errors.append(RowError(entity=Entity.FILE, field=section, message="must be a list"))
            continue
        raw.rows_of(entity).extend(rows)
        repeats = {index: keys for index, row in enumerate(rows) if (keys := _repeated(row))}
        if repeats:
            raw.repeated_keys[entity] = repeats
    return _within_row_limit(raw)


def _lone_surrogate_errors(places: list[tuple[list[str | int], str]]) -> list[RowError]:
    """A file error per place holding a lone surrogate, naming the row and field where it is in a row:
    the file's encoding is broken there (as a CSV that is not UTF-8 is), so no row of it is imported."""
    errors = []
    for path, text in places[:MAX_LISTED]:
        message = (
            f"holds {text}, a lone surrogate (half of a UTF-16 pair: \\ud800-\\udfff without its other "
            "half), which is not text: the program that wrote the file cut a character in two"
        )
        section, row, *rest = [*path, None, None]
        entity = JSON_SECTIONS.get(section) if isinstance(section, str) and isinstance(row, int) else None
        if entity is not None:
            field = ".".join(str(p) for p in rest if p is not None) or None
            errors.append(RowError(entity=entity, row=row + 1, field=field, message=message))
        elif section == "curriculum" and isinstance(row, str):
            errors.append(RowError(entity=Entity.CURRICULUM, field=row, message=message))
        else:
            field = ".".join(str(p) for p in path) or None
            errors.append(RowError(entity=Entity.FILE, field=field, message=message))
    if len(places) > MAX_LISTED:
        message = f"more lone surrogates follow; the first {MAX_LISTED} are listed"
        errors.append(RowError(entity=Entity.FILE, message=message))
    return errors


def _based_on(value: Any, errors: list[RowError], where: str) -> BasedOn | None:
    """A file's record of the export it came from, or None with a file error: a record that cannot be read
    refuses the file, as importing it unguarded would drop the very check the record asks for."""
    if (
        isinstance(value, dict)
        and set(value) == {"curriculum_id", "etag"}
        and all(isinstance(v, str) and v for v in value.values())
        and value["etag"].startswith(CURRICULUM_ETAG_START)
        and value["etag"].endswith('"')
    ):
        return BasedOn(curriculum_id=value["curriculum_id"], etag=value["etag"])
    message = (
        'must be what the export wrote: {"curriculum_id": ..., "etag": ""curriculum@...""}; '
        "remove it to import without checking for edits made since the export"
    )
    errors.append(RowError(entity=Entity.FILE, field=where, message=message))
    return None


def _within_row_limit(raw: RawDocument) -> RawDocument:
    """`raw`, or, past MAX_IMPORT_ROWS rows, a document of that one file error (no rows to validate)."""
    total = len(raw.concepts) + len(raw.prerequisites) + len(raw.tasks)
    if total <= MAX_IMPORT_ROWS:
        return raw
    message = (
        f"holds {total:,} rows; at most {MAX_IMPORT_ROWS:,} are imported at once: split it (rows merge by id)"
    )
    return RawDocument(file_errors=[*raw.file_errors, RowError(entity=Entity.FILE, message=message)])


def parse_csv_tables(tables: dict[Entity, str | bytes], curriculum: Row | None = None) -> RawDocument:
    """Rows from up to three CSV texts (a missing kind means no rows of it). A curriculum.csv's row replaces
    `curriculum`, as a JSON document's `curriculum` does: the import refuses it if it names another one."""
    raw = RawDocument(curriculum=curriculum, cells_are_text=True)
    if not tables:
        raw.file_errors.append(
            RowError(entity=Entity.FILE, message=f"no CSV files: expected {_input_names()}")
        )
    for entity, text in tables.items():
        read = _read_csv(entity, text, raw.file_errors, raw.notes)
        if read is None:
            continue
        rows, lines, header = read
        raw.columns[entity] = frozenset(header)
        if entity is Entity.CURRICULUM:
            _set_curriculum(raw, rows)
            continue
        raw.rows_of(entity).extend(rows)
        raw.lines[entity] = lines
        if note := _line_note(INPUT_FILES[entity], lines):
            raw.notes.append(note)
        if entity is Entity.CONCEPT and (note := _comma_tags_note(rows, lines)):
            raw.notes.append(note)
    return _within_row_limit(raw)


def _comma_tags_note(rows: list[Row], lines: list[int]) -> str | None:
    """Tags are ';'-separated; a cell "algebra, geometry" (Excel quotes it by itself) is one tag holding a
    comma, which is allowed but seldom meant: say where."""
    found = [
        line for row, line in zip(rows, lines, strict=True) if any("," in tag for tag in row.get("tags", ()))
    ]
    if not found:
        return None
    shown = ", ".join(str(line) for line in found[:MAX_LINE_SHIFTS]) + (
        ", ..." if len(found) > MAX_LINE_SHIFTS else ""
    )
    return (
        f"{CSV_FILES[Entity.CONCEPT]}: {counted(len(found), 'row')} {'holds' if len(found) == 1 else 'hold'} "
        f"a tag with a comma ({'line' if len(found) == 1 else 'lines'} {shown}); "
        f"tags are separated by '{LIST_SEPARATOR}', so 'algebra, geometry' is one tag"
    )


def _set_curriculum(raw: RawDocument, rows: list[Row]) -> None:
    if len(rows) == 1:
        row = rows[0]
        record = {
            column.removeprefix("based_on_"): row.pop(column) for column in BASED_ON_COLUMNS if column in row
        }
        if record:  # both cells empty (or the columns absent): a file without the record, as before
            raw.based_on = _based_on(record, raw.file_errors, f"{CURRICULUM_FILE}:based_on")
        raw.curriculum = row
        return
    message = f"must hold one row under its header, found {len(rows)}"
    raw.file_errors.append(RowError(entity=Entity.FILE, field=CURRICULUM_FILE, message=message))


def _read_csv(
    entity: Entity, text: str | bytes, errors: list[RowError], notes: list[str]
) -> tuple[list[Row], list[int], list[str]] | None:
    """The rows of one CSV, the line each starts on and the header's columns; None, with a file error, if
    the file is refused."""
    name = INPUT_FILES[entity]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            errors.append(RowError(entity=Entity.FILE, field=name, message=_not_utf8(error)))
            return None
    # strict: by default a stray quote silently runs its cell over the following lines (their rows vanish
    # into it) and `"x"y` reads as `xy`; strict refuses both.
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""), strict=True)
    first = _first_record(name, reader, errors)
    if first is None:
        return None
    cells, header_line = first
    if not cells:  # "missing column 'id'" and one such line per required column read as a wrong header
        columns = ",".join(CSV_COLUMNS[entity])
        message = f"is empty (no header, no rows): a CSV starts with its header line, e.g. {columns}"
        errors.append(RowError(entity=Entity.FILE, field=name, message=message))
        return None
    if header_line > 1:
        notes.append(f"{name}: the header is on line {header_line}; the blank line(s) above it were skipped")
    header = _header(entity, cells, header_line, errors)
    if header is None:
        return None
    read = _read_rows(name, header, reader, errors, notes)
    # A column without a name (what a spreadsheet writes for a cleared column) held nothing: not a column.
    return None if read is None else (*read, [column for column in header if column])


def _not_utf8(error: UnicodeDecodeError) -> str:
    """Which line holds the first byte UTF-8 cannot read: "byte 0xe9 in position 13" named no line, nor
    the likely cause, Excel's "CSV (Comma delimited)" (a Windows code page)."""
    line = len((error.object[: error.start] + b"x").splitlines())
    return (
        f"not UTF-8: line {line} holds byte 0x{error.object[error.start]:02x}, which UTF-8 cannot read; "
        'save the file as "CSV UTF-8" (Excel: Save As, CSV UTF-8)'
    )


def _first_record(name: str, reader: Any, errors: list[RowError]) -> tuple[list[str], int] | None:
    """The header's cells and line: the first record that is not blank (nor only empty cells), as blank
    lines between rows are skipped (a blank first line made the header "missing column 'id'"); no cells on
    line 1 for a file of blank lines; None, with a file error, if the csv module refuses it."""
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as error:
            errors.append(_unreadable(name, start, error))
            return None
        if cells is None:
            return [], 1
        if any(cells):
            return cells, start


def _read_rows(
    name: str, header: list[str], reader: Any, errors: list[RowError], notes: list[str]
) -> tuple[list[Row], list[int]] | None:
    # Read record by record rather than through DictReader, which skips blank lines without saying so:
    # a record starts on the line after the last one read, and that is the line the report can point to.
    rows: list[Row] = []
    lines: list[int] = []
    unquoted = 0
    unnamed = [k for k, column in enumerate(header) if not column]
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader, None)
        except csv.Error as error:  # e.g. a stray quote, or a field past the csv module's size limit
            errors.append(_unreadable(name, start, error))
            return None
        if cells is None:
            if unquoted:  # say so: a file from elsewhere may have meant the quote (see protect_formula)
                notes.append(
                    f"{name}: {counted(unquoted, 'cell')} starting with a quote before =, +, -, @, tab or CR "
                    f"(or whitespace and one of them) {'was' if unquoted == 1 else 'were'} "
                    "read without that quote (kgplatform's CSV export adds it so that spreadsheets show them "
                    "as text)"
                )
            return rows, lines
        # A blank line reads as no cells, and a row of empty cells (`,,,,`, what a spreadsheet writes for
        # cleared rows in its used range) holds nothing: neither is a row. Both shift the lines (_line_note).
        if any(cells):
            if len(rows) == MAX_IMPORT_ROWS:  # stop reading: the whole import is refused anyway
                message = f"holds more than {MAX_IMPORT_ROWS:,} rows; at most that many are imported at once"
                errors.append(RowError(entity=Entity.FILE, field=name, message=message))
                return None
            if unnamed and (filled := _filled_unnamed_cell(unnamed, cells)) is not None:
                message = (
                    f"unknown column '': column {filled + 1} has no name in the header, but the record "
                    f"starting at line {start} holds {cells[filled]!r} in it"
                )
                errors.append(RowError(entity=Entity.FILE, field=f"{name}:", message=message))
                return None
            for k, cell in enumerate(cells):
                if cell[:1] == "'" and PROTECTED_FORMULA.match(cell):
                    cells[k] = cell[1:]
                    unquoted += 1
            rows.append(_row(header, cells))
            lines.append(start)


def _filled_unnamed_cell(unnamed: list[int], cells: list[str]) -> int | None:
    """The first cell of `cells` under a column without a name (at `unnamed`) that holds something, or
    None. A spreadsheet writes `id,name,,` for a cleared column: empty in the header and in every row, it
    is no column; one cell that holds something is data the file does not say the meaning of."""
    return next((k for k in unnamed if k < len(cells) and cells[k] != ""), None)


def _unreadable(name: str, line: int, error: csv.Error) -> RowError:
    message = f"not readable CSV in the record starting at line {line}: {error}"
    return RowError(entity=Entity.FILE, field=name, message=message)


def _header(entity: Entity, cells: list[str], line: int, errors: list[RowError]) -> list[str] | None:
    """The stripped column names, known ones in lower case (they match ignoring letter case, as file names
    do), or None (with file errors) if a column is unknown, missing or repeated. A column without a name
    is kept as "" for `_read_rows`, which refuses it unless every row leaves it empty."""
    name = INPUT_FILES[entity]
    known = CSV_COLUMNS[entity]
    if message := _other_separator(cells, known):
        errors.append(RowError(entity=Entity.FILE, field=name, message=message))
        return None
    header = [h.strip().lower() if h.strip().lower() in known else h.strip() for h in cells]
    unknown = [h for h in dict.fromkeys(header) if h and h not in known]
    missing = sorted(REQUIRED_COLUMNS[entity] - set(header))
    # A repeated column would leave one of its cells unread in every row, whichever one that is.
    repeated = {h: n for h, n in Counter(header).items() if n > 1 and h and h not in unknown}
    where = f" (the header is on line {line})" if line > 1 else ""
    for column in unknown:
        message = f"unknown column {column!r}; expected {', '.join(known)}{where}"
        errors.append(RowError(entity=Entity.FILE, field=f"{name}:{column}", message=message))
    for column in missing:
        message = f"missing column {column!r}{where}"
        errors.append(RowError(entity=Entity.FILE, field=f"{name}:{column}", message=message))
    for column, count in repeated.items():
        message = f"column {column!r} appears {count} times in the header; give it once"
        errors.append(RowError(entity=Entity.FILE, field=f"{name}:{column}", message=message))
    return None if unknown or missing or repeated else header


def _other_separator(cells: list[str], known: tuple[str, ...]) -> str | None:
    """Why a header of one cell such as 'id;name' is refused, when splitting it on ';' or a tab gives known
    columns: Excel saves "CSV" with ';' where the decimal mark is a comma, and a copy from a sheet pastes
    tabs. Listing the unknown column 'id;name' and the missing 'id' and 'name' did not say what to change."""
    if len(cells) != 1:
        return None
    for separator, shown in ((";", "';'"), ("\t", "tabs")):
        parts = [part.strip().lower() for part in cells[0].split(separator)]
        if len(parts) > 1 and all(part in known for part in parts):
            return (
                f"the columns are separated by {shown}, not commas: save the sheet as comma-separated CSV "
                "UTF-8 (Excel separates by the system's list separator, ';' where the decimal mark is a "
                "comma), or import the JSON document"
            )
    return None


def _row(header: list[str], cells: list[str]) -> Row:
    # More cells than the header: keep the rest, so that the model refuses the row with an "extra field"
    # error instead of silently dropping cells. Fewer cells: like empty ones, the missing are not given.
    # A column without a name is empty in every row read (`_filled_unnamed_cell`).
    row = {
        column: _cell(column, value)
        for column, value in zip(header, cells, strict=False)
        if value != "" and column
    }
    if len(cells) > len(header):
        row["_extra_cells"] = cells[len(header) :]
    return row


def _cell(column: str, value: str) -> Any:
    if column in LIST_COLUMNS:
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    return value


def _line_note(name: str, lines: list[int]) -> str | None:
    """The report numbers a CSV's rows by record; where blank lines, rows of empty cells or cells spanning
    lines move rows off line row + 1, say from which rows on, so that a reported row can still be found in
    the file."""
    shifts, gap = [], 1
    for row, line in enumerate(lines, 1):
        if line - row != gap:
            gap = line - row
            shifts.append(f"row {row} starts on line {line}")
    if not shifts:
        return None
    listed = "; ".join(shifts[:MAX_LINE_SHIFTS]) + ("; ..." if len(shifts) > MAX_LINE_SHIFTS else "")
    return (
        f"{name}: rows are counted by record, and blank lines, rows of empty cells (skipped) or cells "
        f"spanning lines move them off line row + 1: {listed}; rows between those named take one line each"
    )


def _input_names() -> str:
    return ", ".join(CSV_FILES.values()) + f" (and optionally {CURRICULUM_FILE})"


def _path_parts(name: str) -> list[str]:
    """A zip member's folders and file name. Some Windows zippers (older PowerShell Compress-Archive) write
    `export\\concepts.csv`, against the zip format's '/': such a member was refused as an unknown CSV."""
    return ZIP_PATH_SEPARATORS.split(name)


def entity_of_filename(name: str) -> Entity | None:
    """What a CSV holds, by its file name in any folder and any letter case (Concepts.csv is concepts.csv)."""
    base = _path_parts(name)[-1].lower()
    return next((entity for entity, file in INPUT_FILES.items() if file == base), None)


def csv_files_by_entity(
    files: Iterable[tuple[str, Entity | None, T]],
) -> tuple[dict[Entity, T], list[RowError]]:
    """Each file (`item`, named `source`) by the entity it holds. A CSV that is none of INPUT_FILES, or a
    second one for an entity, is a file error: ignoring either would import part of what was sent."""
    chosen: dict[Entity, tuple[str, T]] = {}
    errors: list[RowError] = []
    for source, entity, item in files:
        if entity is None:
            message = f"{source!r} is not one of {_input_names()}; names match ignoring letter case"
            errors.append(RowError(entity=Entity.FILE, field=source, message=message))
        elif entity in chosen:
            message = f"both {chosen[entity][0]!r} and {source!r} are {INPUT_FILES[entity]}; keep one"
            errors.append(RowError(entity=Entity.FILE, field=INPUT_FILES[entity], message=message))
        else:
            chosen[entity] = (source, item)
    return {entity: item for entity, (_, item) in chosen.items()}, errors


def parse_csv_files(
    files: Iterable[tuple[str, Entity | None, bytes]], curriculum: Row | None = None
) -> RawDocument:
    """CSV files as a folder or an upload holds them: (name, entity or None if unrecognised, content)."""
    tables, errors = csv_files_by_entity(files)
    if errors:
        return RawDocument(file_errors=errors)
    return parse_csv_tables(tables, curriculum)


def _zip_csv_members(archive: zipfile.ZipFile) -> Iterator[tuple[str, Entity | None, zipfile.ZipInfo]]:
    for info in archive.infolist():
        parts = _path_parts(info.filename)
        base = parts[-1]
        # Other files (a README) are no CSV and are left alone; macOS's archiver adds __MACOSX/._x.csv
        # copies of each file's metadata, which are not CSV either.
        if info.is_dir() or not base.lower().endswith(".csv"):
            continue
        if parts[0] == "__MACOSX" or base.startswith("._"):
            continue
        yield info.filename, entity_of_filename(info.filename), info


# What a zip member is read in: the most that is inflated at once beyond its declared size.
ZIP_READ_CHUNK = 1 << 20
# The methods whose reads zipfile bounds: a bzip2 or LZMA member is unpacked whole on each read, whatever
# the size asked for (113 bytes of bzip2 unpack to 100 MB of one letter).
ZIP_BOUNDED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The member's bytes, read a piece at a time: zipfile's read() of a whole member inflates everything
    the member holds before cutting it to the size its entry declares, so a member declaring 1 KB that
    inflates to gigabytes held them all (a review, 5 December 2026); a piece at a time, its reads stop at
    the declared size, where the CRC check refuses it."""
    if info.compress_type not in ZIP_BOUNDED_METHODS:
        method = zipfile.compressor_names.get(info.compress_type, f"method {info.compress_type}")
        raise NotImplementedError(
            f"compressed with {method}, which the import does not unpack: save the zip with deflate, what "
            "zip tools use unless told otherwise"
        )
    pieces = []
    with archive.open(info) as member:
        while piece := member.read(ZIP_READ_CHUNK):
            pieces.append(piece)
    return b"".join(pieces)


def parse_zip(data: bytes, curriculum: Row | None = None) -> RawDocument:
    """A zip holding concepts.csv, prerequisites.csv, tasks.csv and/or curriculum.csv (in any folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=f"not a zip file: {error}")])
    with archive:
        members, errors = csv_files_by_entity(_zip_csv_members(archive))
        if errors:
            return RawDocument(file_errors=errors)
        # The declared sizes bound what is read: `_read_member` stops at a member's declared size, and a
        # member that holds more fails its CRC check there.
        unzipped = sum(info.file_size for info in members.values())
        if unzipped > MAX_UNZIPPED_BYTES:
            message = f"the CSVs unpack to {unzipped:,} bytes; at most {MAX_UNZIPPED_BYTES:,} are read"
            return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=message)])
        tables: dict[Entity, str | bytes] = {}
        for entity, info in members.items():
            try:
                tables[entity] = _read_member(archive, info)
            except ZIP_MEMBER_ERRORS as error:
                message = f"cannot read {info.filename!r} from the zip: {error or type(error).__name__}"
                errors.append(RowError(entity=Entity.FILE, field=INPUT_FILES[entity], message=message))
    if errors:
        return RawDocument(file_errors=errors)
    return parse_csv_tables(tables, curriculum)


def read_import_path(path: Path, curriculum: Row | None = None) -> RawDocument:
    """A .json document, a .zip of CSVs, a folder of CSVs, or one CSV file."""
    if path.is_dir():
        csvs = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
        return parse_csv_files(
            ((p.name, entity_of_filename(p.name), p.read_bytes()) for p in csvs), curriculum
        )
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        raw = parse_json(data)
        if curriculum and raw.curriculum is None:
            raw.curriculum = curriculum
        return raw
    if path.suffix.lower() == ".zip":
        return parse_zip(data, curriculum)
    entity = entity_of_filename(path.name)
    if entity is None:
        return RawDocument(
            file_errors=[
                RowError(
                    entity=Entity.FILE,
                    message=f"{path.name}: expected a .json, a .zip, a folder, or one of {_input_names()}",
                )
            ]
        )
    return parse_csv_tables({entity: data}, curriculum)


# --- export ------------------------------------------------------------------------------------


def document_to_csv_tables(document: CurriculumDocument) -> dict[str, str]:
    """The three CSV texts, by file name, in the same conventions the reader accepts."""
    data = document.model_dump(mode="json")
    sections = {
        Entity.CONCEPT: data["concepts"],
        Entity.PREREQUISITE: data["prerequisites"],
        Entity.TASK: data["tasks"],
    }
    tables = {}
    for entity, rows in sections.items():
        out = io.StringIO()
        write = _row_writer(out, CSV_COLUMNS[entity])
        for row in rows:
            write({k: _export_cell(entity, row, k) for k in CSV_COLUMNS[entity]})
        tables[CSV_FILES[entity]] = out.getvalue()
    return tables


def _row_writer(out: io.StringIO, columns: Iterable[str]) -> Callable[[Row], None]:
    """Writes the header to `out`; returns a function writing one row. Rows end in "\\n", and Python's csv
    quotes a cell only for the characters of that line ending, so a cell holding a lone "\\r" would go
    out bare and the reader (rightly) ends the record there: the row splits in two. Such a row is written
    with every cell quoted (the reader takes quoted and bare cells alike)."""
    fieldnames = list(columns)
    plain = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n")
    quoted = csv.DictWriter(out, fieldnames=fieldnames, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writeheader()

    def write(row: Row) -> None:
        holds_cr = any(isinstance(v, str) and "\r" in v for v in row.values())
        (quoted if holds_cr else plain).writerow(row)

    return write


def protect_formula(text: str) -> str:
    """A CSV cell a spreadsheet would run as a formula ('=HYPERLINK(...)', '+cmd|...', '@SUM', '-2+3', also
    after whitespace: ' =1+1') with a quote before it, which spreadsheets show as text; the CSV reader takes
    it off again (and says so in the report: a file made elsewhere may have meant it), so an export imports
    back unchanged (a cell already starting with quotes and such a character gets one more quote, and loses
    one)."""
    return "'" + text if FORMULA_LIKE.match(text) else text


def _export_cell(entity: Entity, row: Row, column: str) -> Any:
    return _protect_text(_plain_cell(entity, row, column))


def _protect_text(value: Any) -> Any:
    return protect_formula(value) if isinstance(value, str) else value


def _plain_cell(entity: Entity, row: Row, column: str) -> Any:
    value = row.get(column)
    if isinstance(value, list):
        clash = [str(v) for v in value if LIST_SEPARATOR in str(v) or str(v) != str(v).strip()]
        if clash:
            # The CSV list convention cannot carry these values; refuse rather than export them altered.
            raise ValidationFailed(
                f"{entity.value} {row.get('id')!r}: {column} {clash} cannot be written to CSV (';' separates "
                "list items and items are trimmed); export as JSON instead",
                field=column,
            )
        return LIST_SEPARATOR.join(str(v) for v in value)
    return "" if value is None else value


def curriculum_to_csv(document: CurriculumDocument, based_on: BasedOn | None = None) -> str:
    """curriculum.csv: the curriculum's own row, so that its name and description travel with the rows, and
    with `based_on` (the HTTP export's) what it was exported from, in two more columns."""
    columns = [c for c in CSV_COLUMNS[Entity.CURRICULUM] if c not in BASED_ON_COLUMNS]
    row = document.curriculum.model_dump(mode="json", include=set(columns))
    if based_on is not None:
        columns += BASED_ON_COLUMNS
        row |= {"based_on_curriculum_id": based_on.curriculum_id, "based_on_etag": based_on.etag}
    out = io.StringIO()
    write = _row_writer(out, columns)
    write({column: _protect_text(value) for column, value in row.items()})
    return out.getvalue()


def export_csv_files(document: CurriculumDocument, based_on: BasedOn | None = None) -> dict[str, str]:
    """Every CSV an export writes (zip or folder), by file name: curriculum.csv, then the three kinds."""
    return {CURRICULUM_FILE: curriculum_to_csv(document, based_on), **document_to_csv_tables(document)}


def document_to_zip(document: CurriculumDocument, based_on: BasedOn | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in export_csv_files(document, based_on).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_export(document: CurriculumDocument, out: Path, based_on: BasedOn | None = None) -> list[Path]:
    """Writes `out.json`, `out.zip`, or (any other path) a folder of the CSV files, curriculum.csv too;
    with `based_on`, what it was exported from, as the HTTP export records it. Every file is made whole
    before anything is written (a CSV export refused for its rows left an empty folder), and each replaces
    the one there in one rename: a full disk or Ctrl-C mid-write left the previous export cut short."""
    if out.suffix.lower() == ".json":
        files = {out: document.to_json(based_on=based_on).encode("utf-8")}
    elif out.suffix.lower() == ".zip":
        files = {out: document_to_zip(document, based_on)}
    else:
        files = {
            out / name: text.encode("utf-8") for name, text in export_csv_files(document, based_on).items()
        }
    for path, data in files.items():
        write_atomically(path, lambda file, data=data: file.write(data))
    return list(files)
