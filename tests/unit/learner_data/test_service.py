"""Paging a learner's answers over a recording fake store: what the query is asked for, the cursor it
hands back, the 404."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgplatform.errors import NotFound
from kgplatform.learner_data.paging import EARLIEST, LATEST, Position, decode_cursor, encode_cursor
from kgplatform.learner_data.service import LearnerDataService
from kgplatform.learner_data.store import StoredAnswerRow

T0 = datetime(2026, 12, 4, 9, tzinfo=UTC)


def _row(i: int, at: datetime = T0) -> StoredAnswerRow:
    return StoredAnswerRow(f"e{i:03d}", "t1", 1.0, at, None, at)


class FakeStore:
    """Answers `answer_page` from a list sorted as the query sorts, recording each call's parameters."""

    def __init__(self, rows: list[StoredAnswerRow] | None) -> None:
        self.rows = rows
        self.calls: list[dict[str, Any]] = []

    def answer_page(self, learner_id: str, **params: Any) -> list[StoredAnswerRow] | None:
        self.calls.append(params)
        if self.rows is None:
            return None
        at, event = params["after_at"], params["after_event"]
        found = [
            r
            for r in self.rows
            if (r.answered_at > at or (params["ties"] and r.answered_at == at and r.event_id > event))
            and r.answered_at < params["until"]
        ]
        return found[: params["limit"]]

    def answers_at(self, learner_id: str, at: datetime, until: datetime) -> list[StoredAnswerRow]:
        self.calls.append({"answers_at": at})
        return [r for r in reversed(self.rows or []) if r.answered_at == at and r.answered_at < until]

    def learner_record(self, learner_id: str) -> dict[str, Any] | None:
        return None if self.rows is None else {"learner": {}}


def test_since_starts_the_page_before_every_answer_given_at_it() -> None:
    store = FakeStore([])
    since = T0 + timedelta(hours=1)
    LearnerDataService(store).answer_page("ann", since=since, limit=10)  # type: ignore[arg-type]
    assert store.calls == [{"until": LATEST, "after_at": since, "after_event": "", "ties": True, "limit": 10}]


def test_a_cursor_before_since_is_overtaken_by_since_and_one_after_it_is_kept() -> None:
    store = FakeStore([])
    service = LearnerDataService(store)  # type: ignore[arg-type]
    since = T0 + timedelta(hours=1)
    service.answer_page("ann", since=since, after=encode_cursor(Position(T0, "zzz")))
    later = Position(since + timedelta(seconds=1), "e1")
    service.answer_page("ann", since=since, after=encode_cursor(later))
    assert [(c["after_at"], c["after_event"]) for c in store.calls] == [
        (since, ""),
        (later.answered_at, "e1"),
    ]


def test_a_full_page_hands_back_its_last_position_and_a_short_one_none() -> None:
    rows = [_row(i) for i in range(5)]  # five ties on one time
    service = LearnerDataService(FakeStore(rows))  # type: ignore[arg-type]
    first = service.answer_page("ann", limit=3)
    assert [a.event_id for a in first.items] == ["e000", "e001", "e002"]
    assert first.next_after is not None and decode_cursor(first.next_after) == Position(T0, "e002")
    second = service.answer_page("ann", after=first.next_after, limit=3)
    assert [a.event_id for a in second.items] == ["e003", "e004"] and second.next_after is None


def test_an_unknown_learner_is_not_found_naming_learner_id() -> None:
    service = LearnerDataService(FakeStore(None))  # type: ignore[arg-type]
    with pytest.raises(NotFound) as missing:
        service.answer_page("nobody")
    assert missing.value.field == "learner_id"
    with pytest.raises(NotFound):
        list(service.all_answers("nobody"))


def test_all_answers_reads_page_after_page_until_a_short_one() -> None:
    rows = [_row(i, T0 + timedelta(seconds=i // 3)) for i in range(10)]
    store = FakeStore(rows)
    assert list(LearnerDataService(store).all_answers("ann", page_size=4)) == rows  # type: ignore[arg-type]
    assert [c["limit"] for c in store.calls] == [4, 4, 4]
    assert store.calls[0]["after_at"] == EARLIEST


def test_a_cursor_past_u_d800_reads_its_ties_itself_in_code_point_order() -> None:
    """Neo4j compares such an id with stored ones by UTF-16 units (learner_data/get_answer_page): the ties
    after it are read whole and kept in Python's order, and the page query is told to leave them out."""
    ids = sorted(["t\uffff", "t\U00010000", "t\U0010ffff", "t\ue000", "ta"])
    rows = [StoredAnswerRow(i, "t1", 1.0, T0, None, T0) for i in ids] + [_row(9, T0 + timedelta(seconds=1))]
    store = FakeStore(rows)
    service = LearnerDataService(store)  # type: ignore[arg-type]
    cursor = encode_cursor(Position(T0, "t\ue000"))
    page = service.answer_page("ann", after=cursor, limit=2)
    assert [a.event_id for a in page.items] == ["t\uffff", "t\U00010000"]
    assert store.calls == [{"answers_at": T0}]  # a page filled by the ties alone: no page query
    page = service.answer_page("ann", after=cursor, limit=5)
    assert [a.event_id for a in page.items] == ["t\uffff", "t\U00010000", "t\U0010ffff", "e009"]
    assert store.calls[-1]["ties"] is False and store.calls[-1]["limit"] == 2
    # A cursor of characters below U+D800 compares alike in both orders: one query.
    store.calls.clear()
    service.answer_page("ann", after=encode_cursor(Position(T0, "t\ud7ff")), limit=5)
    assert len(store.calls) == 1 and store.calls[0]["ties"] is True
