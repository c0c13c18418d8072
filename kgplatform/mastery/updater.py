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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kgplatform.mastery.bkt import TracerParams, TransferEdges
from kgplatform.mastery.recompute import (
    AnswerColumns,
    MasteryColumns,
    StoredState,
    trace_columns,
    transfer_targets,
)
from kgplatform.mastery.store import AnswerHistory, IngestContext, IngestTx, LockedLearners, TransferEdge

TaskMap = dict[str, list[tuple[str, float]]]
Transfer = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class LockedBatch:
    """A batch after `lock_batch`: the transfer in force, the model version its mastery is computed
    with, and its learners, locked, with the stored states the new answers continue from."""

    transfer: dict[str, dict[str, float]]
    model_version: str
    locked: LockedLearners
    # The transfer model's version when `transfer` holds only the edges out of the batch's own concepts
    # (the ingest context's): a full replay reads those of the other concepts in its histories.
    partial_transfer: str | None = None


def lock_batch(
    tx: IngestTx, new: AnswerColumns, context: IngestContext, base: TracerParams, now: datetime
) -> LockedBatch:
    """Creates and write-locks the learners of the `new` answers and reads the states they reach, with
    the transfer and the stamp of `context` (`context_stamp`): its curriculum revision counts changes to
    which concepts the tasks exercise, so a learner traced under another revision is replayed in full
    (with the tasks as they are now)."""
    transfer_map, model_version, partial = context_stamp(context, base)
    reached = reached_states(new, context.tasks, transfer_map)
    learner_ids = sorted(reached)
    locked = tx.lock_learners(learner_ids, [sorted(reached[lid]) for lid in learner_ids], now, model_version)
    return LockedBatch(transfer_map, model_version, locked, partial)


def context_stamp(
    context: IngestContext, base: TracerParams
) -> tuple[dict[str, dict[str, float]], str, str | None]:
    """What a batch read with `context` is traced with: the transfer as {source: {target: strength}}, the
    stamp its mastery gets, and the transfer model's version when `context.transfer` holds only the edges
    out of the batch's concepts (`LockedBatch.partial_transfer`; None when the model has no edge, or when
    `context.transfer_edges` is None: every edge was read, and the stamp names their versions). The ingest
    (`lock_batch`) and its dry run's replay count (`MasteryService.preview`) both take it from here: a
    dry run that made the stamp otherwise would count as replays learners the ingest continues."""
    transfer_map, transfer_version = transfer_mapping(context.transfer)
    partial = None
    if context.transfer_edges is not None:
        # The stamp names the model whether or not this batch's concepts have edges in it.
        transfer_version = partial = transfer_part(context.transfer_model, context.transfer_edges)
    model_version = mastery_stamp(base, transfer_version, context.curriculum_revision)
    return transfer_map, model_version, partial or None


def transfer_part(transfer_model: str | None, has_edges: bool) -> str:
    """The transfer model's part of mastery's stamp: its version when it has any edge (whether or not the
    learner's concepts have one), else none."""
    return (transfer_model or "") if has_edges else ""


def mastery_stamp(base: TracerParams, transfer_version: str, curriculum_revision: int) -> str:
    """What a learner's mastery is traced under: the tracer's version, the transfer model's (when it has
    edges) and the curriculum's structure revision (once there was a change). A learner stamped otherwise
    is replayed in full at their next answer, or by a retrace."""
    stamp = base.model_version + (f"+transfer:{transfer_version}" if transfer_version else "")
    return stamp + (f"+curriculum:{curriculum_revision}" if curriculum_revision else "")


@dataclass(frozen=True)
class Retraced:
    """What `retrace_learners` did: the learners it replayed, how many it found already up to date (or
    never traced), how many of those asked for no longer exist, the mastery values written, and the
    stamp they are now traced under."""

    replayed: list[str]
    up_to_date: int
    gone: int
    written: int
    model_version: str
    # Stale learners past the transaction's answer budget, still stale: for the next transaction.
    deferred: list[str] = field(default_factory=list)
    answers: int = 0  # the stored answers of the replayed learners (a dry run's: of those it would replay)

    @property
    def learners(self) -> int:
        """How many learners this transaction settled (the deferred ones are settled by a later one)."""
        return len(self.replayed) + self.up_to_date + self.gone


NO_ANSWERS = AnswerColumns([], [], [], [], [])


