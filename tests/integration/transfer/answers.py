"""The transfer tests' data: small curricula of one task per concept, answer rows stored through
`mastery/create_answers`, which takes aligned columns, not a list of maps, and the operator tests' model
edges and version states."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
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


EPOCH_S = 1_700_000_000


def answer_row(event_id: str, learner_id: str, task_id: str, correct: float, after_s: int) -> dict[str, Any]:
    """One answer as `write_answers` takes it, `after_s` whole seconds after a fixed moment."""
    return {
        "event_id": event_id,
        "learner_id": learner_id,
        "task_id": task_id,
        "correct": correct,
        "at_s": EPOCH_S + after_s,
        "at_ns": 0,
        "duration_s": None,
    }


def write_answers(graph: Graph, rows: Sequence[Mapping[str, Any]], received_at: datetime) -> None:
    """rows: event_id, learner_id, task_id, correct, at_s, at_ns, duration_s (one map per answer)."""
    columns = {param: [row[key] for row in rows] for param, key in COLUMNS.items()}
    graph.write("mastery/create_answers", **columns, received_at=received_at)


def seed_concepts(
    graph: Graph,
    curriculum_id: str,
    ids: Sequence[str],
    now: datetime,
    *,
    label: str = "skill",
    chain: bool = False,
    more_tasks: Iterable[Mapping[str, Any]] = (),
) -> None:
    """A curriculum of `ids` named "`label` ID", one task `t-ID` per concept (plus `more_tasks`), and,
    when `chain`, each concept a prerequisite of the next."""
    graph.write(
        "testing/create_mastery_curriculum",
        curriculum_id=curriculum_id,
        now=now,
        concepts=[{"id": c, "name": f"{label} {c}", "tags": []} for c in ids],
        tasks=[{"id": f"t-{c}", "concept_ids": [c]} for c in ids] + [dict(t) for t in more_tasks],
        prerequisites=[{"prerequisite": a, "concept": b} for a, b in zip(ids, ids[1:], strict=False)]
        if chain
        else [],
    )


def all_pairs(ids: list[str], strength: float) -> list[dict[str, object]]:
    """Edge rows of one strength between every ordered pair of `ids`, for `write_model`."""
    return [{"source": a, "target": b, "strength": strength} for a in ids for b in ids if a != b]


def statuses(graph: Graph) -> dict[str, str]:
    """Each transfer model version's status."""
    from kgplatform.transfer.store import TransferStore

    return {m["version"]: m["status"] for m in TransferStore(graph).models()}
