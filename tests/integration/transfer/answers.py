"""Stores answer rows through `mastery/create_answers`, which takes aligned columns, not a list of maps."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from kgplatform.graph.driver import Graph

COLUMNS = {
    "event_ids": "event_id",
    "learner_ids": "learner_id",
    "task_ids": "task_id",
    "scores": "correct",
    "at_s": "at_s",
    "at_ns": "at_ns",
    "durations": "duration_s",
}


def write_answers(graph: Graph, rows: Sequence[Mapping[str, Any]], received_at: datetime) -> None:
    """rows: event_id, learner_id, task_id, correct, at_s, at_ns, duration_s (one map per answer)."""
    columns = {param: [row[key] for row in rows] for param, key in COLUMNS.items()}
    graph.write("mastery/create_answers", **columns, received_at=received_at)
