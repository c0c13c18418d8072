"""Brings the stored MASTERY of the learners in a batch up to date with their new answers.

Rule: a learner's mastery is the tracer's replay of their whole history in (answered_at, event_id)
order. Each (learner, concept) state evolves only through answers on that concept and transfer from
its sources, so when every new answer that reaches a state comes strictly after the time that state
holds at (`as_of`), and the state was computed by the current model version, continuing from the stored
state performs exactly the operations a full replay would, and gives the same floats. Otherwise the
learner's full history is read and replayed. Either way: one query per step for the whole batch.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.recompute import (
    AnswerColumns,
    MasteryRow,
    StoredState,
    trace_answers,
    transfer_targets,
)
from kgplatform.mastery.store import AnswerHistory, IngestTx

TaskMap = dict[str, list[tuple[str, float]]]
Transfer = Mapping[str, Mapping[str, float]]


def update_mastery(
    tx: IngestTx, new: AnswerColumns, tasks: TaskMap, base: TracerParams, now: datetime
) -> tuple[int, int]:
    """Recomputes and writes the mastery the `new` answers (already stored in `tx`) change; locks and
    creates their learners first. Returns (learners created, mastery values written)."""
    transfer_map, transfer_version = read_transfer(tx)
    model_version = base.model_version + (f"+transfer:{transfer_version}" if transfer_version else "")
    created, stale = tx.merge_learners(sorted(set(new.learner_ids)), now, model_version)
    reached = reached_states(new, tasks, transfer_map)
    wanted = [(lid, cid) for lid, cids in reached.items() if lid not in stale for cid in sorted(cids)]
    stored = tx.mastery_states(wanted) if wanted else []
    full = stale | learners_needing_replay(new, tasks, transfer_map, stored)

    histories = tx.answer_histories(sorted(full)) if full else []
    missing_tasks = {t for h in histories for t in h.task_ids} - tasks.keys()
    if missing_tasks:
        tasks = {**tasks, **tx.task_concepts(sorted(missing_tasks))}
    concepts = {cid for cs in tasks.values() for cid, _ in cs}
    concepts |= set(transfer_map) | {c for targets in transfer_map.values() for c in targets}
    # Sorted, so each concept's index order is the same in every batch (the tracer's sums follow it).
    params = base.extended(sorted(concepts))
    transfer = TransferEdges.from_mapping(transfer_map, params) if transfer_map else None

    rows: list[MasteryRow] = []
    keep = [i for i, lid in enumerate(new.learner_ids) if lid not in full]
    continued = [r for r in stored if r["learner_id"] not in full]
    if keep:
        rows += trace_answers(new.subset(keep), tasks, params, transfer, StoredState.from_rows(continued))
    if histories:
        rows += trace_answers(history_columns(histories), tasks, params, transfer)
        replayed = defaultdict(list)
        for r in rows:
            if r.learner_id in full:
                replayed[r.learner_id].append(r.concept_id)
        tx.delete_stale_mastery({lid: replayed.get(lid, []) for lid in full})
    # Pairs read above are updated in place, pairs looked up and absent are created (their learners are
    # locked, so both are safe), and the pairs of fully replayed learners are MERGEd.
    rel_of = {(r["learner_id"], r["concept_id"]): r["rel"] for r in continued}
    looked_up = {pair for pair in wanted if pair[0] not in full}
    in_place, created_rows, merged = [], [], []
    for r in sorted(rows, key=lambda r: (r.concept_id, r.learner_id)):
        pair = (r.learner_id, r.concept_id)
        (in_place if pair in rel_of else created_rows if pair in looked_up else merged).append(r)
    written = 0
    if in_place:
        rels = [
            {"rel": rel_of[(r.learner_id, r.concept_id)], **row}
            for r, row in zip(in_place, mastery_rows(in_place), strict=True)
        ]
        written += tx.update_mastery_in_place(rels, now, model_version)
    if created_rows:
        written += tx.create_mastery(mastery_rows(created_rows), now, model_version)
    if merged:
        written += tx.write_mastery(mastery_rows(merged), now, model_version)
    return created, written


def read_transfer(tx: IngestTx) -> tuple[dict[str, dict[str, float]], str]:
    """Transfer edges as {source: {target: strength}} and the model version(s) that wrote them."""
    mapping: dict[str, dict[str, float]] = defaultdict(dict)
    versions = set()
    for e in tx.transfer_edges():
        mapping[e["source"]][e["target"]] = float(e["strength"])
        versions.add(str(e["model_version"]))
    return dict(mapping), ",".join(sorted(versions))


def reached_states(new: AnswerColumns, tasks: TaskMap, transfer: Transfer) -> dict[str, set[str]]:
    """Per learner, the concepts whose state the new answers change (practised and transfer targets)."""
    reached: dict[str, set[str]] = defaultdict(set)
    for lid, tid in zip(new.learner_ids, new.task_ids, strict=True):
        reached[lid].update(cid for cid, _ in tasks.get(tid, ()))
    return {lid: transfer_targets(cids, transfer) for lid, cids in reached.items()}


def learners_needing_replay(
    new: AnswerColumns, tasks: TaskMap, transfer: Transfer, stored: list[dict[str, Any]]
) -> set[str]:
    """Learners with a new answer that is not later than a state it reaches (see the module's rule)."""
    as_of = {(r["learner_id"], r["concept_id"]): r["as_of_us"] for r in stored}
    full: set[str] = set()
    for lid, tid, us in zip(new.learner_ids, new.task_ids, new.answered_us, strict=True):
        if lid in full:
            continue
        touched = transfer_targets({cid for cid, _ in tasks.get(tid, ())}, transfer)
        if any((at := as_of.get((lid, cid))) is not None and us <= at for cid in touched):
            full.add(lid)
    return full


def history_columns(histories: list[AnswerHistory]) -> AnswerColumns:
    return AnswerColumns(
        [h.learner_id for h in histories for _ in h.event_ids],
        [e for h in histories for e in h.event_ids],
        [t for h in histories for t in h.task_ids],
        [s for h in histories for s in h.scores],
        [u for h in histories for u in h.answered_us],
    )


def mastery_rows(rows: list[MasteryRow]) -> list[dict[str, Any]]:
    """Rows for the mastery writes, in the order given (callers sort for a stable lock order)."""
    out = []
    for r in rows:
        last_s, last_ns = split_us(r.last_us)
        as_of_s, as_of_ns = split_us(r.as_of_us)
        out.append(
            {
                "learner_id": r.learner_id,
                "concept_id": r.concept_id,
                "p_mastery": r.p_mastery,
                "attempts": r.attempts,
                "correct": r.correct,
                "last_s": last_s,
                "last_ns": last_ns,
                "as_of_s": as_of_s,
                "as_of_ns": as_of_ns,
            }
        )
    return out


def split_us(us: int | None) -> tuple[int | None, int | None]:
    """Epoch microseconds as (epoch seconds, nanoseconds), the pair Cypher turns into a datetime."""
    if us is None:
        return None, None
    seconds, micros = divmod(us, 1_000_000)
    return seconds, micros * 1000
