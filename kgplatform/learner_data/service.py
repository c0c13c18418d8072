"""Reading back a learner's stored answers a page at a time: the checks, the cursor and the 404."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from kgplatform.errors import NotFound
from kgplatform.learner_data.models import AnswerPage, StoredAnswer
from kgplatform.learner_data.paging import (
    Position,
    check_window,
    decode_cursor,
    encode_cursor,
    is_comparable,
)
from kgplatform.learner_data.store import LearnerDataStore, StoredAnswerRow


class LearnerDataService:
    def __init__(self, store: LearnerDataStore) -> None:
        self.store = store

    def answer_page(
        self,
        learner_id: str,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        after: str = "",
        limit: int = 100,
    ) -> AnswerPage:
        """A page of the learner's answers given in [since, until), after the cursor `after`; NotFound
        for an unknown (or erased) learner. Bad input is refused before a query runs."""
        start, end = check_window(since, until)
        rows = self._rows(learner_id, start, end, decode_cursor(after) if after else None, limit)
        # A full page may be the last, which the next (empty) page says (as GET /learners does).
        next_after = (
            encode_cursor(Position(rows[-1].answered_at, rows[-1].event_id)) if len(rows) == limit else None
        )
        return AnswerPage(
            learner_id=learner_id,
            items=[StoredAnswer(**row._asdict()) for row in rows],
            next_after=next_after,
        )

    def learner_record(self, learner_id: str) -> dict[str, Any]:
        """The learner node's properties, goals, interests, mastery and stored plans; NotFound if unknown."""
        record = self.store.learner_record(learner_id)
        if record is None:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        return record

    def all_answers(self, learner_id: str, page_size: int = 5_000) -> Iterator[StoredAnswerRow]:
        """Every stored answer of the learner in answer-time order, read `page_size` at a time (a learner
        with 100,000 answers is never held whole); NotFound when unknown when the first page is read."""
        position: Position | None = None
        start, end = check_window(None, None)
        while True:
            rows = self._rows(learner_id, start, end, position, page_size)
            yield from rows
            if len(rows) < page_size:
                return
            position = Position(rows[-1].answered_at, rows[-1].event_id)

    def _rows(
        self, learner_id: str, start: datetime, end: datetime, position: Position | None, limit: int
    ) -> list[StoredAnswerRow]:
        # `since` is a position too, before every answer given at it (no event id is empty): the later
        # of it and the cursor is where the page starts.
        if position is None or (position.answered_at, position.event_id) < (start, ""):
            position = Position(start, "")
        # Neo4j compares the cursor's event id with stored ones by UTF-16 units, and orders stored ones by
        # code point (learner_data/get_answer_page): for a cursor with a character where the two differ,
        # the rest of its group of ties is read here and kept in code point order, Python's.
        exact = is_comparable(position.event_id)
        ties = [] if exact else self._ties_after(learner_id, position, end)
        if len(ties) >= limit:
            return ties[:limit]  # stored answers of the id: the learner exists (an erase takes both)
        rows = self.store.answer_page(
            learner_id,
            until=end,
            after_at=position.answered_at,
            after_event=position.event_id,
            ties=exact,
            limit=limit - len(ties),
        )
        if rows is None:
            raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")
        return ties + rows

    def _ties_after(self, learner_id: str, position: Position, end: datetime) -> list[StoredAnswerRow]:
        group = self.store.answers_at(learner_id, position.answered_at, end)
        return sorted((r for r in group if r.event_id > position.event_id), key=lambda r: r.event_id)
