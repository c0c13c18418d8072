"""A learner's stored answers read back, for the service that posted them (reconciliation after a timeout)
and for answering a learner's data-access request. Service and admin keys only: see `list_answers`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse
from pydantic import AwareDatetime, BeforeValidator

from kgplatform.api.deps import AdminPrincipal, ServicePrincipal
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.api.params import LearnerId
from kgplatform.api.routes.learners import UNKNOWN_LEARNER_NO_TEACHER
from kgplatform.learner_data.export import ERASED_KINDS, Export
from kgplatform.learner_data.models import AnswerPage
from kgplatform.learner_data.paging import MAX_CURSOR_LENGTH
from kgplatform.learner_data.service import LearnerDataService
from kgplatform.learner_data.store import LearnerDataStore
from kgplatform.mastery.models import iso_time_text

router = APIRouter(prefix="/learners", tags=["mastery"])


def get_learner_data_service(graph: BoundedGraphDep) -> LearnerDataService:
    return LearnerDataService(LearnerDataStore(graph))


LearnerDataServiceDep = Annotated[LearnerDataService, Depends(get_learner_data_service)]
AnswersLimit = Annotated[int, Query(ge=1, le=500, description="Answers per page (1..500).")]
# Read as POST /answers reads answered_at (`iso_time_text`): ISO 8601 text only, where pydantic alone took
# `since=2026` as 2026 seconds after 1970 and answered 200 with a window nobody asked for; an hours-only
# offset (`+01`) gets its minutes.
AnswerTime = Annotated[AwareDatetime | None, BeforeValidator(iso_time_text)]


@router.get(
    "/{learner_id}/answers",
    summary="The learner's stored answers, a page at a time, in answer-time order",
    responses=UNKNOWN_LEARNER_NO_TEACHER,
)
def list_answers(
    learner_id: LearnerId,
    service: LearnerDataServiceDep,
    _: ServicePrincipal,
    since: Annotated[
        AnswerTime,
        Query(description="Only answers given at or after this time (ISO 8601 with an offset)."),
    ] = None,
    until: Annotated[
        AnswerTime,
        Query(description="Only answers given before this time (ISO 8601 with an offset); after `since`."),
    ] = None,
    after: Annotated[
        str,
        Query(
            max_length=MAX_CURSOR_LENGTH, description="The previous page's `next_after` (none: the first)."
        ),
    ] = "",
    limit: AnswersLimit = 100,
) -> AnswerPage:
    """Every answer stored for the learner, as it was stored: for a service checking which of the event ids
    it posted were stored (after a timeout: ask for the window of the batch's answer times), and for a
    school answering a learner's request for their data (`kgplatform export-learner` gives the rest).
    In order of `answered_at`, ties by `event_id`; keyset paging (`after`): answers stored between two
    pages neither shift nor repeat the others, and one stored late with an earlier time than the page read
    shows only on a new read from the start (or from `since`). 404 for an unknown or erased learner.
    Not for teacher keys: a teacher sees what the learner view shows (mastery, report, plan), not the raw
    event log, which a teacher key (read access to every learner) does not need."""
    return service.answer_page(learner_id, since=since, until=until, after=after, limit=limit)


EXPORT_BODY = {
    "description": "Everything stored about the learner, as `kgplatform export-learner` writes it "
    "(docs/learner-data.md, Exporting a learner): sent as it is read, so a failure part-way (the learner "
    "erased meanwhile, Neo4j lost) ends the body early, as JSON that does not parse",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["format", "exported_at", "learner_id", *ERASED_KINDS],
                "properties": {
                    "format": {"type": "string"},
                    "exported_at": {"type": "string", "format": "date-time"},
                    "learner_id": {"type": "string"},
                    "answers": {
                        "type": "array",
                        "items": AnswerPage.model_json_schema()["$defs"]["StoredAnswer"],
                    },
                },
            }
        }
    },
}


@router.get(
    "/{learner_id}/export",
    summary="Everything stored about the learner, as one JSON document (a data-access request)",
    response_class=StreamingResponse,
    responses={200: EXPORT_BODY, **UNKNOWN_LEARNER_NO_TEACHER},
)
def export_learner(
    learner_id: LearnerId, service: LearnerDataServiceDep, _: AdminPrincipal, request: Request
) -> StreamingResponse:
    """For a school answering a learner's request for their data (GDPR art. 15): the learner, goals,
    interests, mastery, stored and cached plans, classes and every answer; what `DELETE /learners/{id}`
    erases.
    Admin keys only: it is the whole record, Redis's part included, where a service pages the answers it
    posted (`GET /learners/{id}/answers`). 404 before anything is sent for an unknown learner, 503 when
    Redis is away (the export would lack the cached plan). The answers are read 5,000 a page as the body
    is sent: a learner with 100,000 answers is never held in memory whole."""
    export = Export(service, request.app.state.redis, learner_id)
    return StreamingResponse(export.chunks(), media_type="application/json")
