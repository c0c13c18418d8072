"""GET /learners/{learner_id}/next-tasks: the learner's next tasks, with reasons, for services and teachers.

Thin on purpose: `kgplatform.api.plan_serving` does the work; this module declares the contract
(models, examples, errors) that the OpenAPI document and the fuzz test hold it to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, Security
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from kgplatform.api.deps import (
    LEARNER_READERS,
    LEARNER_WRITERS,
    _api_key_scheme,
    recently_checked_principal,
    require_roles,
)
from kgplatform.api.params import LearnerId
from kgplatform.api.plan_serving import NextTasksServing
from kgplatform.auth.models import Principal
from kgplatform.classes.service import check_in_scope

router = APIRouter(prefix="/learners", tags=["plans"])
_reader_role = require_roles(*LEARNER_READERS)


async def plan_reader(
    request: Request, api_key: Annotated[str | None, Security(_api_key_scheme)]
) -> Principal:
    """`LearnerReaderPrincipal` without the thread hop: a key checked in the last seconds needs no lookup."""
    principal = recently_checked_principal(request.scope)
    if principal is None:
        principal = await run_in_threadpool(request.app.state.authenticator.authenticate, api_key)
    return _reader_role(principal)


# For the app-wide checks that answer before the route (`content_type.check_key_first`): this dependency
# checks the key and then its role, as `authenticate` and `require_roles` do elsewhere.
plan_reader.authenticates = True  # type: ignore[attr-defined]
plan_reader.role_check = _reader_role  # type: ignore[attr-defined]


class NextTasksQuery(BaseModel):
    """The query parameters; any other is a 422 naming it (a misspelt `curriculumid=physics` was ignored,
    a 200 with the default curriculum's plan, a review found). The fast path answers only `limit`."""

    model_config = ConfigDict(extra="forbid")

    limit: int = Field(
        10,
        ge=1,
        le=100,
        description="At most this many of the plan's tasks (a plan holds 5: more are never returned).",
    )
    curriculum_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="Plan within this curriculum (default: the one holding most of the learner's goals; "
        "without goals, the one holding most of their mastered concepts; required for a learner with "
        "neither until a plan was made for one: by a service key, as a teacher key's plan is not kept).",
    )


class PlannedTaskOut(BaseModel):
    rank: int = Field(description="1 = do this first; the order respects prerequisites.")
    task_id: str
    task_title: str | None = Field(
        description="The task's title when the plan was made (a retitle makes the plan stale, so it is "
        "replaced); null only in a plan made before 5 December 2026, served marked stale."
    )
    concept_id: str = Field(description="The concept this task was chosen for.")
    concept_name: str | None = Field(
        description="That concept's name when the plan was made (as `task_title`: a rename makes the plan "
        "stale; null only in a plan made before 5 December 2026)."
    )
    purpose: str = Field(description='"learn", "review" or "placement".')
    predicted_success: float = Field(description="The chance the learner answers it correctly (0..1).")
    reason: str = Field(description="Why this task, for people.")


class NextTasks(BaseModel):
    learner_id: str
    curriculum_id: str
    plan_id: str
    created_at: datetime = Field(description="When the plan was computed.")
    age_s: float = Field(description="Seconds since the plan was computed.")
    model_version: str = Field(description="The planner and the tracer model that made the plan.")
    stale: bool = Field(description="True when the plan is known to be out of date (never shown as fresh).")
    stale_because: list[str] = Field(description="Why it is stale (empty when not).")
    placement: bool = Field(description="A cold-start plan: tasks that tell most about a new learner.")
    source: Literal["cache", "graph", "computed"] = Field(
        description="cache: Redis; graph: the stored plan (Redis missed or down); computed: made now."
    )
    tasks: list[PlannedTaskOut]


