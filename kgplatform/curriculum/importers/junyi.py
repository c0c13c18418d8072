"""Junyi Academy's exercise table (2015) as a curriculum: each exercise is a concept and a task.

Edges come from the table's own `prerequisites` field (prerequisite -> exercise), not from the
derived edge file, because the derived file already dropped the 2 self-loops that the import report
must show. Repeated names inside one field are one edge. The two exercises listed twice in the table
(rows that differ only in `creation_date`) are collapsed to their first row, and the report says so.
Ids are kept exactly (some hold dots, dashes, capitals or a space) behind a prefix, because concept
ids are unique across the whole graph.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from kgplatform.curriculum.importers.common import Row, damaged, dataset_dir, dataset_file
from kgplatform.curriculum.io import RawDocument
from kgplatform.wording import counted

FOLDER = "junyi_exercise_graph"
TABLE = "junyi_Exercise_table.csv"
DERIVED_EDGES = "junyi_prerequisite_edges.csv"
CURRICULUM_ID = "junyi"
ID_PREFIX = "junyi:"
# A Junyi exercise is practised as a run of problems; ten at the exercise's "fast" pace is one sitting.
PROBLEMS_PER_SITTING = 10
# The table's columns (PROVENANCE.md); the reader uses most of them.
TABLE_COLUMNS = (
    "name",
    "live",
    "prerequisites",
    "h_position",
    "v_position",
    "creation_date",
    "seconds_per_fast_problem",
    "pretty_display_name",
    "short_display_name",
    "topic",
    "area",
)


@dataclass(frozen=True)
class JunyiSource:
    """What the reader found, for notes and tests: rows, collapsed names, edge mentions."""

    table_rows: int
    exercises: int
    collapsed: tuple[str, ...]
    unique_edges: int
    self_loops: tuple[str, ...]
    derived_file_edges: int | None


def _split_prerequisites(field: str) -> list[str]:
    return list(dict.fromkeys(part.strip() for part in field.split(",") if part.strip()))


def read_table(folder: Path) -> tuple[list[Row], list[str]]:
    """Rows by first occurrence of each name, and the names whose repeats were dropped."""
    rows = _table_rows(dataset_file(folder, TABLE))
    kept: dict[str, Row] = {}
    collapsed = []
    for row in rows:
        name = row["name"]
        if name in kept:
            collapsed.append(name)
            continue
        kept[name] = row
    return rows, collapsed


def _table_rows(path: Path) -> list[Row]:
    """The table's rows, each with every column: a renamed column, or a row cut short (a partial copy),
    was a KeyError, or a row whose missing cells read as "None" in a concept that passed validation."""
    rows: list[Row] = []
    line = 0
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = [column.strip() for column in next(reader, [])]
            line = reader.line_num
            missing = [column for column in TABLE_COLUMNS if column not in header]
            if missing:
                raise damaged(path, 1, f"the header lacks column(s) {', '.join(missing)}")
            for cells in reader:
                line = reader.line_num
                if not cells:
                    continue
                if len(cells) != len(header):
                    raise damaged(path, line, f"expected {len(header)} fields, found {len(cells)}")
                rows.append(dict(zip(header, cells, strict=True)))
    except (UnicodeDecodeError, csv.Error) as error:
        raise damaged(path, line + 1, f"not readable: {error}") from None
    return rows


def read_junyi(root: Path | None = None, *, prefix: str = ID_PREFIX) -> tuple[RawDocument, JunyiSource]:
    """The Junyi curriculum as import rows (self-loops and the cycle left in for validation to report)."""
    folder = dataset_dir(FOLDER, root)
    rows, collapsed = read_table(folder)
    exercises: dict[str, Row] = {}
    for row in rows:
        exercises.setdefault(row["name"], row)

    concepts: list[Row] = []
    tasks: list[Row] = []
    edges: list[Row] = []
    seen_edges: set[tuple[str, str]] = set()
    for name, row in exercises.items():
        tags = [f"topic:{row['topic']}", f"area:{row['area']}"]
        if row["live"].upper() != "TRUE":
            tags.append("retired")
        concepts.append(
            {
                "id": prefix + name,
                "name": name.replace("_", " "),
                "description": f"{row['pretty_display_name']} (Junyi exercise {name}; topic {row['topic']}, "
                f"area {row['area']})",
                "tags": tags,
            }
        )
        seconds = float(row["seconds_per_fast_problem"] or 0)
        tasks.append(
            {
                "id": f"{prefix}exercise:{name}",
                "title": row["pretty_display_name"] or name,
                "kind": "exercise",
                "estimated_minutes": max(1, math.ceil(PROBLEMS_PER_SITTING * seconds / 60)),
                "concepts": [prefix + name],
            }
        )
        for prerequisite in _split_prerequisites(row["prerequisites"]):
            if (prerequisite, name) not in seen_edges:
                seen_edges.add((prerequisite, name))
                edges.append({"prerequisite": prefix + prerequisite, "concept": prefix + name})

    self_loops = tuple(sorted(a for a, b in seen_edges if a == b))
    derived = _count_derived_edges(folder)
    source = JunyiSource(
        table_rows=len(rows),
        exercises=len(exercises),
        collapsed=tuple(collapsed),
        unique_edges=len(seen_edges) - len(self_loops),
        self_loops=self_loops,
        derived_file_edges=derived,
    )
    notes = [
        f"{counted(source.table_rows, 'table row')}, {counted(source.exercises, 'exercise')}: "
        "collapsed the repeated rows of "
        f"{', '.join(collapsed)} (they differ only in creation_date)",
        f"{counted(source.unique_edges, 'distinct prerequisite edge')} plus "
        f"{counted(len(self_loops), 'self-loop')} from the "
        f"table's prerequisites field"
        + (f"; the derived edge file has {derived}" if derived is not None else ""),
        "each exercise is a concept and also a task (kind exercise) that exercises it",
    ]
    curriculum = {
        "id": CURRICULUM_ID,
        "name": "Junyi Academy mathematics (2015 knowledge map)",
        "description": "835 K-12 maths exercises and their prerequisites from Junyi Academy's knowledge map "
        "(Chang, Hsu & Chen, EDM 2015). Non-commercial use only.",
    }
    return RawDocument(curriculum, concepts, edges, tasks, notes=notes), source


def _count_derived_edges(folder: Path) -> int | None:
    path = folder / DERIVED_EDGES
    if not path.is_file():
        return None
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.DictReader(handle))
