"""Answers in, mastery out: the ingestion rule, mastery recomputation, goals and interests.

Batch rule (POST /answers): every row is judged on its own. Valid rows whose task exists are stored;
a row is rejected with its reason when it is malformed (`invalid`, naming the field), names an unknown
task (`unknown_task`), or reuses a stored event_id with different content (`conflict`). A row whose
event_id is already stored with the same content is a `duplicate` and changes nothing. With
`atomic=True` any rejection rolls the whole batch back and raises instead. The answers, the learners
first seen in them and the mastery they change are written in one transaction, and the result is
returned only after it committed.

Mastery rule: a learner's mastery is the tracer's replay of their whole answer history in
(answered_at, event_id) order, so arrival order never matters. When every new answer of a learner
comes after the last one their stored mastery includes (and the model version is unchanged), the
tracer continues from the stored state, which gives the same floats as the full replay; otherwise
that learner's full history is read and replayed.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kgplatform.errors import Conflict, NotFound, ValidationFailed
from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.models import AnswerBatchResult, AnswerIn, RejectedRow, parse_answer_rows
from kgplatform.mastery.recompute import (
    AnswerColumns,
    MasteryRow,
    StoredState,
    datetime_to_us,
    trace_answers,
    transfer_targets,
    us_to_datetime,
)
from kgplatform.mastery.store import IngestTx, LearnerCursor, MasteryStore

ParamsSource = Callable[[], TracerParams]
STORED_FIELDS = ("learner_id", "task_id", "correct", "answered_at", "duration_s")


def default_params() -> TracerParams:
    """The literature's BKT values for every concept (extended per batch to the concepts it needs)."""
    return TracerParams.default(())


@dataclass
class _Batch:
    """One request's rows on their way through the ingest transaction."""

    candidates: list[tuple[int, AnswerIn]]
    result: AnswerBatchResult


