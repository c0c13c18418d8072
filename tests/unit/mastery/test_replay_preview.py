"""`would_replay`: a dry run's account of the learners the ingest would replay in full (`full_replays`'
rule on states read without locks, moved on by the dry run's earlier batches)."""

from __future__ import annotations

from kgplatform.mastery.recompute import AnswerColumns
from kgplatform.mastery.replay_preview import EarlierBatches, would_replay

TASKS = {"t-a": [("c-a", 1.0)], "t-b": [("c-b", 1.0)]}


def answers(*rows: tuple[str, str, int]) -> AnswerColumns:
    return AnswerColumns(
        [lid for lid, _, _ in rows],
        [f"e-{i}" for i in range(len(rows))],
        [tid for _, tid, _ in rows],
        [1.0] * len(rows),
        [us for _, _, us in rows],
    )


def test_an_answer_not_later_than_the_stored_state_it_reaches_is_a_replay_and_one_elsewhere_is_not() -> None:
    stored = {("l-1", "c-a"): 100, ("l-2", "c-a"): 100}
    stamps = {"l-1": "v", "l-2": "v"}
    new = answers(("l-1", "t-a", 100), ("l-2", "t-b", 50), ("l-3", "t-a", 10))
    assert would_replay(new, TASKS, {}, stamps, stored, "v", EarlierBatches()) == {"l-1"}


def test_transfer_makes_a_target_state_count() -> None:
    stored = {("l-1", "c-b"): 100}
    new = answers(("l-1", "t-a", 50))
    assert would_replay(new, TASKS, {}, {"l-1": "v"}, stored, "v", EarlierBatches()) == set()
    assert would_replay(new, TASKS, {"c-a": {"c-b": 0.3}}, {"l-1": "v"}, stored, "v", EarlierBatches()) == {
        "l-1"
    }


def test_an_earlier_batch_moves_the_states_on_and_stamps_its_learners_current() -> None:
    """The graph read does not hold what the dry run's earlier batches would have stored: a later batch
    older than one of them replays, and a stale learner is replayed once, not in every batch."""
    earlier = EarlierBatches()
    stamps = {"l-1": "old", "l-2": "v"}
    first = answers(("l-1", "t-a", 100), ("l-2", "t-b", 100))
    assert would_replay(first, TASKS, {}, stamps, {}, "v", earlier) == {"l-1"}
    second = answers(("l-1", "t-a", 200), ("l-2", "t-b", 90))
    assert would_replay(second, TASKS, {}, stamps, {}, "v", earlier) == {"l-2"}
