"""A replay of an erased learner's answers (a retry queue, an LMS re-sync) must not re-create the learner:
each such row is rejected as `erased`, the rest of the batch is judged as usual, and new event ids for the
same learner id make a new learner. What the erase keeps is a digest per event id, nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.errors import Conflict, ValidationFailed
from kgplatform.mastery.models import AnswerBatchResult, AnswerIn
from kgplatform.mastery.service import MasteryService, judge_rows, stored_row
from kgplatform.mastery.store import MasteryStore, erased_answer_key
from tests.unit.mastery.fake_store import FakeMasteryStore
from tests.unit.mastery.test_service import TASKS, log


def erased_setup() -> tuple[
    MasteryService, FakeMasteryStore, str, list[dict[str, Any]], list[dict[str, Any]]
]:
    """Two learners' answers stored, the first learner erased: (service, store, erased id, their answers,
    the other learner's answers)."""
    store = FakeMasteryStore(TASKS)
    service = MasteryService(store)  # type: ignore[arg-type]
    rows = log(60, learners=2, seed=4)
    gone = rows[0]["learner_id"]
    service.ingest(rows)
    erased = service.erase(gone)
    theirs = [r for r in rows if r["learner_id"] == gone]
    assert erased.answers == len(theirs) > 0 and gone not in store.learners
    return service, store, gone, theirs, [r for r in rows if r["learner_id"] != gone]


def fresh(rows: list[dict[str, Any]], tag: str) -> list[dict[str, Any]]:
    """The same answers under new event ids."""
    return [{**r, "event_id": f"{r['event_id']}-{tag}"} for r in rows]


def test_replaying_an_erased_learners_answers_one_by_one_rejects_each_and_creates_no_learner() -> None:
    service, store, gone, theirs, _ = erased_setup()
    for row in theirs:
        result = service.ingest([row])
        assert result.accepted == [] and result.duplicates == [] and result.learners_created == 0
        [rejected] = result.rejected
        assert (rejected.index, rejected.event_id, rejected.reason, rejected.field) == (
            0,
            row["event_id"],
            "erased",
            "event_id",
        )
        assert "erased" in rejected.message
    # Before the fix each replayed row was accepted and the learner came back with mastery.
    assert gone not in store.learners
    assert not [pair for pair in store.mastery if pair[0] == gone]
    assert not [a for a in store.answers.values() if a["learner_id"] == gone]


def test_a_mixed_batch_stores_the_other_rows_and_rejects_only_the_erased_ones() -> None:
    service, store, gone, theirs, others = erased_setup()
    new_of_others = fresh(others[:10], "new")
    batch = [*theirs[:5], *new_of_others, *theirs[5:10]]
    result = service.ingest(batch)
    assert result.accepted == [r["event_id"] for r in new_of_others]
    assert [(r.index, r.reason) for r in result.rejected] == [
        (i, "erased") for i, r in enumerate(batch) if r["learner_id"] == gone
    ]
    assert result.learners_created == 0 and gone not in store.learners
    assert {r["event_id"] for r in new_of_others} <= set(store.answers)


def test_an_atomic_batch_with_an_erased_row_stores_nothing_and_is_a_409_listing_it() -> None:
    service, store, gone, theirs, others = erased_setup()
    before = (dict(store.answers), dict(store.learners), dict(store.mastery))
    new_of_others = fresh(others[:3], "new")
    with pytest.raises(Conflict) as refused:
        service.ingest([new_of_others[0], theirs[0], *new_of_others[1:]], atomic=True)
    listed = [(r["index"], r["reason"], r["field"]) for r in refused.value.details["rejected"]]
    assert listed == [(1, "erased", "event_id")] and refused.value.field == "event_id"
    assert (store.answers, store.learners, store.mastery) == before
    # With a malformed row beside it, the refusal is a 422 (as for a conflict beside one), naming it.
    with pytest.raises(ValidationFailed) as mixed:
        service.ingest([theirs[0], {**new_of_others[0], "correct": "maybe"}], atomic=True)
    assert [r["reason"] for r in mixed.value.details["rejected"]] == ["erased", "invalid"]
    assert mixed.value.field == "correct"
    # Without the erased rows the same batch is stored whole.
    assert service.ingest(new_of_others, atomic=True).accepted == [r["event_id"] for r in new_of_others]
    assert gone not in store.learners


def test_every_row_of_an_erased_event_id_is_rejected_repeats_and_other_content_included() -> None:
    service, store, gone, theirs, _ = erased_setup()
    row = theirs[0]
    other_learner = {**row, "learner_id": "someone-else"}  # the id alone decides: nothing else was kept
    result = service.ingest([row, row, {**row, "correct": not row["correct"]}, other_learner])
    assert [(r.index, r.reason) for r in result.rejected] == [(i, "erased") for i in range(4)]
    assert result.accepted == [] and result.duplicates == []
    assert not {gone, "someone-else"} & set(store.learners)


