"""Which learners an ingest would replay from their whole history, told without writing (for
`kgplatform ingest --dry-run`): the rule of `updater.full_replays` applied to states read without locks,
moved on by what the dry run's earlier batches would have stored (the graph does not hold those yet)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from kgplatform.mastery.recompute import AnswerColumns, StoredState, transfer_targets
from kgplatform.mastery.updater import TaskMap, Transfer, learners_needing_replay, reached_states


@dataclass
class EarlierBatches:
    """What the earlier batches of a dry run would have left in the graph for the replay rule: per
    (learner, concept) the newest answer time reaching that state, and the learners they would have
    stamped with the current stamp (a learner replayed once for a stale stamp is current afterwards)."""

    as_of_us: dict[tuple[str, str], int] = field(default_factory=dict)
    stamped: set[str] = field(default_factory=set)


def would_replay(
    new: AnswerColumns,
    tasks: TaskMap,
    transfer: Transfer,
    stamps: Mapping[str, str | None],
    stored_as_of: Mapping[tuple[str, str], int | None],
    current_stamp: str,
    earlier: EarlierBatches,
) -> set[str]:
    """The learners of `new` (the answers a batch would store) whose whole history the ingest would
    replay: stamped otherwise than `current_stamp` (and not stamped by an earlier batch), or with an answer
    not later than a state it reaches. Then moves `earlier` on by these answers."""
    reached = reached_states(new, tasks, transfer)
    stale = {
        lid
        for lid in reached
        if lid not in earlier.stamped and stamps.get(lid) is not None and stamps[lid] != current_stamp
    }
    pairs = {(lid, cid) for lid, cids in reached.items() for cid in cids}
    as_of: dict[tuple[str, str], int] = {}
    for pair in pairs:
        times = [t for t in (stored_as_of.get(pair), earlier.as_of_us.get(pair)) if t is not None]
        if times:
            as_of[pair] = max(times)
    states = StoredState(
        [lid for lid, _ in as_of], [cid for _, cid in as_of], [], [], [], [], list(as_of.values()), [], []
    )
    full = stale | learners_needing_replay(new, tasks, transfer, states)
    # The states each answer reaches now hold at least its time (a replay, too, ends at the newest).
    reaches = {tid: transfer_targets({cid for cid, _ in cs}, transfer) for tid, cs in tasks.items()}
    for lid, tid, us in zip(new.learner_ids, new.task_ids, new.answered_us, strict=True):
        for cid in reaches.get(tid, ()):
            if earlier.as_of_us.get((lid, cid), us - 1) < us:
                earlier.as_of_us[(lid, cid)] = us
    earlier.stamped.update(reached)
    return full