def retrace_learners(tx: IngestTx, learner_ids: list[str], base: TracerParams, max_replayed: int) -> Retraced:
    """Replays from their whole history those of `learner_ids` (sorted) whose mastery was traced under
    another stamp than the current one, as their next answer would, and stamps them current; those past
    `max_replayed` answers (`over_budget`) are left stale, as `deferred`. The curriculum revision and
    the transfer model are read once the learners are locked, so an ingest that commits first is replayed
    over, and a change that commits later leaves them stale again."""
    stamps = tx.lock_for_retrace(learner_ids)
    # Dated once the locks are held, as an ingest's writes are: a time taken before waiting for them is
    # older than the writes of an ingest that held them and committed first, and a plan made from that
    # ingest's mastery before this commits then reads as newer than the replayed mastery (planning compares
    # the newest MASTERY.updated_at), so it was kept as fresh (a review, 6 December 2026).
    now = datetime.now(UTC)
    context = tx.context([], [])
    transfer_version = transfer_part(context.transfer_model, bool(context.transfer_edges))
    model_version = mastery_stamp(base, transfer_version, context.curriculum_revision)
    stale = stale_learners(stamps, model_version)
    counts = tx.answer_counts(sorted(stale)) if stale else {}
    deferred = over_budget(sorted(stale), counts, max_replayed)
    stale -= set(deferred)
    written = 0
    if stale:
        nothing = StoredState([], [], [], [], [], [], [], [], [])
        locked = LockedLearners(0, stale, nothing, [], {})
        # No edges in hand: the replay reads the current model's edges out of the concepts its histories
        # reach (`partial_transfer`), as an ingest's full replay does.
        batch = LockedBatch({}, model_version, locked, transfer_version or None)
        _, written = update_mastery(tx, NO_ANSWERS, {}, batch, base, now, stale)
        tx.stamp_learners(sorted(stale), model_version)
    up_to_date = len(stamps) - len(stale) - len(deferred)
    answers = sum(counts.get(lid, 0) for lid in stale)
    return Retraced(
        sorted(stale), up_to_date, len(learner_ids) - len(stamps), written, model_version, deferred, answers
    )


def stale_learners(stamps: Mapping[str, str | None], model_version: str) -> set[str]:
    """The learners whose stamp is not `model_version`; one never traced (no stamp) has nothing to replay."""
    return {lid for lid, stamp in stamps.items() if stamp is not None and stamp != model_version}


def over_budget(learner_ids: Sequence[str], sizes: Mapping[str, int], budget: int) -> list[str]:
    """The learners whose replays a transaction leaves to the next one: in the given (id) order, each
    fits while the replayed answers (`sizes`, absent: none) stay within `budget`; the first always fits,
    so every transaction moves on."""
    total, later = 0, []
    for learner_id in learner_ids:
        size = sizes.get(learner_id, 0)
        if total and total + size > budget:
            later.append(learner_id)
        else:
            total += size
    return later