def test_new_event_ids_for_the_erased_learner_id_make_a_new_learner_from_them_alone() -> None:
    service, store, gone, theirs, _ = erased_setup()
    again = fresh(theirs[:3], "after")
    result = service.ingest([theirs[3], *again])
    assert result.accepted == [r["event_id"] for r in again] and result.learners_created == 1
    assert [r.reason for r in result.rejected] == ["erased"]
    assert sorted(a["event_id"] for a in store.answers.values() if a["learner_id"] == gone) == sorted(
        r["event_id"] for r in again
    )
    attempts = sum(m["attempts"] for (lid, _), m in store.mastery.items() if lid == gone)
    assert attempts == sum(len(TASKS[r["task_id"]]) for r in again)


def test_a_stored_answer_is_still_a_duplicate_and_an_unknown_task_still_unknown() -> None:
    """The erased check adds a reason; it changes nothing for rows whose event id was never erased."""
    service, store, _, theirs, others = erased_setup()
    unknown = {**fresh(others[:1], "x")[0], "task_id": "nope"}
    result = service.ingest([others[0], unknown, {**theirs[0], "task_id": "nope"}])
    assert result.duplicates == [others[0]["event_id"]]
    assert [(r.index, r.reason) for r in result.rejected] == [(1, "unknown_task"), (2, "erased")]


def test_an_answer_read_both_stored_and_erased_is_a_duplicate() -> None:
    """An erase committing while the ingest's context statement runs can leave an event id among the
    stored answers it read and among the erased ones read after them (docs/tracing.md): stored answers are
    judged first, so the client hears "duplicate" for an answer it sent before, as it would a moment
    earlier, never "erased"."""
    answer = AnswerIn.model_validate(log(1, learners=1, seed=9)[0])
    result = AnswerBatchResult()
    created = judge_rows(
        result, [(0, answer)], [], set(TASKS), {answer.event_id: stored_row(answer)}, {answer.event_id}
    )
    assert created == [] and result.duplicates == [answer.event_id] and result.rejected == []


def test_the_key_kept_is_a_digest_that_names_neither_the_event_nor_the_learner() -> None:
    event_id = "lms-ada-2026-01-05T08:00"
    key = erased_answer_key(event_id)
    assert key == erased_answer_key(event_id) and len(key) == 32 and int(key, 16) >= 0
    assert "ada" not in key and key != erased_answer_key("lms-ada-2026-01-05T08:01")


class Recorded:
    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def values(self) -> list[Any]:
        return self.rows

    def single(self) -> Any:
        return self.rows[0] if self.rows else None

    def consume(self) -> None:
        return None


class RecordingTx:
    """A transaction that records each statement and answers from `answers`, by query text."""

    def __init__(self, answers: dict[str, list[Any]]) -> None:
        self.answers = answers
        self.sent: list[tuple[str, dict[str, Any]]] = []

    def run(self, text: str, params: dict[str, Any] | None = None, **kwargs: Any) -> Recorded:
        from kgplatform.graph.queries import query_text

        name = next(n for n in self.answers if query_text(n) == text)
        self.sent.append((name, {**(params or {}), **kwargs}))
        return Recorded(self.answers[name])


def test_the_ingest_looks_the_whole_batch_up_in_its_one_context_statement() -> None:
    """One batched lookup per batch (the ingest is performance-sensitive): the digests travel with the event
    ids in mastery/get_ingest_context, and the erased ones come back as event ids."""
    from kgplatform.mastery.store import IngestTx

    event_ids = [f"e-{i}" for i in range(5)]
    tx = RecordingTx(
        {"mastery/get_ingest_context": [[[], [], [erased_answer_key("e-3")], [], 0, None, False]]}
    )
    context = IngestTx(tx).context(["t"], event_ids)  # type: ignore[arg-type]
    [(name, params)] = tx.sent
    assert name == "mastery/get_ingest_context"
    assert params["erased_digests"] == [erased_answer_key(e) for e in event_ids]
    assert context.erased == {"e-3"}


class OneTxGraph:
    def __init__(self, tx: RecordingTx) -> None:
        self.tx = tx

    def execute_write(self, work: Any) -> Any:
        return work(self.tx)


def test_the_erase_keeps_the_digests_of_the_answers_it_deletes_in_its_transaction() -> None:
    counts = {"answers": 2, "mastery": 1, "plans": 0}
    tx = RecordingTx(
        {
            "mastery/lock_learner_answers": [{"event_ids": ["e-2", "e-1"]}],
            "mastery/create_erased_answers": [{"kept": 2}],
            "mastery/erase_learner": [counts],
        }
    )
    assert MasteryStore(OneTxGraph(tx)).erase_learner("ada") == counts  # type: ignore[arg-type]
    assert [name for name, _ in tx.sent] == [
        "mastery/lock_learner_answers",
        "mastery/create_erased_answers",
        "mastery/erase_learner",
    ]
    assert tx.sent[1][1] == {"digests": sorted([erased_answer_key("e-1"), erased_answer_key("e-2")])}
    assert "ada" not in repr(tx.sent[1][1])  # no learner id kept


def test_erasing_an_unknown_learner_keeps_nothing() -> None:
    tx = RecordingTx({"mastery/lock_learner_answers": [], "mastery/erase_learner": []})
    assert MasteryStore(OneTxGraph(tx)).erase_learner("nobody") is None  # type: ignore[arg-type]
    assert [name for name, _ in tx.sent] == ["mastery/lock_learner_answers"]
