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
        after = (params["after_at"], params["after_event"])
        found = [
            r for r in self.rows if (r.answered_at, r.event_id) > after and r.answered_at < params["until"]
        ]
        return found[: params["limit"]]

    def learner_record(self, learner_id: str) -> dict[str, Any] | None:
        return None if self.rows is None else {"learner": {}}


def test_since_starts_the_page_before_every_answer_given_at_it() -> None:
    store = FakeStore([])
    since = T0 + timedelta(hours=1)
    LearnerDataService(store).answer_page("ann", since=since, limit=10)  # type: ignore[arg-type]
    assert store.calls == [{"until": LATEST, "after_at": since, "after_event": "", "limit": 10}]


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
