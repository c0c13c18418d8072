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

    def merge_learners(self, learner_ids: list[str], now: datetime) -> int:
        new = set(learner_ids) - self.store.learners
        self.store.learners |= new
        return len(new)

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

    def mastery_states(self, wanted: dict[str, list[str]], model_version: str) -> tuple[list[dict], set[str]]:
        states, stale = [], set()
        for lid, cids in wanted.items():
            if any(
                m["model_version"] != model_version for (l2, _), m in self.store.mastery.items() if l2 == lid
            ):
                stale.add(lid)
            for cid in cids:
                m = self.store.mastery.get((lid, cid))
                if m is not None:
                    states.append(
                        {
                            "learner_id": lid,
                            "concept_id": cid,
                            **{k: m[k] for k in ("p_mastery", "attempts", "correct", "last_us", "as_of_us")},
                        }
                    )
        return states, stale

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
        self.learners: set[str] = set()
        self.mastery: dict[tuple[str, str], dict[str, Any]] = {}
        self.transfer: list[dict[str, Any]] = []
        self.replayed: set[str] = set()

    def run_ingest(self, work: Callable[[Any], T]) -> T:
        snapshot = (dict(self.answers), set(self.learners), dict(self.mastery))
        try:
            return work(FakeIngestTx(self))
        except BaseException:
            self.answers, self.learners, self.mastery = snapshot
            raise


def _us(seconds: int | None, nanos: int | None) -> int | None:
    return None if seconds is None else seconds * 1_000_000 + (nanos or 0) // 1000
