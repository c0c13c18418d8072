"""The shapes a learner's stored answers are read back in (`GET /learners/{id}/answers`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class StoredAnswer(BaseModel):
    event_id: str
    task_id: str
    score: float = Field(
        description="The answer's result as stored: 1.0/0.0 for `correct` true/false, else the `score` "
        "posted (a posted `correct` and a `score` of 1 or 0 are stored alike)"
    )
    answered_at: datetime = Field(description="When the learner answered (UTC), as posted")
    duration_s: float | None = Field(description="As posted; null when not posted")
    received_at: datetime | None = Field(
        description="When kgplatform stored it (UTC): the time of the request that stored it"
    )


class AnswerPage(BaseModel):
    """One page of `GET /learners/{id}/answers`, in answer-time order (ties by event id)."""

    learner_id: str
    items: list[StoredAnswer]
    next_after: str | None = Field(
        description="Send as `after` for the next page; null on the last page (a full last page gives one "
        "more, empty, page). Opaque: the position after this page's last answer, so an answer stored "
        "later with an earlier time does not shift the next pages (read from the start, or with `since`, "
        "to see it)"
    )
