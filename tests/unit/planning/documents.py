"""Small curriculum documents (the import shape) for planner and report tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def curriculum_document(
    tasks: Mapping[str, Sequence[str]], edges: Iterable[tuple[str, str]] = (), concepts: Iterable[str] = ()
) -> dict[str, Any]:
    """Curriculum "cur": the named concepts and those the tasks and prerequisite edges name, each task
    (id -> the concepts it exercises) an exercise of difficulty 0.5."""
    edges = list(edges)
    ids = sorted({*concepts, *(c for cs in tasks.values() for c in cs), *(c for edge in edges for c in edge)})
    return {
        "curriculum": {"id": "cur", "name": "cur", "description": ""},
        "concepts": [{"id": c, "name": c, "description": "", "tags": [], "difficulty": None} for c in ids],
        "prerequisites": [{"prerequisite": a, "concept": b, "weight": 1.0} for a, b in edges],
        "tasks": [
            {
                "id": task,
                "title": task,
                "kind": "exercise",
                "difficulty": 0.5,
                "estimated_minutes": 5,
                "concepts": list(exercised),
            }
            for task, exercised in tasks.items()
        ],
    }