EXAMPLE: dict[str, Any] = {
    "learner_id": "l-42",
    "curriculum_id": "maths",
    "plan_id": "5b0f0c1e-9a51-4d4b-8f7c-2f1f4b8f6a10",
    "created_at": "2026-03-02T09:00:00+00:00",
    "age_s": 312.5,
    "model_version": "planner-1+bkt-default",
    "stale": False,
    "stale_because": [],
    "placement": False,
    "source": "cache",
    "tasks": [
        {
            "rank": 1,
            "task_id": "t-fractions-3",
            "task_title": "Halves and quarters",
            "concept_id": "fractions",
            "concept_name": "Fractions",
            "purpose": "learn",
            "predicted_success": 0.72,
            "reason": "ready to learn; leads to your goal Algebra",
        },
        {
            "rank": 2,
            "task_id": "t-decimals-1",
            "task_title": "Tenths on a number line",
            "concept_id": "decimals",
            "concept_name": "Decimals",
            "purpose": "review",
            "predicted_success": 0.81,
            "reason": "review due: mastery decayed since last practised",
        },
    ],
}


def _problem(description: str, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"example": {"type": "about:blank", **example}}},
    }


ERRORS: dict[int | str, dict[str, Any]] = {
    401: _problem(
        "No key, or an unknown or revoked key",
        {
            "title": "Unauthorized",
            "status": 401,
            "detail": "missing API key: send it in the X-API-Key header",
            "field": "X-API-Key",
        },
    ),
    403: _problem(
        "The key's role may not read plans (a designer's)",
        {
            "title": "Forbidden",
            "status": 403,
            "detail": "this needs a key with role admin or service; 'ui' has role designer",
            "field": "X-API-Key",
        },
    ),
    404: _problem(
        "No such learner (or curriculum), or a learner outside the classes of a teacher key scoped to some",
        {
            "title": "Not found",
            "status": 404,
            "detail": "learner 'l-42' does not exist",
            "field": "learner_id",
        },
    ),
    422: _problem(
        "A bad parameter, an unknown one (`curriculumid`: Extra inputs are not permitted), or a learner "
        "with no curriculum yet and none named; `field` names it",
        {
            "title": "Validation failed",
            "status": 422,
            "detail": "invalid request: limit",
            "field": "limit",
            "errors": [{"field": "limit", "message": "Input should be less than or equal to 100"}],
        },
    ),
    429: _problem(
        "Over the key's rate limit (see Retry-After)",
        {
            "title": "Too many requests",
            "status": 429,
            "detail": "this API key is over its rate limit; retry in 1 s",
            "field": "X-API-Key",
            "retry_after_s": 1,
        },
    ),
    503: _problem(
        "No cached plan and Neo4j is down (or Neo4j and Redis both are); see Retry-After",
        {
            "title": "Service unavailable",
            "status": 503,
            "detail": "Neo4j (the graph database) is unavailable; nothing was changed by this request, "
            "retry in 2 s",
            "retry_after_s": 2,
        },
    ),
}


@router.get(
    "/{learner_id}/next-tasks",
    summary="The learner's next tasks, each with a reason",
    response_model=NextTasks,
    responses={200: {"content": {"application/json": {"example": EXAMPLE}}}, **ERRORS},
)
async def next_tasks(
    request: Request,
    learner_id: LearnerId,
    principal: Annotated[Principal, Depends(plan_reader)],
    query: Annotated[NextTasksQuery, Query()],
) -> Response:
    """From the Redis cache when there (Neo4j not touched, so it answers while Neo4j is down);
    otherwise the stored plan if still fresh, else one computed now and cached. The answer says the
    plan's age and whether it is stale. Redis down: computed from Neo4j (slower), still 200."""
    if principal.classes:  # a teacher key scoped to classes: the learner must be in one (404 otherwise)
        await run_in_threadpool(check_in_scope, request.app.state.graph, learner_id, principal.classes)
    serving: NextTasksServing = request.app.state.next_tasks
    # A teacher's key reads: a curriculum it names for a learner with none yet is served, not made theirs.
    may_choose = principal.has_any_role(frozenset(LEARNER_WRITERS))
    body = await serving.next_tasks(
        learner_id, query.limit, query.curriculum_id, may_choose_curriculum=may_choose
    )
    return Response(body, media_type="application/json")
