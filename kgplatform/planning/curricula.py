"""The curricula the simulator runs on: a generated one, or the real Junyi exercise graph.

Junyi is read from its two CSV files: each exercise becomes one concept with one exercise task,
self-loops are dropped (the cycle is broken by `graph.build_graph`).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.settings import get_settings

JUNYI_FOLDER = "junyi_exercise_graph"
EXERCISES_FILE = "junyi_Exercise_table.csv"
EDGES_FILE = "junyi_prerequisite_edges.csv"


def junyi_folder() -> Path:
    return get_settings().paths.shared_data_dir / JUNYI_FOLDER


def junyi_document(folder: Path | None = None) -> dict[str, Any]:
    """The Junyi exercise graph in the import JSON shape; NotFound (with the path) when absent."""
    folder = folder or junyi_folder()
    exercises, edges = folder / EXERCISES_FILE, folder / EDGES_FILE
    if not exercises.is_file() or not edges.is_file():
        raise NotFound(f"the Junyi exercise graph is not at {folder} (set KGP_PATHS__SHARED_DATA_DIR)")
    with exercises.open(encoding="utf-8-sig", newline="") as handle:
        names = list(
            dict.fromkeys(row["name"].strip() for row in csv.DictReader(handle) if row["name"].strip())
        )
    known = set(names)
    with edges.open(encoding="utf-8-sig", newline="") as handle:
        pairs = [(r["prerequisite"].strip(), r["exercise"].strip()) for r in csv.DictReader(handle)]
    prerequisites = [
        {"prerequisite": a, "concept": b, "weight": 1.0}
        for a, b in dict.fromkeys(pairs)
        if a in known and b in known and a != b
    ]
    return {
        "curriculum": {
            "id": "junyi",
            "name": "Junyi Academy exercises",
            "description": "Junyi exercise graph",
        },
        "concepts": [{"id": n, "name": n, "description": "", "tags": [], "difficulty": None} for n in names],
        "prerequisites": prerequisites,
        "tasks": [
            {
                "id": f"junyi-task-{n}",
                "title": n,
                "kind": "exercise",
                "difficulty": 0.5,
                "estimated_minutes": 10,
                "concepts": [n],
            }
            for n in names
        ],
    }


def load_graph(curriculum: str, *, n_concepts: int = 200, seed: int = 7) -> ConceptGraph:
    """`generated` (seeded, n_concepts) or `junyi` as a ConceptGraph."""
    if curriculum == "generated":
        from kgplatform.curriculum.generator import generate_curriculum

        return build_graph(generate_curriculum(n_concepts, seed))
    if curriculum == "junyi":
        return build_graph(junyi_document())
    raise ValidationFailed(
        f"unknown curriculum {curriculum!r}: use 'generated' or 'junyi'", field="curriculum"
    )
