"""Learner data for services: mastery, goals (target concepts), interests (tags), feedback reports."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from kgplatform.api.deps import ServicePrincipal
from kgplatform.api.routes.answers import MasteryServiceDep
from kgplatform.api.routes.jobs import request_learner_recomputes
from kgplatform.mastery.feedback import render_png
from kgplatform.mastery.models import (
    ID_PATTERN,
    MAX_ID_LENGTH,
    FeedbackReport,
    GoalsIn,
    InterestsIn,
    LearnerGoals,
    LearnerInterests,
    LearnerMastery,
)

# The rule POST /answers applies to learner ids: goals and interests create learners too, and a learner
# created here must be one that answers can reach.
LearnerId = Annotated[
    str,
    Path(
        min_length=1,
        max_length=MAX_ID_LENGTH,
        pattern=ID_PATTERN,
        description="The learner's id (no whitespace).",
    ),
]

router = APIRouter(prefix="/learners", tags=["mastery"])


@router.get("/{learner_id}/mastery", summary="Mastery of every concept the learner has practised")
def get_mastery(learner_id: LearnerId, service: MasteryServiceDep, _: ServicePrincipal) -> LearnerMastery:
    return service.mastery(learner_id)


@router.put("/{learner_id}/goals", summary="Replace the learner's goals (target concepts)")
def put_goals(
    learner_id: LearnerId, body: GoalsIn, service: MasteryServiceDep, _: ServicePrincipal, request: Request
) -> LearnerGoals:
    """Creates the learner on first sight; unknown concept ids are a 422 naming them, nothing changed."""
    goals = service.set_goals(learner_id, body.concept_ids)
    plan_inputs_changed(request, learner_id)
    return LearnerGoals(learner_id=learner_id, goals=goals)


@router.put("/{learner_id}/interests", summary="Replace the learner's interests (tags)")
def put_interests(
    learner_id: LearnerId,
    body: InterestsIn,
    service: MasteryServiceDep,
    _: ServicePrincipal,
    request: Request,
) -> LearnerInterests:
    interests = service.set_interests(learner_id, body.tags)
    plan_inputs_changed(request, learner_id)
    return LearnerInterests(learner_id=learner_id, interests=interests)


def plan_inputs_changed(request: Request, learner_id: str) -> None:
    """After a committed goal or interest change: the cached plan was made for the old ones, so it is
    stamped stale (the stamp new answers write) and a recomputation is asked for, as the planner's own
    input stamps (the learner's updated_at) already say. Without it, serving's Redis-only path kept
    showing the plan made for the old goals as fresh until the nightly batch. (Interests are not read by
    the planner yet, docs/planning.md; their plan is recomputed the same, ready for when they are.)"""
    request_learner_recomputes(request, [learner_id])


@router.get(
    "/{learner_id}/report", summary="Strengths and weaknesses: mastered, in progress, blocking, decaying"
)
def get_report(learner_id: LearnerId, service: MasteryServiceDep, _: ServicePrincipal) -> FeedbackReport:
    return service.report(learner_id)


@router.get(
    "/{learner_id}/report.png",
    summary="The report as a picture: mastery across the curriculum",
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "A PNG image."}},
)
def get_report_png(learner_id: LearnerId, service: MasteryServiceDep, _: ServicePrincipal) -> Response:
    png = render_png(service.report(learner_id))
    return Response(png, media_type="image/png", headers={"Cache-Control": "no-store"})
