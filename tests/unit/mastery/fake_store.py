"""An in-memory stand-in for the mastery store's ingest transaction, for service tests without Neo4j.

It keeps the same data the Cypher files keep and answers the same questions, so the service's batch
rule and mastery rule can be checked fast; the real queries are covered by tests/integration/mastery.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from kgplatform.mastery.recompute import (
    AnswerColumns,
    MasteryColumns,
    MasteryRow,
    StoredState,
    split_us,
)
from kgplatform.mastery.store import (
    REPLAY_PENDING,
    AnswerHistory,
    IngestContext,
    IngestContextMoved,
    LockedLearners,
    TransferEdge,
    erased_answer_key,
)

T = TypeVar("T")


class FakeIngestTx:
    def __init__(self, store: FakeMasteryStore) -> None:
        self.store = store

    def task_concepts(self, task_ids: list[str]) -> dict[str, list[tuple[str, float]]]:
        return {t: [(c, 1.0) for c in self.store.tasks[t]] for t in task_ids if t in self.store.tasks}

    def context(self, task_ids: list[str], event_ids: list[str]) -> IngestContext:
        stored = {e: dict(self.store.answers[e]) for e in event_ids if e in self.store.answers}
        edges = [
            TransferEdge(e["source"], e["target"], e["strength"], e["model_version"])
            for e in self.store.transfer
        ]
        erased = frozenset(e for e in event_ids if erased_answer_key(e) in self.store.erased)
        return IngestContext(
            self.task_concepts(task_ids),
            stored,
            edges,
            self.store.revision,
            self.store.transfer_model,
            erased,
        )

    def create_answers(
        self, answers: AnswerColumns, durations: list[float | None], received_at: datetime
    ) -> Callable[[], int]:
        for i, event_id in enumerate(answers.event_ids):
            assert event_id not in self.store.answers, "the constraint would refuse this"
            at_s, at_ns = split_us(answers.answered_us[i])
            self.store.answers[event_id] = {
                "event_id": event_id,
                "learner_id": answers.learner_ids[i],
                "task_id": answers.task_ids[i],
                "correct": answers.scores[i],
                "at_s": at_s,
                "at_ns": at_ns,
                "duration_s": durations[i],
            }
        return lambda: len(answers)

    def lock_learners(
        self, learner_ids: list[str], concept_ids: list[list[str]], now: datetime, model_version: str
    ) -> LockedLearners:
        assert learner_ids == sorted(learner_ids), "one lock order for every caller"
        new = set(learner_ids) - set(self.store.learners)
        stale = {lid for lid in learner_ids if self.store.learners.get(lid, model_version) != model_version}
        self.store.learners.update(dict.fromkeys(learner_ids, model_version))
        pairs = [
            (lid, cid)
            for lid, cids in zip(learner_ids, concept_ids, strict=True)
            if lid not in stale
            for cid in cids
            if (lid, cid) in self.store.mastery
        ]
        m = [self.store.mastery[pair] for pair in pairs]
        states = StoredState(
            [lid for lid, _ in pairs],
            [cid for _, cid in pairs],
            [x["p_mastery"] for x in m],
            [x["attempts"] for x in m],
            [x["correct"] for x in m],
            [x["last_us"] for x in m],
            [x["as_of_us"] for x in m],
            [x["p_practised"] for x in m],
            [x.get("last_task_id") for x in m],
        )
        rels = [f"{lid}|{cid}" for lid, cid in pairs]
        refs = {lid: f"ref:{lid}" for lid in learner_ids}
        self.store.on_lock()
        return LockedLearners(
            len(new), stale, states, rels, refs, self.store.revision, self.store.transfer_model
        )

    def answer_counts(self, learner_ids: list[str]) -> dict[str, int]:
        counts = dict.fromkeys(learner_ids, 0)
        for answer in self.store.answers.values():
            if answer["learner_id"] in counts:
                counts[answer["learner_id"]] += 1
        return counts

    def mark_for_replay(self, learner_ids: list[str]) -> int:
        self.store.learners.update(dict.fromkeys(learner_ids, REPLAY_PENDING))
        return len(learner_ids)

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

    def write_mastery(self, columns: MasteryColumns, updated_at: datetime, model_version: str) -> int:
        for r in columns.rows():
            self._put(r, model_version)
        return len(columns)

    def create_mastery(
        self, columns: MasteryColumns, learner_refs: list[str], updated_at: datetime, model_version: str
    ) -> int:
        assert learner_refs == [f"ref:{lid}" for lid in columns.learner_ids], "each row names its learner"
        for pair in zip(columns.learner_ids, columns.concept_ids, strict=True):
            assert pair not in self.store.mastery, "it exists already"
        return self.write_mastery(columns, updated_at, model_version)

    def update_mastery_in_place(self, rels: list[str], columns: MasteryColumns, updated_at: datetime) -> int:
        """Like mastery/update_mastery_in_place: the values change, the model version stays."""
        for rel, r in zip(rels, columns.rows(), strict=True):
            pair = (r.learner_id, r.concept_id)
            assert tuple(rel.split("|")) == pair, "each relationship is updated with its own pair's values"
            assert pair in self.store.mastery, "only relationships read before are updated in place"
            self._put(r, self.store.mastery[pair]["model_version"])
        return len(rels)

    def _put(self, r: MasteryRow, model_version: str) -> None:
        self.store.mastery[(r.learner_id, r.concept_id)] = {
            "p_mastery": r.p_mastery,
            "attempts": r.attempts,
            "correct": r.correct,
            "last_us": r.last_us,
            "as_of_us": r.as_of_us,
            "p_practised": r.p_practised,
            "last_task_id": r.last_task_id,
            "model_version": model_version,
        }

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
        self.revision = 0  # curriculum/bump_curriculum_revision: a task's concepts changed
        self.transfer_model: str | None = None
        self.erased: set[str] = set()  # the digests an erase keeps (mastery/create_erased_answers)
        # Runs as an ingest takes its learners' locks: what commits while a transaction waits for them.
        self.on_lock: Callable[[], None] = lambda: None

    def edit_task(self, task_id: str, concept_ids: list[str]) -> None:
        """A designer changes which concepts a task exercises (the curriculum store bumps the revision)."""
        self.tasks = {**self.tasks, task_id: concept_ids}
        self.revision += 1

    def erase_learner(self, learner_id: str) -> dict[str, int] | None:
        """As `MasteryStore.erase_learner`: the learner, their answers and mastery go; the digests of the
        answers' event ids stay."""
        if learner_id not in self.learners:
            return None
        mine = [e for e, a in self.answers.items() if a["learner_id"] == learner_id]
        self.erased.update(erased_answer_key(e) for e in mine)
        for event_id in mine:
            del self.answers[event_id]
        pairs = [pair for pair in self.mastery if pair[0] == learner_id]
        for pair in pairs:
            del self.mastery[pair]
        del self.learners[learner_id]
        return {"answers": len(mine), "mastery": len(pairs), "plans": 0}

    def ingest_preview(
        self, task_ids: list[str], event_ids: list[str]
    ) -> tuple[set[str], dict[str, dict[str, Any]], frozenset[str]]:
        """As `MasteryStore.ingest_preview`: what an ingest transaction's context would hold, read only."""
        context = FakeIngestTx(self).context(task_ids, event_ids)
        return set(context.tasks), context.stored, context.erased

    def replay_context(self, task_ids: list[str]) -> IngestContext:
        """As `MasteryStore.replay_context`: the tasks' concepts, transfer edges and stamp parts."""
        return FakeIngestTx(self).context(task_ids, [])

    def mastery_as_of(
        self, learner_ids: list[str], concept_ids: list[list[str]]
    ) -> tuple[dict[str, str | None], dict[tuple[str, str], int | None]]:
        """As `MasteryStore.mastery_as_of`: the known learners' stamps and the asked states' as_of."""
        stamps = {lid: self.learners[lid] for lid in learner_ids if lid in self.learners}
        pairs = [(lid, cid) for lid, cids in zip(learner_ids, concept_ids, strict=True) for cid in cids]
        return stamps, {p: self.mastery[p]["as_of_us"] for p in pairs if p in self.mastery}

    def run_ingest(self, work: Callable[[Any], T]) -> T:
        """As `MasteryStore.run_ingest`: rolled back on any exception, started over when the context moved."""
        while True:
            snapshot = (dict(self.answers), dict(self.learners), dict(self.mastery))
            try:
                return work(FakeIngestTx(self))
            except IngestContextMoved:
                self.answers, self.learners, self.mastery = snapshot
            except BaseException:
                self.answers, self.learners, self.mastery = snapshot
                raise
