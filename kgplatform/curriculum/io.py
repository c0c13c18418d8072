"""Reading and writing the exchange formats: one JSON document, or three CSV files (or a zip of them).

Parsing here only recovers rows as plain dicts, with the structural problems a person must fix
before any row can be read (bad JSON, a missing CSV column). Row validation and the whole-graph
checks live in `import_validation`, so both formats share one set of rules and one report.
CSV conventions: one file per kind, UTF-8 (a BOM is tolerated), a header row; `tags` and a task's
`concepts` are ';'-separated; an empty cell means "not given" (the field's default applies).
"""

from __future__ import annotations

import csv
import gc
import io
import json
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.import_report import Entity, RowError
from kgplatform.errors import ValidationFailed

Row = dict[str, Any]

CSV_FILES = {
    Entity.CONCEPT: "concepts.csv",
    Entity.PREREQUISITE: "prerequisites.csv",
    Entity.TASK: "tasks.csv",
}
CSV_COLUMNS = {
    Entity.CONCEPT: ("id", "name", "description", "tags", "difficulty"),
    Entity.PREREQUISITE: ("prerequisite", "concept", "weight"),
    Entity.TASK: ("id", "title", "kind", "difficulty", "estimated_minutes", "concepts"),
}
REQUIRED_COLUMNS = {
    Entity.CONCEPT: {"id", "name"},
    Entity.PREREQUISITE: {"prerequisite", "concept"},
    Entity.TASK: {"id", "title", "kind", "concepts"},
}
LIST_COLUMNS = {"tags", "concepts"}
LIST_SEPARATOR = ";"
JSON_SECTIONS = {"concepts": Entity.CONCEPT, "prerequisites": Entity.PREREQUISITE, "tasks": Entity.TASK}
# A zip's CSVs together may unpack to at most this much: the request body is capped (32 MiB by default),
# but deflate turns a few MiB into gigabytes. Far above any real curriculum (the largest public one read
# here, junyi's, is a few MiB of CSV).
MAX_UNZIPPED_BYTES = 256 * 2**20
# What can go wrong reading a member of a zip that opened: a bad CRC or truncated data, an encrypted
# member, a compression method zipfile lacks (e.g. Deflate64), corrupt deflate data.
ZIP_MEMBER_ERRORS = (zipfile.BadZipFile, RuntimeError, NotImplementedError, zlib.error, EOFError, OSError)


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


