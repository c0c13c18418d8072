"""An in-memory stand-in for the mastery store's ingest transaction, for service tests without Neo4j.

It keeps the same data the Cypher files keep and answers the same questions, so the service's batch
rule and mastery rule can be checked fast; the real queries are covered by tests/integration/mastery.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from kgplatform.mastery.store import AnswerHistory

T = TypeVar("T")
ANSWER_FIELDS = ("learner_id", "task_id", "correct", "at_s", "at_ns", "duration_s")


class FakeIngestTx:
    def __init__(self, store: FakeMasteryStore) -> None:
        self.store = store

    def task_concepts(self, task_ids: list[str]) -> dict[str, list[tuple[str, float]]]:
        return {t: [(c, 1.0) for c in self.store.tasks[t]] for t in task_ids if t in self.store.tasks}

    def stored_answers(self, rows: list[dict[str, Any]]) -> tuple[set[str], dict[str, list[str]]]:
        duplicates, conflicts = set(), {}
        for row in rows:
            stored = self.store.answers.get(row["event_id"])
            if stored is None:
                continue
            fields = [f for f in ANSWER_FIELDS if stored[f] != row[f]]
            fields = list(dict.fromkeys("answered_at" if f.startswith("at_") else f for f in fields))
            if fields:
                conflicts[row["event_id"]] = fields
            else:
                duplicates.add(row["event_id"])
        return duplicates, conflicts

    def create_answers(self, rows: list[dict[str, Any]], received_at: datetime) -> int:
        for row in rows:
            assert row["event_id"] not in self.store.answers, "the constraint would refuse this"
            self.store.answers[row["event_id"]] = dict(row)
        return len(rows)

    def merge_learners(
        self, learner_ids: list[str], now: datetime, model_version: str
    ) -> tuple[int, set[str]]:
        new = set(learner_ids) - set(self.store.learners)
        stale = {lid for lid in learner_ids if self.store.learners.get(lid, model_version) != model_version}
        self.store.learners.update(dict.fromkeys(learner_ids, model_version))
        return len(new), stale

    def answer_histories(self, learner_ids: list[str]) -> list[AnswerHistory]:
        self.store.replayed.update(learner_ids)
        out = []
        for lid in learner_ids:
            mine = [a for a in self.store.answers.values() if a["learner_id"] == lid]
            out.append(
                AnswerHistory(
                    lid,
                    [a["event_id"] for a in mine],
                    [a["task_id"] for a in mine],
                    [a["correct"] for a in mine],
                    [a["at_s"] * 1_000_000 + a["at_ns"] // 1000 for a in mine],
                )
            )
        return out

    def mastery_states(self, pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
        keys = ("p_mastery", "attempts", "correct", "last_us", "as_of_us")
        return [
            {"learner_id": lid, "concept_id": cid, "rel": f"{lid}|{cid}", **{k: m[k] for k in keys}}
            for lid, cid in pairs
            if (m := self.store.mastery.get((lid, cid))) is not None
        ]

    def transfer_edges(self) -> list[dict[str, Any]]:
        return list(self.store.transfer)

    def write_mastery(self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str) -> int:
        for r in rows:
            self.store.mastery[(r["learner_id"], r["concept_id"])] = {
                "p_mastery": r["p_mastery"],
                "attempts": r["attempts"],
                "correct": r["correct"],
                "last_us": _us(r["last_s"], r["last_ns"]),
                "as_of_us": _us(r["as_of_s"], r["as_of_ns"]),
                "model_version": model_version,
            }
        return len(rows)

    def create_mastery(self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str) -> int:
        for r in rows:
            assert (r["learner_id"], r["concept_id"]) not in self.store.mastery, "it exists already"
        return self.write_mastery(rows, updated_at, model_version)

    def update_mastery_in_place(
        self, rows: list[dict[str, Any]], updated_at: datetime, model_version: str
    ) -> int:
        for r in rows:
            lid, cid = r["rel"].split("|")
            assert (lid, cid) in self.store.mastery, "only relationships read before are updated in place"
        return self.write_mastery(rows, updated_at, model_version)

    def delete_stale_mastery(self, keep: dict[str, list[str]]) -> int:
        doomed = [k for k in self.store.mastery if k[0] in keep and k[1] not in keep[k[0]]]
        for k in doomed:
            del self.store.mastery[k]
        return len(doomed)


class FakeMasteryStore:
    """Answers, learners and mastery in dicts; `run_ingest` commits only when `work` returns."""

    def __init__(self, tasks: dict[str, list[str]]) -> None:
        self.tasks = tasks
        self.answers: dict[str, dict[str, Any]] = {}
        self.learners: dict[str, str] = {}  # learner id -> the model version of its mastery
        self.mastery: dict[tuple[str, str], dict[str, Any]] = {}
        self.transfer: list[dict[str, Any]] = []
        self.replayed: set[str] = set()

    def run_ingest(self, work: Callable[[Any], T]) -> T:
        snapshot = (dict(self.answers), dict(self.learners), dict(self.mastery))
        try:
            return work(FakeIngestTx(self))
        except BaseException:
            self.answers, self.learners, self.mastery = snapshot
            raise


def _us(seconds: int | None, nanos: int | None) -> int | None:
    return None if seconds is None else seconds * 1_000_000 + (nanos or 0) // 1000
