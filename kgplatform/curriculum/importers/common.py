"""What the dataset readers share: where the data lives, id prefixes, and generated reading tasks."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from kgplatform.errors import ValidationFailed
from kgplatform.settings import get_settings

Row = dict[str, Any]


def dataset_dir(name: str, root: Path | None = None) -> Path:
    """The folder of one dataset under the shared data folder, or a ValidationFailed that says where it
    looked (a file that cannot be opened: exit 2 in the CLI, docs/cli.md; it was a NotFound, exit 4)."""
    base = root if root is not None else get_settings().paths.shared_data_dir
    folder = base / name
    if not folder.is_dir():
        raise ValidationFailed(
            f"dataset folder {folder} is missing "
            f"(set KGP_PATHS__SHARED_DATA_DIR to the folder that holds {name}/)",
            field="dataset",
        )
    return folder


def dataset_file(folder: Path, name: str) -> Path:
    """A file of a dataset folder, or a ValidationFailed naming the path (a partial copy of the folder)."""
    path = folder / name
    if not path.is_file():
        raise ValidationFailed(
            f"dataset file {path} is missing (see {folder / 'PROVENANCE.md'})", field="dataset"
        )
    return path


def damaged(path: Path, line: int | None, problem: str) -> ValidationFailed:
    """A dataset file that is there but cannot be read as its format says: one line naming the file and
    line (the CLI exits 2, as for a missing file), not a traceback or a silently garbled row."""
    where = f"{path}:{line}" if line is not None else str(path)
    provenance = path.parent / "PROVENANCE.md"
    message = f"{where}: {problem} (a damaged or partial copy? see {provenance})"
    return ValidationFailed(message, field="dataset")


def csv_records(path: Path, fields: int) -> list[list[str]]:
    """The non-blank records of a headerless UTF-8 CSV, each of exactly `fields` cells: a short record
    (a cut file) or a long one would otherwise be read as something else or fail on an index."""
    records = []
    line = None
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            for cells in reader:
                line = reader.line_num
                if not cells:
                    continue
                if len(cells) != fields:
                    raise damaged(path, line, f"expected {fields} comma-separated fields, found {len(cells)}")
                records.append(cells)
    except (UnicodeDecodeError, csv.Error) as error:
        raise damaged(path, None if line is None else line + 1, f"not readable: {error}") from None
    return records


def reading_tasks(concepts: list[Row], prefix: str, minutes: int) -> list[Row]:
    """One reading task per concept, for graphs whose concepts are things to read (articles, topics):
    planners need at least one task to offer for each concept."""
    return [
        {
            "id": f"{prefix}read:{c['id'].removeprefix(prefix)}",
            "title": f"Read about {c['name']}",
            "kind": "reading",
            "estimated_minutes": minutes,
            "concepts": [c["id"]],
        }
        for c in concepts
    ]