class MasteryService:
    def __init__(self, store: MasteryStore, params_source: ParamsSource = default_params) -> None:
        self.store = store
        self.params_source = params_source

    # ---- ingestion -------------------------------------------------------------------------------
    def ingest(self, rows: Sequence[Any], *, atomic: bool = False) -> AnswerBatchResult:
        """Stores a batch of answers and updates the affected learners' mastery (rule: module doc)."""
        good, bad = parse_answer_rows(list(rows))
        result = AnswerBatchResult(rejected=bad)
        candidates = _drop_in_batch_repeats(good, result)
        if atomic and result.rejected:
            raise ValidationFailed(
                _summary(result.rejected),
                field=result.rejected[0].field,
                rejected=[r.model_dump() for r in result.rejected],
            )
        if candidates:
            batch = _Batch(candidates, result)
            self.store.run_ingest(lambda tx: self._ingest_in_tx(tx, batch, atomic))
        result.rejected.sort(key=lambda r: r.index)
        return result

    def _ingest_in_tx(self, tx: IngestTx, batch: _Batch, atomic: bool) -> None:
        # A retried transaction starts over: forget what an aborted attempt had decided.
        result = AnswerBatchResult(rejected=list(batch.result.rejected))
        tasks = tx.task_concepts(sorted({a.task_id for _, a in batch.candidates}))
        known = []
        for index, answer in batch.candidates:
            if answer.task_id in tasks:
                known.append((index, answer))
            else:
                result.rejected.append(
                    RejectedRow(
                        index=index,
                        event_id=answer.event_id,
                        field="task_id",
                        reason="unknown_task",
                        message=f"task {answer.task_id!r} does not exist",
                    )
                )
        if atomic and result.rejected:
            raise ValidationFailed(
                _summary(result.rejected), field="task_id", rejected=[r.model_dump() for r in result.rejected]
            )
        now = datetime.now(UTC)
        existing = {
            r["event_id"]: r
            for r in tx.merge_answers([_answer_row(a) for _, a in known], uuid.uuid4().hex, now)
        }
        created: list[AnswerIn] = []
        for index, answer in known:
            stored = existing.get(answer.event_id)
            if stored is None:
                created.append(answer)
                result.accepted.append(answer.event_id)
            elif differing := _differing_fields(answer, stored):
                result.rejected.append(
                    RejectedRow(
                        index=index,
                        event_id=answer.event_id,
                        field="event_id",
                        reason="conflict",
                        message=f"event {answer.event_id!r} is already stored with a different {', '.join(differing)}",
                    )
                )
            else:
                result.duplicates.append(answer.event_id)
        if atomic and any(r.reason == "conflict" for r in result.rejected):
            raise Conflict(
                _summary(result.rejected),
                field="event_id",
                rejected=[r.model_dump() for r in result.rejected],
            )
        if created:
            cursors = tx.merge_learners(sorted({a.learner_id for a in created}), now)
            result.learners_created = sum(c.created for c in cursors)
            result.mastery_updated = self._update_mastery(tx, created, cursors, tasks, now)
        batch.result.accepted, batch.result.duplicates = result.accepted, result.duplicates
        batch.result.rejected, batch.result.learners_created = result.rejected, result.learners_created
        batch.result.mastery_updated = result.mastery_updated

    # ---- mastery ---------------------------------------------------------------------------------
    def _update_mastery(
        self,
        tx: IngestTx,
        created: list[AnswerIn],
        cursors: list[LearnerCursor],
        tasks: dict[str, list[tuple[str, float]]],
        now: datetime,
    ) -> int:
        transfer_map, transfer_version = _transfer_map(tx.transfer_edges())
        base = self.params_source()
        model_version = base.model_version + (f"+transfer:{transfer_version}" if transfer_version else "")
        cursor_of = {c.learner_id: c for c in cursors}
        full = {
            lid
            for lid, answers in _group(created).items()
            if not _continues(cursor_of[lid], answers, model_version)
        }
        incremental = [a for a in created if a.learner_id not in full]
        histories = tx.answer_histories(sorted(full)) if full else []
        history_tasks = {t for h in histories for t in h.task_ids} - tasks.keys()
        if history_tasks:
            tasks = {**tasks, **tx.task_concepts(sorted(history_tasks))}
        concepts = {cid for cs in tasks.values() for cid, _ in cs}
        params = base.extended(
            sorted(concepts | {c for t in transfer_map.values() for c in t} | transfer_map.keys())
        )
        transfer = TransferEdges.from_mapping(transfer_map, params) if transfer_map else None

        rows: list[MasteryRow] = []
        if incremental:
            pairs: dict[str, set[str]] = defaultdict(set)
            for a in incremental:
                pairs[a.learner_id].update(cid for cid, _ in tasks[a.task_id])
            wanted = {lid: sorted(transfer_targets(cids, transfer_map)) for lid, cids in pairs.items()}
            state = StoredState.from_rows(tx.mastery_states(wanted))
            rows += trace_answers(_columns(incremental), tasks, params, transfer, state)
        if histories:
            rows += trace_answers(
                AnswerColumns(
                    [h.learner_id for h in histories for _ in h.event_ids],
                    [e for h in histories for e in h.event_ids],
                    [t for h in histories for t in h.task_ids],
                    [s for h in histories for s in h.scores],
                    [u for h in histories for u in h.answered_us],
                ),
                tasks,
                params,
                transfer,
            )
        by_learner: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for r in rows:
            by_learner[r.learner_id].append(
                {
                    "concept_id": r.concept_id,
                    "p_mastery": r.p_mastery,
                    "attempts": r.attempts,
                    "correct": r.correct,
                    "last_practised": _dt(r.last_us),
                    "as_of": _dt(r.as_of_us),
                }
            )
        if full:
            tx.delete_stale_mastery({lid: [m["concept_id"] for m in by_learner.get(lid, [])] for lid in full})
        learners = [
            {"learner_id": lid, **_new_cursor(cursor_of[lid], answers), "concepts": by_learner.get(lid, [])}
            for lid, answers in _group(created).items()
        ]
        return tx.write_mastery(learners, now, model_version)

    # ---- goals and interests ---------------------------------------------------------------------
    def set_goals(self, learner_id: str, concept_ids: list[str]) -> list[str]:
        """Replaces the learner's target concepts; unknown concept ids are a 422 naming them."""
        wanted = list(dict.fromkeys(concept_ids))
        missing = sorted(set(wanted) - self.store.existing_concepts(wanted))
        if missing:
            raise ValidationFailed(
                f"unknown concept ids: {', '.join(missing)}", field="concept_ids", unknown=missing
            )
        return self.store.replace_goals(learner_id, wanted, datetime.now(UTC))

    def set_interests(self, learner_id: str, tags: list[str]) -> list[str]:
        cleaned = list(dict.fromkeys(t.strip() for t in tags))
        if any(not t for t in cleaned):
            raise ValidationFailed("tags must be non-empty strings", field="tags")
        return self.store.replace_interests(learner_id, cleaned, datetime.now(UTC))

    def learner(self, learner_id: str) -> dict[str, Any]:
        row = self.store.learner(learner_id)
        if row is None:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        return row


