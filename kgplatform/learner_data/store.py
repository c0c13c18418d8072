"""The learner-data area's only door into Neo4j: reads, never writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.values import utc_datetime


class StoredAnswerRow(NamedTuple):
    event_id: str
    task_id: str
    score: float
    answered_at: datetime
    duration_s: float | None
    received_at: datetime | None


class LearnerDataStore:
    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def answer_page(
        self,
        learner_id: str,
        *,
        until: datetime,
        after_at: datetime,
        after_event: str,
        limit: int,
        ties: bool = True,
    ) -> list[StoredAnswerRow] | None:
        """Up to `limit` of the learner's answers after the position (after_at, after_event) and given
        before `until`, in (answered_at, event_id) order; None when the learner is unknown. `ties` false
        leaves out the answers at `after_at` (`answers_at` reads those)."""
        rows = self.graph.read_plain(
            "learner_data/get_answer_page",
            learner_id=learner_id,
            until=until,
            after_at=after_at,
            after_event=after_event,
            ties=ties,
            limit=limit,
        )
        if not rows:
            return None
        return [_answer(values) for values in rows[0]["answers"]]

    def answers_at(self, learner_id: str, at: datetime, until: datetime) -> list[StoredAnswerRow]:
        """Every answer of the learner given at `at` (if before `until`), in no particular order."""
        (row,) = self.graph.read_plain(
            "learner_data/get_answers_at", learner_id=learner_id, at=at, until=until
        )
        return [_answer(values) for values in row["answers"]]

    def learner_record(self, learner_id: str) -> Row | None:
        """The learner's node properties, goals, interests, mastery and stored plans (answers apart);
        None when the learner is unknown. Neo4j times come back as the driver's datetimes."""
        rows = self.graph.read("learner_data/get_learner_record", learner_id=learner_id)
        return rows[0] if rows else None


def _answer(values: list[Any]) -> StoredAnswerRow:
    event_id, task_id, score, at_s, at_us, duration_s, received_s, received_us = values
    answered_at = utc_datetime(at_s, at_us)
    assert answered_at is not None  # every Answer has an answered_at (mastery/create_answers)
    return StoredAnswerRow(
        event_id, task_id, float(score), answered_at, duration_s, utc_datetime(received_s, received_us)
    )
