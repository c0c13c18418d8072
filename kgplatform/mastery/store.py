"""The mastery area's only door into Neo4j: answers, learners, mastery, goals and interests.

Ingestion runs several named queries inside ONE managed write transaction (`run_ingest`), with the
tracer's Python in between, so a batch's answers and the mastery derived from them commit together, and
a retry of the transaction function (transient errors) is harmless: every write is a MERGE or a SET.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from neo4j import ManagedTransaction, unit_of_work
from neo4j.exceptions import ConstraintError

from kgplatform.graph.driver import Graph, Row
from kgplatform.graph.queries import query_text

T = TypeVar("T")
CONSTRAINT_RETRIES = 3


@dataclass(frozen=True)
class AnswerHistory:
    """One learner's stored answers, aligned lists in no particular order; times in epoch microseconds."""

    learner_id: str
    event_ids: list[str]
    task_ids: list[str]
    scores: list[float]
    answered_us: list[int]


def epoch_us(seconds: int | None, nanos: int | None) -> int | None:
    """Exact epoch microseconds from Cypher's epochSeconds and nanosecond (answers carry microseconds)."""
    if seconds is None:
        return None
    return seconds * 1_000_000 + (nanos or 0) // 1000


class IngestTx:
    """The queries of one ingest transaction; each call is one statement over a whole batch."""

    def __init__(self, tx: ManagedTransaction) -> None:
        self._tx = tx

    def _run(self, name: str, **params: Any) -> list[Row]:
        return [record.data() for record in self._tx.run(query_text(name), params)]

    def task_concepts(self, task_ids: Sequence[str]) -> dict[str, list[tuple[str, float]]]:
        """Concepts (id, weight) per existing task; unknown tasks are absent."""
        rows = self._run("mastery/get_task_concepts", task_ids=list(task_ids))
        return {
            r["task_id"]: [(c["concept_id"], float(c["weight"])) for c in r["concepts"] if c["concept_id"]]
            for r in rows
        }

    def stored_answers(self, rows: list[dict[str, Any]]) -> tuple[set[str], dict[str, list[str]]]:
        """Of these answers, the event ids already stored with the same content, and those stored with
        another content (event id -> the differing fields)."""
        result = self._run("mastery/get_stored_answers", rows=rows)
        if not result:
            return set(), {}
        return set(result[0]["duplicates"]), {c["event_id"]: c["fields"] for c in result[0]["conflicts"]}

    def create_answers(self, rows: list[dict[str, Any]], received_at: datetime) -> int:
        """Creates answers known to be new; a concurrent creator of one of them makes this raise
        `neo4j.exceptions.ConstraintError`, on which `MasteryStore.run_ingest` retries."""
        result = self._run("mastery/create_answers", rows=rows, received_at=received_at)
        return int(result[0]["created"]) if result else 0

    def merge_learners(
        self, learner_ids: list[str], now: datetime, model_version: str
    ) -> tuple[int, set[str]]:
        """Creates the unseen learners and write-locks all of them; returns how many were created and
        which had mastery of another model version."""
        rows = self._run(
            "mastery/merge_learners", learner_ids=sorted(learner_ids), now=now, model_version=model_version
        )
        return (int(rows[0]["created"]), set(rows[0]["stale"])) if rows else (0, set())

    def answer_histories(self, learner_ids: list[str]) -> list[AnswerHistory]:
        rows = self._run("mastery/get_answer_histories", learner_ids=learner_ids)
        return [
            AnswerHistory(
                r["learner_id"],
                r["event_ids"],
                r["task_ids"],
                r["scores"],
                [s * 1_000_000 + n // 1000 for s, n in zip(r["seconds"], r["nanos"], strict=True)],
            )
            for r in rows
        ]

    def mastery_states(self, pairs: list[tuple[str, str]]) -> list[Row]:
        """Stored state of the asked (learner, concept) pairs that exist: learner_id, concept_id, rel,
        p_mastery, attempts, correct, last_us, as_of_us (epoch microseconds or None)."""
        rows = self._run(
            "mastery/get_mastery_states", pairs=[{"learner_id": lid, "concept_id": cid} for lid, cid in pairs]
        )
        for r in rows:
            r["last_us"] = epoch_us(r.pop("last_seconds"), r.pop("last_nanos"))
            r["as_of_us"] = epoch_us(r.pop("as_of_seconds"), r.pop("as_of_nanos"))
        return rows

    def transfer_edges(self) -> list[Row]:
        return self._run("mastery/list_transfer_edges")

    def write_mastery(self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str) -> int:
        result = self._run(
            "mastery/write_mastery", rows=rows, updated_at=updated_at, model_version=model_version
        )
        return int(result[0]["written"]) if result else 0

    def create_mastery(self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str) -> int:
        result = self._run(
            "mastery/create_mastery", rows=rows, updated_at=updated_at, model_version=model_version
        )
        return int(result[0]["written"]) if result else 0

    def update_mastery_in_place(
        self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str
    ) -> int:
        result = self._run(
            "mastery/update_mastery_in_place", rows=rows, updated_at=updated_at, model_version=model_version
        )
        return int(result[0]["written"]) if result else 0

    def delete_stale_mastery(self, keep_by_learner: dict[str, list[str]]) -> int:
        learners = [{"learner_id": lid, "concept_ids": cids} for lid, cids in keep_by_learner.items()]
        rows = self._run("mastery/delete_stale_mastery", learners=learners)
        return int(rows[0]["deleted"]) if rows else 0


class MasteryStore:
    """Runs the mastery area's named queries against one `Graph`."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    def run_ingest(self, work: Callable[[IngestTx], T]) -> T:
        """Runs `work` in one write transaction; returns only after the commit (Neo4j's is durable).

        An exception raised by `work` rolls everything back. Transient failures (deadlocks, leader
        changes) rerun `work` from the start, and so does a uniqueness clash on an event id that a
        concurrent transaction stored after `work` looked: rerun, it finds that answer stored.
        """

        @unit_of_work(metadata={"kgp_query": "mastery/ingest"})
        def transaction(tx: ManagedTransaction) -> T:
            return work(IngestTx(tx))

        for attempt in range(1, CONSTRAINT_RETRIES + 1):
            try:
                with self.graph.session() as session:
                    return session.execute_write(transaction)
            except ConstraintError:
                # Another transaction stored one of our event ids after we looked: look again.
                if attempt == CONSTRAINT_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def existing_concepts(self, concept_ids: list[str]) -> set[str]:
        rows = self.graph.read("mastery/get_existing_concepts", concept_ids=concept_ids)
        return {r["concept_id"] for r in rows}

    def replace_goals(self, learner_id: str, concept_ids: list[str], now: datetime) -> list[str]:
        rows = self.graph.write(
            "mastery/replace_goals", learner_id=learner_id, concept_ids=concept_ids, now=now
        )
        return sorted(rows[0]["goals"]) if rows else []

    def replace_interests(self, learner_id: str, tags: list[str], now: datetime) -> list[str]:
        rows = self.graph.write("mastery/replace_interests", learner_id=learner_id, tags=tags, now=now)
        return sorted(rows[0]["interests"]) if rows else []

    def learner(self, learner_id: str) -> Row | None:
        rows = self.graph.read("mastery/get_learner", learner_id=learner_id)
        return rows[0] if rows else None

    def report_concepts(self, learner_id: str) -> list[Row]:
        return self.graph.read("mastery/get_report_concepts", learner_id=learner_id)

    def learner_mastery(self, learner_id: str) -> list[Row]:
        return self.graph.read("mastery/get_learner_mastery", learner_id=learner_id)