def _drop_in_batch_repeats(
    good: list[tuple[int, AnswerIn]], result: AnswerBatchResult
) -> list[tuple[int, AnswerIn]]:
    """The first row of an event_id goes on; a repeat is a duplicate, or a conflict if it differs."""
    first: dict[str, AnswerIn] = {}
    kept = []
    for index, answer in good:
        seen = first.get(answer.event_id)
        if seen is None:
            first[answer.event_id] = answer
            kept.append((index, answer))
        elif _answer_row(seen) == _answer_row(answer):
            result.duplicates.append(answer.event_id)
        else:
            result.rejected.append(
                RejectedRow(
                    index=index,
                    event_id=answer.event_id,
                    field="event_id",
                    reason="conflict",
                    message=f"event {answer.event_id!r} appears earlier in this batch with different content",
                )
            )
    return kept


def _answer_row(answer: AnswerIn) -> dict[str, Any]:
    return {
        "event_id": answer.event_id,
        "learner_id": answer.learner_id,
        "task_id": answer.task_id,
        "correct": answer.outcome,
        "answered_at": answer.answered_at_utc,
        "duration_s": answer.duration_s,
    }


def _differing_fields(answer: AnswerIn, stored: dict[str, Any]) -> list[str]:
    mine = _answer_row(answer)
    theirs = dict(stored)
    at = theirs.get("answered_at")
    if at is not None and hasattr(at, "to_native"):
        theirs["answered_at"] = at.to_native()
    return [f for f in STORED_FIELDS if mine[f] != theirs.get(f)]


def _group(answers: list[AnswerIn]) -> dict[str, list[AnswerIn]]:
    grouped: dict[str, list[AnswerIn]] = defaultdict(list)
    for a in answers:
        grouped[a.learner_id].append(a)
    return grouped


def _key(answer: AnswerIn) -> tuple[int, str]:
    return datetime_to_us(answer.answered_at_utc), answer.event_id


def _continues(cursor: LearnerCursor, answers: list[AnswerIn], model_version: str) -> bool:
    """True when the stored state can simply be carried forward with `answers` (see module doc)."""
    if cursor.last_us is None:
        return cursor.model_version is None or cursor.model_version == model_version
    if cursor.model_version != model_version:
        return False
    last = (cursor.last_us, cursor.last_event_id or "")
    return all(_key(a) > last for a in answers)


def _new_cursor(cursor: LearnerCursor, answers: list[AnswerIn]) -> dict[str, Any]:
    latest = max(_key(a) for a in answers)
    if cursor.last_us is not None and (cursor.last_us, cursor.last_event_id or "") > latest:
        latest = (cursor.last_us, cursor.last_event_id or "")
    return {"last_answered_at": us_to_datetime(latest[0]), "last_event_id": latest[1]}


def _columns(answers: list[AnswerIn]) -> AnswerColumns:
    return AnswerColumns(
        [a.learner_id for a in answers],
        [a.event_id for a in answers],
        [a.task_id for a in answers],
        [a.outcome for a in answers],
        [datetime_to_us(a.answered_at_utc) for a in answers],
    )


def _transfer_map(edges: list[dict[str, Any]]) -> tuple[dict[str, dict[str, float]], str]:
    mapping: dict[str, dict[str, float]] = defaultdict(dict)
    versions = set()
    for e in edges:
        mapping[e["source"]][e["target"]] = float(e["strength"])
        versions.add(str(e["model_version"]))
    return dict(mapping), ",".join(sorted(versions))


def _dt(us: int | None) -> datetime | None:
    return None if us is None else us_to_datetime(us)


def _summary(rejected: list[RejectedRow]) -> str:
    head = "; ".join(f"row {r.index}: {r.message}" for r in rejected[:3])
    more = f" (and {len(rejected) - 3} more)" if len(rejected) > 3 else ""
    return f"{len(rejected)} row(s) rejected, nothing stored: {head}{more}"