def update_mastery(
    tx: IngestTx,
    new: AnswerColumns,
    tasks: TaskMap,
    batch: LockedBatch,
    base: TracerParams,
    now: datetime,
    full: set[str],
) -> tuple[int, int]:
    """Recomputes and writes the mastery the `new` answers change (the answers are stored, or being
    stored, in `tx`: a full replay's history query runs after their creation, so it reads them).
    `full`: the learners of `new` to replay from their whole history (`full_replays`, less those left to
    a later transaction). Returns (learners created, mastery values written)."""
    transfer_map, model_version, locked = batch.transfer, batch.model_version, batch.locked

    histories = tx.answer_histories(sorted(full)) if full else []
    missing_tasks = {t for h in histories for t in h.task_ids} - tasks.keys()
    if missing_tasks:
        more = tx.task_concepts(sorted(missing_tasks))
        if batch.partial_transfer:
            read = {cid for cs in tasks.values() for cid, _ in cs}
            sources = sorted({cid for cs in more.values() for cid, _ in cs} - read)
            if sources:
                extra, _ = transfer_mapping(tx.transfer_edges(sources, batch.partial_transfer))
                transfer_map = {**transfer_map, **extra}
        tasks = {**tasks, **more}
    concepts = {cid for cs in tasks.values() for cid, _ in cs}
    concepts |= set(transfer_map) | {c for targets in transfer_map.values() for c in targets}
    # Sorted, so each concept's index order is the same in every batch (the tracer's sums follow it).
    params = base.extended(sorted(concepts))
    transfer = TransferEdges.from_mapping(transfer_map, params) if transfer_map else None

    # Pairs read above are updated in place, pairs looked up and absent are created (their learners are
    # locked, so both are safe), and the pairs of fully replayed learners are MERGEd.
    written = 0
    keep = [i for i, lid in enumerate(new.learner_ids) if lid not in full]
    if keep:
        # Only this batch's learners: a learner locked but left to the next transaction
        # (`MasteryService.ingest` bounds the replays of one) continues there.
        in_batch = set(new.learner_ids)
        continued = [
            i for i, lid in enumerate(locked.states.learner_ids) if lid not in full and lid in in_batch
        ]
        initial = locked.states.take(continued)
        rel_of = {
            (initial.learner_ids[j], initial.concept_ids[j]): locked.rels[i] for j, i in enumerate(continued)
        }
        traced = trace_columns(new.take(keep), tasks, params, transfer, initial)
        order = _lock_order(traced)
        in_place = [i for i in order if (traced.learner_ids[i], traced.concept_ids[i]) in rel_of]
        created = [i for i in order if (traced.learner_ids[i], traced.concept_ids[i]) not in rel_of]
        if in_place:
            rels = [rel_of[(traced.learner_ids[i], traced.concept_ids[i])] for i in in_place]
            written += tx.update_mastery_in_place(rels, traced.take(in_place), now)
        if created:
            to_create = traced.take(created)
            refs = [locked.refs[lid] for lid in to_create.learner_ids]
            written += tx.create_mastery(to_create, refs, now, model_version)
    if histories:
        replayed = trace_columns(history_columns(histories), tasks, params, transfer)
        kept: dict[str, list[str]] = defaultdict(list)
        for lid, cid in zip(replayed.learner_ids, replayed.concept_ids, strict=True):
            kept[lid].append(cid)
        tx.delete_stale_mastery({lid: kept.get(lid, []) for lid in full})
        if len(replayed):
            written += tx.write_mastery(replayed.take(_lock_order(replayed)), now, model_version)
    return locked.created, written


def full_replays(new: AnswerColumns, tasks: TaskMap, batch: LockedBatch) -> set[str]:
    """The learners of `new` whose mastery must be replayed from their whole history: stale ones (traced
    under another curriculum revision or model) and those an answer reaches out of order."""
    locked = batch.locked
    in_batch = set(new.learner_ids)
    return (locked.stale & in_batch) | learners_needing_replay(new, tasks, batch.transfer, locked.states)


def transfer_mapping(edges: Sequence[TransferEdge]) -> tuple[dict[str, dict[str, float]], str]:
    """Transfer edges as {source: {target: strength}} and the model version(s) that wrote them."""
    mapping: dict[str, dict[str, float]] = defaultdict(dict)
    versions = set()
    for e in edges:
        mapping[e.source][e.target] = e.strength
        versions.add(e.model_version)
    return dict(mapping), ",".join(sorted(versions))


def reached_states(new: AnswerColumns, tasks: TaskMap, transfer: Transfer) -> dict[str, set[str]]:
    """Per learner, the concepts whose state the new answers change (practised and transfer targets)."""
    reached: dict[str, set[str]] = defaultdict(set)
    for lid, tid in zip(new.learner_ids, new.task_ids, strict=True):
        reached[lid].update(cid for cid, _ in tasks.get(tid, ()))
    return {lid: transfer_targets(cids, transfer) for lid, cids in reached.items()}


def learners_needing_replay(
    new: AnswerColumns, tasks: TaskMap, transfer: Transfer, stored: StoredState
) -> set[str]:
    """Learners with a new answer that is not later than a state it reaches (see the module's rule)."""
    as_of = dict(zip(zip(stored.learner_ids, stored.concept_ids, strict=True), stored.as_of_us, strict=True))
    touched_by_task = {tid: transfer_targets({cid for cid, _ in cs}, transfer) for tid, cs in tasks.items()}
    full: set[str] = set()
    for lid, tid, us in zip(new.learner_ids, new.task_ids, new.answered_us, strict=True):
        if lid in full:
            continue
        if any(
            (at := as_of.get((lid, cid))) is not None and us <= at for cid in touched_by_task.get(tid, ())
        ):
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


def _lock_order(columns: MasteryColumns) -> list[int]:
    """Row order of the mastery writes: by (concept, learner), so concurrent writers lock in one order."""
    keys = list(zip(columns.concept_ids, columns.learner_ids, strict=True))
    return sorted(range(len(keys)), key=keys.__getitem__)