@contextmanager
def gc_paused() -> Iterator[None]:
    """Reading and validating a file allocates one object per row, all kept until the write; the
    cyclic collector would rescan them again and again for nothing (it doubled validation time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def parse_json(text: str | bytes) -> RawDocument:
    """The JSON document; a section that is not a list, or an unknown top-level key, is a file error."""
    try:
        with gc_paused():
            data = json.loads(text)
    except (ValueError, RecursionError) as error:
        # ValueError: bad JSON, bad UTF-8, or an integer longer than Python converts (4,300 digits);
        # RecursionError: nesting deeper than the parser follows.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=f"not valid JSON: {reason}")])
    if not isinstance(data, dict):
        return RawDocument(
            file_errors=[RowError(entity=Entity.FILE, message="the document must be a JSON object")]
        )
    raw = RawDocument()
    unknown = sorted(set(data) - {"curriculum", *JSON_SECTIONS})
    for key in unknown:
        raw.file_errors.append(RowError(entity=Entity.FILE, field=key, message=f"unknown section {key!r}"))
    curriculum = data.get("curriculum")
    if curriculum is not None and not isinstance(curriculum, dict):
        raw.file_errors.append(RowError(entity=Entity.FILE, field="curriculum", message="must be an object"))
    else:
        raw.curriculum = curriculum
    for section, entity in JSON_SECTIONS.items():
        rows = data.get(section, [])
        if not isinstance(rows, list):
            raw.file_errors.append(RowError(entity=Entity.FILE, field=section, message="must be a list"))
            continue
        raw.rows_of(entity).extend(rows)
    return raw


def parse_csv_tables(tables: dict[Entity, str | bytes], curriculum: Row | None = None) -> RawDocument:
    """Rows from up to three CSV texts (a missing kind means no rows of it)."""
    raw = RawDocument(curriculum=curriculum)
    if not tables:
        raw.file_errors.append(RowError(entity=Entity.FILE, message=f"no CSV files: expected {_csv_names()}"))
    for entity, text in tables.items():
        raw.rows_of(entity).extend(_read_csv(entity, text, raw.file_errors))
    return raw


def _read_csv(entity: Entity, text: str | bytes, errors: list[RowError]) -> list[Row]:
    name = CSV_FILES[entity]
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            errors.append(RowError(entity=Entity.FILE, field=name, message=f"not UTF-8: {error}"))
            return []
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    try:
        return _read_records(entity, reader, errors)
    except csv.Error as error:  # e.g. a stray quote that runs a field past the csv module's size limit
        message = f"not readable CSV at line {reader.line_num}: {error}"
        errors.append(RowError(entity=Entity.FILE, field=name, message=message))
        return []


def _read_records(entity: Entity, reader: csv.DictReader[str], errors: list[RowError]) -> list[Row]:
    name = CSV_FILES[entity]
    header = [h.strip() for h in reader.fieldnames or []]
    reader.fieldnames = header
    unknown = [h for h in header if h not in CSV_COLUMNS[entity]]
    missing = sorted(REQUIRED_COLUMNS[entity] - set(header))
    for column in unknown:
        errors.append(
            RowError(
                entity=Entity.FILE,
                field=f"{name}:{column}",
                message=f"unknown column {column!r}; expected {', '.join(CSV_COLUMNS[entity])}",
            )
        )
    for column in missing:
        errors.append(
            RowError(entity=Entity.FILE, field=f"{name}:{column}", message=f"missing column {column!r}")
        )
    if unknown or missing:
        return []
    rows = []
    for record in reader:
        # A row with more cells than the header puts the rest under the key None: keep it, so the
        # model refuses the row with an "extra field" error instead of silently dropping cells.
        # A row with fewer cells gets None for the missing ones: like empty cells, they are not given.
        rows.append(
            {
                k if k is not None else "_extra_cells": _cell(k, v)
                for k, v in record.items()
                if v not in ("", None)
            }
        )
    return rows


def _cell(column: str | None, value: Any) -> Any:
    if column in LIST_COLUMNS and isinstance(value, str):
        return [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
    return value


def _csv_names() -> str:
    return ", ".join(CSV_FILES.values())


def _entity_of_filename(name: str) -> Entity | None:
    base = name.rsplit("/", 1)[-1]
    return next((entity for entity, file in CSV_FILES.items() if file == base), None)


def parse_zip(data: bytes, curriculum: Row | None = None) -> RawDocument:
    """A zip holding concepts.csv, prerequisites.csv and/or tasks.csv (in any folder)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=f"not a zip file: {error}")])
    with archive:
        members = [
            (entity, info)
            for info in archive.infolist()
            if (entity := _entity_of_filename(info.filename)) is not None and not info.is_dir()
        ]
        # The declared sizes bound what is read: zipfile stops at a member's declared size and a member
        # that holds more fails its CRC check.
        unzipped = sum(info.file_size for _, info in members)
        if unzipped > MAX_UNZIPPED_BYTES:
            message = f"the CSVs unpack to {unzipped:,} bytes; at most {MAX_UNZIPPED_BYTES:,} are read"
            return RawDocument(file_errors=[RowError(entity=Entity.FILE, message=message)])
        tables, errors = {}, []
        for entity, info in members:
            try:
                tables[entity] = archive.read(info)
            except ZIP_MEMBER_ERRORS as error:
                message = f"cannot read {info.filename!r} from the zip: {error or type(error).__name__}"
                errors.append(RowError(entity=Entity.FILE, field=CSV_FILES[entity], message=message))
    if errors:
        return RawDocument(file_errors=errors)
    return parse_csv_tables(tables, curriculum)


def read_import_path(path: Path, curriculum: Row | None = None) -> RawDocument:
    """A .json document, a .zip of CSVs, a folder of CSVs, or one of the three CSV files."""
    if path.is_dir():
        tables = {e: (path / f).read_bytes() for e, f in CSV_FILES.items() if (path / f).is_file()}
        return parse_csv_tables(tables, curriculum)
    data = path.read_bytes()
    if path.suffix.lower() == ".json":
        raw = parse_json(data)
        if curriculum and raw.curriculum is None:
            raw.curriculum = curriculum
        return raw
    if path.suffix.lower() == ".zip":
        return parse_zip(data, curriculum)
    entity = _entity_of_filename(path.name)
    if entity is None:
        return RawDocument(
            file_errors=[
                RowError(
                    entity=Entity.FILE,
                    message=f"{path.name}: expected a .json, a .zip, a folder, or one of {_csv_names()}",
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
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS[entity], lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _export_cell(entity, row, k) for k in CSV_COLUMNS[entity]})
        tables[CSV_FILES[entity]] = out.getvalue()
    return tables


def _export_cell(entity: Entity, row: Row, column: str) -> Any:
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


def document_to_zip(document: CurriculumDocument) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in document_to_csv_tables(document).items():
            archive.writestr(name, text)
    return buffer.getvalue()


def write_export(document: CurriculumDocument, out: Path) -> list[Path]:
    """Writes `out.json`, `out.zip`, or (any other path) a folder of the three CSV files."""
    if out.suffix.lower() == ".json":
        out.write_text(document.to_json(), "utf-8")
        return [out]
    if out.suffix.lower() == ".zip":
        out.write_bytes(document_to_zip(document))
        return [out]
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in document_to_csv_tables(document).items():
        (out / name).write_text(text, "utf-8")
        written.append(out / name)
    return written
