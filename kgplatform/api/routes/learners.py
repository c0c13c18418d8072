"""Learner data for services: mastery, goals (target concepts), interests (tags), feedback reports."""

from __future__ import annotations

from fastapi import APIRouter

from kgplatform.api.deps import ServicePrincipal
from kgplatform.api.routes.answers import MasteryServiceDep
from kgplatform.mastery.models import GoalsIn, InterestsIn, LearnerGoals, LearnerInterests, LearnerMastery

router = APIRouter(prefix="/learners", tags=["mastery"])


@router.get("/{learner_id}/mastery", summary="Mastery of every concept the learner has practised")
def get_mastery(learner_id: str, service: MasteryServiceDep, _: ServicePrincipal) -> LearnerMastery:
    return service.mastery(learner_id)


@router.put("/{learner_id}/goals", summary="Replace the learner's goals (target concepts)")
def put_goals(
    learner_id: str, body: GoalsIn, service: MasteryServiceDep, _: ServicePrincipal
) -> LearnerGoals:
    """Creates the learner on first sight; unknown concept ids are a 422 naming them, nothing changed."""
    return LearnerGoals(learner_id=learner_id, goals=service.set_goals(learner_id, body.concept_ids))


@router.put("/{learner_id}/interests", summary="Replace the learner's interests (tags)")
def put_interests(
    learner_id: str, body: InterestsIn, service: MasteryServiceDep, _: ServicePrincipal
) -> LearnerInterests:
    return LearnerInterests(learner_id=learner_id, interests=service.set_interests(learner_id, body.tags))
