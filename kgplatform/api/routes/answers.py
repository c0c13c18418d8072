"""POST /answers: services post one answer or a batch; each row is accepted, a duplicate, or rejected.

The batch rule lives in `kgplatform.mastery.service` (its module doc). The response is sent only after
the transaction holding the accepted answers and their mastery committed.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import Field

from kgplatform.api.deps import ServicePrincipal
from kgplatform.api.documented_bodies import documented_body
from kgplatform.api.outages import BoundedGraphDep
from kgplatform.api.routes.jobs import request_plan_recomputes
from kgplatform.errors import ValidationFailed
from kgplatform.mastery.models import (
    EARLIEST_ANSWER,
    MAX_BATCH_SIZE,
    MAX_CLOCK_AHEAD,
    AnswerBatch,
    AnswerBatchResult,
    AnswerIn,
)
from kgplatform.mastery.service import CurrentParams, MasteryService, PartlyStored, refusal_error
from kgplatform.mastery.store import MasteryStore
from kgplatform.wording import counted

router = APIRouter(tags=["mastery"])


def get_mastery_service(request: Request, graph: BoundedGraphDep) -> MasteryService:
    """One service per request over the app's graph, each transaction bounded by
    `KGP_NEO4J__TRANSACTION_TIMEOUT_S` (a batch waiting on another writer's learner locks is a 503 that stored
    nothing, not a request held without end); the fitted parameters are cached on the app."""
    state = request.app.state
    if getattr(state, "tracer_params", None) is None:
        state.tracer_params = CurrentParams(state.settings)
    return MasteryService(MasteryStore(graph), state.tracer_params)


MasteryServiceDep = Annotated[MasteryService, Depends(get_mastery_service)]
# Said in the route's OpenAPI text and docs/tracing.md: services tend to number events per learner.
EVENT_ID_RULE = (
    "event_id is unique across ALL learners and services, not per learner: the same event_id sent "
    "again with the same content is a duplicate (stored once), and with other content (for example "
    "another learner_id) a conflict, rejected with a 409 that names the stored row's learner_id. "
    "Prefix event ids with your service's name, or use UUIDs. The event_id of an answer whose learner was "
    "erased (DELETE /learners/{id}) is rejected as `erased`, so replaying their log cannot re-create "
    "them; answers with new event_ids are stored, for a new learner of that id."
)
# The three body shapes `rows_of` accepts, as the OpenAPI document gives them (`documented_body`): the
# parameter itself is untyped so that each row is validated on its own.
AnswersBody = (
    AnswerIn | Annotated[list[AnswerIn], Field(min_length=1, max_length=MAX_BATCH_SIZE)] | AnswerBatch
)
ANSWERS_BODY = Body(
    description=(
        'One answer object, a JSON array of answers, or {"answers": [...]}; at most '
        f"{MAX_BATCH_SIZE:,} answers. Each answer: event_id, learner_id, task_id, exactly one of correct "
        "(bool) or score (0..1), answered_at (ISO 8601 with a timezone; after "
        f"{EARLIEST_ANSWER:%Y-%m-%dT%H:%M:%SZ}, the Unix epoch, which is refused as a missing time, to "
        f"{MAX_CLOCK_AHEAD.days} day ahead of the server's clock), optional duration_s (>= 0). "
        f"{EVENT_ID_RULE} Send it as JSON (Content-Type: application/json)."
    ),
    examples=[
        {
            "event_id": "e-1",
            "learner_id": "l-1",
            "task_id": "t-1",
            "correct": True,
            "answered_at": "2026-01-05T08:00:00Z",
            "duration_s": 31.5,
        }
    ],
)


@router.post(
    "/answers",
    summary="Ingest answers (one or a batch); per-row status",
    description="Stores answers and updates mastery; each row is accepted, a duplicate or rejected. "
    + EVENT_ID_RULE,
    responses={
        409: {
            "description": "Every rejected row reuses a stored event_id (unique across all learners and "
            "services) with other content, or the event_id of an answer of an erased learner (`erased`: "
            "not stored again); nothing stored"
        },
        # The platform's 503 says "nothing was changed", untrue of a batch split for its full replays
        # (docs/tracing.md): a service must learn from the document that sending it again is the answer.
        503: {
            "description": "Neo4j or Redis is unavailable. Nothing was stored, except when a batch split "
            "into several transactions for its full replays (docs/tracing.md) met the outage after the "
            "first committed: then `stored` counts the answers stored; send the batch again, they come "
            "back as duplicates and the rest is stored"
        },
        415: {
            "description": "The body was not sent as JSON (Content-Type: application/json), or was sent "
            "compressed (a Content-Encoding: send it uncompressed); nothing stored"
        },
    },
)
@documented_body(AnswersBody)
def post_answers(
    body: Annotated[list[Any] | dict[str, Any], ANSWERS_BODY],
    service: MasteryServiceDep,
    _: ServicePrincipal,
    request: Request,
    atomic: Annotated[bool, Query(description="Store all rows or none: any rejection rolls back.")] = False,
) -> AnswerBatchResult:
    """200 with accepted / duplicates / rejected when at least one row is stored or already was;
    422 (409 for conflicts and erased rows only) as problem+json, listing every rejected row, when none is."""
    rows = rows_of(body)
    try:
        result = service.ingest(rows, atomic=atomic)
    except PartlyStored as error:
        # A split batch failed after committing some of it (a 503 that says so): those plans are stale.
        request_plan_recomputes(request, rows, error.accepted, error.rejected)
        raise
    # The answers are committed: ask the workers to recompute these learners' plans (debounced). The
    # duplicates too: a retry after a lost commit reply (a 503 says to send again) finds its answers
    # stored by a request that never got to stamp the plans stale.
    request_plan_recomputes(
        request, rows, [*result.accepted, *result.duplicates], [r.index for r in result.rejected]
    )
    if result.rejected and not result.accepted and not result.duplicates:
        rejected = [r.model_dump() for r in result.rejected]
        fields = sorted({r.field or "row" for r in result.rejected})
        message = (
            f"no answer stored: {counted(len(rejected), 'row')} rejected ({', '.join(fields)}); "
            + "; ".join(f"row {r.index}: {r.message}" for r in result.rejected[:3])
        )
        error = refusal_error(result.rejected)
        # Every rejected row is listed, unlike other 422s (the first 20 errors): a service fixes its rows
        # from this list. `rejected_total` counts them, as `errors_total` does elsewhere.
        raise error(message, field=result.rejected[0].field, rejected=rejected, rejected_total=len(rejected))
    return result


def rows_of(body: list[Any] | dict[str, Any]) -> list[Any]:
    """The answer rows of any of the three accepted body shapes; an empty or oversized batch is a 422."""
    if isinstance(body, dict) and "answers" in body:
        if extra := sorted(set(body) - {"answers"}):
            raise ValidationFailed(f"unknown member(s) beside 'answers': {', '.join(extra)}", field="body")
        if not isinstance(body["answers"], list):
            raise ValidationFailed("'answers' must be an array of answer objects", field="answers")
    rows = body if isinstance(body, list) else body.get("answers", [body])
    if not rows:
        raise ValidationFailed("give at least one answer", field="answers")
    if len(rows) > MAX_BATCH_SIZE:
        raise ValidationFailed(
            f"{len(rows):,} answers in one request; at most {MAX_BATCH_SIZE:,} (split the batch)",
            field="answers",
        )
    return rows
