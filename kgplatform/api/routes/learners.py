"""Learner data: mastery, goals (target concepts), interests (tags), feedback reports. Services read and
write it; teachers read it (a teacher key changes nothing of a learner)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response, status
from pydantic import AfterValidator, AwareDatetime, BeforeValidator

from kgplatform.api.deps import (
    LearnerReaderPrincipal,
    Limit,
    ScopedLearnerReader,
    ServicePrincipal,
    header_text,
)
from kgplatform.api.etags import with_headers
from kgplatform.api.params import LearnerId
from kgplatform.api.report_pictures import ReportPictures
from kgplatform.api.routes.answers import MasteryServiceDep
from kgplatform.api.routes.jobs import request_learner_recomputes
from kgplatform.audit.window import in_utc
from kgplatform.curriculum.versions import not_modified
from kgplatform.mastery.erasure import erase_learner as erase_learner_everywhere
from kgplatform.mastery.feedback_picture import picture_of
from kgplatform.mastery.models import (
    MAX_ID_LENGTH,
    ErasedLearner,
    FeedbackReport,
    GoalsIn,
    InterestsIn,
    LearnerGoals,
    LearnerInterests,
    LearnerList,
    LearnerMastery,
    iso_time_text,
    learner_id_characters,
)
from kgplatform.mastery.report_lists import with_totals

router = APIRouter(prefix="/learners", tags=["mastery"])
logger = logging.getLogger(__name__)


# What a route reading an existing learner adds to the platform's own errors (`api.openapi`).
UNKNOWN_LEARNER: dict[int | str, dict[str, Any]] = {
    404: {
        "description": "No learner with this id, or, for a teacher key scoped to classes, none in its "
        "classes (answered alike: `field: learner_id`)"
    }
}
# The same for the routes no teacher key may call (a 403 comes first): their 404 spoke of scoped teacher
# keys, which an integrator read as a teacher key reaching them (a review, 4 December).
UNKNOWN_LEARNER_NO_TEACHER: dict[int | str, dict[str, Any]] = {
    404: {"description": "No learner with this id (`field: learner_id`)"}
}


# Bounded and checked as ids are (`LearnerId`): a longer prefix or one with a character no id holds
# matches no learner, and is a 422 naming the parameter before a query runs. The empty default passes the
# character check (it finds no refused character).
Prefix = Annotated[
    str,
    Query(max_length=MAX_ID_LENGTH, description="Only ids starting with this (case-sensitive)."),
    AfterValidator(learner_id_characters),
]
After = Annotated[
    str,
    Query(max_length=MAX_ID_LENGTH, description="The previous page's `next_after` (none: the first page)."),
    AfterValidator(learner_id_characters),
]


# Read as POST /answers reads answered_at: ISO 8601 text with an offset only; a naive time (whose zone the
# server would have to guess, hours off) or a number (pydantic took `2026` as seconds after 1970) is a 422.
ActiveSince = Annotated[
    AwareDatetime | None,
    BeforeValidator(iso_time_text),
    Query(
        description="Only learners whose newest stored answer was given at or after this instant (ISO 8601 "
        "with an offset). A page reads at most 5,000 learners of its range: it may then list fewer than "
        "`limit`, with `next_after` to go on from."
    ),
]


@router.get("", summary="Find learners: ids starting with a prefix, a page at a time, in id order")
def list_learners(
    service: MasteryServiceDep,
    principal: LearnerReaderPrincipal,
    prefix: Prefix = "",
    after: After = "",
    limit: Limit = 50,
    active_since: ActiveSince = None,
) -> LearnerList:
    """For a teacher who knows only the start of a learner's id. Each learner comes with their answer count
    and `last_answered_at`, the time the newest of them was given (null without answers), to tell who has
    been active. Keyset paging: a learner created or erased between two pages neither shifts nor repeats
    the others. Erased learners are not listed. A teacher key scoped to classes lists only their members.
    `active_since` keeps those who answered at or after it (docs/api.md, "Finding a learner", says its
    cost)."""
    # In UTC here, as the audit trails' since/until: a time at the calendar's edge in another zone has no
    # UTC form (`0001-01-01T00:00:00+01:00`), and the service's conversion was a 500.
    since = in_utc(active_since, "active_since")
    return service.list_learners(prefix, after, limit, principal.classes, since)


@router.get(
    "/{learner_id}/mastery",
    summary="Mastery of every concept the learner has practised",
    responses=UNKNOWN_LEARNER,
)
def get_mastery(learner_id: LearnerId, service: MasteryServiceDep, _: ScopedLearnerReader) -> LearnerMastery:
    return service.mastery(learner_id)


@router.get("/{learner_id}/goals", summary="The learner's goals (target concepts)", responses=UNKNOWN_LEARNER)
def get_goals(learner_id: LearnerId, service: MasteryServiceDep, _: ScopedLearnerReader) -> LearnerGoals:
    return LearnerGoals(learner_id=learner_id, goals=sorted(service.learner(learner_id)["goals"]))


@router.get(
    "/{learner_id}/interests",
    summary="The learner's interests (tags the planner favours among comparable tasks)",
    responses=UNKNOWN_LEARNER,
)
def get_interests(
    learner_id: LearnerId, service: MasteryServiceDep, _: ScopedLearnerReader
) -> LearnerInterests:
    return LearnerInterests(learner_id=learner_id, interests=sorted(service.learner(learner_id)["interests"]))


@router.put("/{learner_id}/goals", summary="Replace the learner's goals (target concepts)")
def put_goals(
    learner_id: LearnerId, body: GoalsIn, service: MasteryServiceDep, _: ServicePrincipal, request: Request
) -> LearnerGoals:
    """Creates the learner on first sight; unknown concept ids are a 422 naming them, nothing changed."""
    goals, changed = service.set_goals(learner_id, body.concept_ids)
    if changed:
        plan_inputs_changed(request, learner_id)
    return LearnerGoals(learner_id=learner_id, goals=goals)


@router.put(
    "/{learner_id}/interests",
    summary="Replace the learner's interests (tags the planner favours among comparable tasks)",
)
def put_interests(
    learner_id: LearnerId,
    body: InterestsIn,
    service: MasteryServiceDep,
    _: ServicePrincipal,
    request: Request,
) -> LearnerInterests:
    """Creates the learner on first sight. A concept carrying one of these tags gets a small bonus in the
    plan (less than a task of the right difficulty, never more than the goals: docs/planning.md), and
    its task's reason says so. Tags match whatever their case and surrounding spaces; a tag no concept
    carries is kept and changes no plan."""
    interests, changed = service.set_interests(learner_id, body.tags)
    if changed:
        plan_inputs_changed(request, learner_id)
    return LearnerInterests(learner_id=learner_id, interests=interests)


@router.delete(
    "/{learner_id}",
    summary="Erase a learner: answers, mastery, goals, interests and plans",
    responses=UNKNOWN_LEARNER_NO_TEACHER,
)
def erase_learner(
    learner_id: LearnerId, service: MasteryServiceDep, principal: ServicePrincipal, request: Request
) -> ErasedLearner:
    """For a learner who leaves, or asks to be forgotten. Everything stored about them goes, in one
    transaction, and their plan and answer stamp in Redis after it. Of their answers only a digest of each
    event id is kept (no learner id, content or time): a service that posts one of them again (a retry
    queue, a re-sync) has that row rejected as `erased`, so the learner is not re-created; an answer with a
    new event id is stored, for a new learner of the same id. The cached plan is replaced by a mark dated
    at the erase, which refuses any plan made before it (one being computed for them at that moment).
    `redis_cleared` false: Redis was not reached, and the cached plan stays until then; repeat the DELETE
    once it answers: a 404 saying nothing of theirs is left in Redis means done, a 503 that Redis is still
    away."""
    pending = getattr(request.app.state, "pending_erasures", None)
    erased = erase_learner_everywhere(service, request.app.state.redis, learner_id, pending)
    # Their picture in this process's cache goes too (other API processes drop theirs as it ages out).
    request.app.state.report_pictures.forget(learner_id)
    logger.info(
        "learner %s erased by key %s: %d answers, %d mastery, %d plans",
        learner_id,
        principal.name,
        erased.answers,
        erased.mastery,
        erased.plans,
    )
    return erased


def plan_inputs_changed(request: Request, learner_id: str) -> None:
    """After a committed change of the goals or interests (the same set sent again changes nothing, and
    leaves the plan fresh): the cached plan was made for the old ones, so it is
    stamped stale (the stamp new answers write) and a recomputation is asked for, as the planner's own
    input stamps (the learner's updated_at) already say. Without it, serving's Redis-only path kept
    showing the plan made for the old goals as fresh until the nightly batch."""
    request_learner_recomputes(request, [learner_id])


@router.get(
    "/{learner_id}/report",
    summary="Strengths and weaknesses: mastered, in progress, blocking, decaying",
    responses=UNKNOWN_LEARNER,
)
def get_report(
    learner_id: LearnerId,
    service: MasteryServiceDep,
    _: ScopedLearnerReader,
    concepts: Annotated[
        bool,
        Query(
            description="false: `concepts` is an empty list, for a client that shows the report's other "
            "lists only, as the web page's Learner view does (every concept of a 3,000-concept curriculum "
            "was 740 KB of a 760 KB report)"
        ),
    ] = True,
    blocks: Annotated[
        int | None,
        Query(
            ge=1,
            description="At most this many targets in each blocking prerequisite's `blocks` (goals in "
            "prerequisite order, else the weakest concepts in progress first), `blocks_total` counting them "
            "all; default: every one. A learner without goals aims at every concept in progress, and each "
            "blocker listed them all: 2.9 MB of blockers in a 3,000-concept report with 400 in progress",
        ),
    ] = None,
    items: Annotated[
        int | None,
        Query(
            ge=1,
            description="At most this many entries in each of the report's lists but `goals` and `concepts`, "
            "the first in each list's order, and `totals` giving each list's whole length; the summary "
            "speaks of the whole report. Default: every list whole (a 3,000-concept curriculum's learner had "
            "2,124 blocking prerequisites, 616 KB of the report without `concepts`)",
        ),
    ] = None,
) -> FeedbackReport:
    report = service.report(learner_id, with_concepts=concepts, blocks_shown=blocks)
    return with_totals(report, items)


# The picture's ETag, as the report.png route sends it.
PICTURE_ETAG = {
    "ETag": {
        "description": "What the picture is made from, to the minute its title names: send it as "
        "If-None-Match to be answered 304 while that is the same (a new answer, goal, interest, curriculum "
        "edit, transfer model or the next minute changes the ETag)",
        "schema": {"type": "string"},
    }
}


@router.get(
    "/{learner_id}/report.png",
    summary="The report as a picture: mastery across the curriculum",
    response_class=Response,
    responses={
        200: {"content": {"image/png": {}}, "description": "A PNG image.", **with_headers(PICTURE_ETAG)},
        304: {
            "description": "Not modified: the If-None-Match named the picture's current ETag, so the copy "
            "the client holds is what it would be sent (no body)",
            **with_headers(PICTURE_ETAG),
        },
        **UNKNOWN_LEARNER,
    },
)
def get_report_png(
    learner_id: LearnerId,
    service: MasteryServiceDep,
    _: ScopedLearnerReader,
    request: Request,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            description="The ETag of a picture the client holds: when this one would be the same, the "
            "answer is 304 without a body",
            json_schema_extra=header_text(),
        ),
    ] = None,
) -> Response:
    """The picture's ETag comes from the report's inputs (`MasteryService.report_inputs`: one small read of
    their stamps, and the minute the picture names), so a request naming the current one is a 304 without
    the report's read, which took about a second of a busy machine on a 1,500-concept curriculum (a
    review, 4 December). Otherwise the report is read, decayed to the start of that minute (what the ETag
    and the title name), and the picture is drawn only when no request drew the same one before
    (`ReportPictures`): drawing took seconds on a large curriculum (a review, 3 December)."""
    pictures: ReportPictures = request.app.state.report_pictures
    # The minute's start, for the ETag and the report alike: the ETag names the minute (the picture's title
    # does too), so every picture sent under it must be the same. Decayed to the second it was read, two
    # reads of one minute drew different bars (or statuses) under one ETag, and a 304 late in the minute
    # confirmed a copy that a 200 would no longer send (a review, 4 December).
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    # The stamps before the report: a change committed between the two reads leaves a picture newer than
    # its ETag, which the next request's stamps then replace, never an ETag newer than its picture.
    # no-store still (a learner's data stays out of every cache); the client keeps the copy if it wants.
    headers = {
        "ETag": pictures.inputs_etag(service.report_inputs(learner_id, now)),
        "Cache-Control": "no-store",
    }
    if not_modified(if_none_match, headers["ETag"]):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    picture = picture_of(service.report(learner_id, now))
    return Response(pictures.png(picture, owner=learner_id), media_type="image/png", headers=headers)
