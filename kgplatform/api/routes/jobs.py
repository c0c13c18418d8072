"""Batches of plan recomputation: start or cancel one (admin), read its progress or summary (service or
admin).

Also the hook POST /answers calls after a successful ingest: each affected learner's plan is
recomputed by a worker within seconds, debounced (see `kgplatform.jobs.on_demand`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from kgplatform.api.deps import AdminPrincipal, GraphDep, ServicePrincipal, SettingsDep
from kgplatform.jobs.models import JobStatus
from kgplatform.jobs.on_demand import GoneLearners, StampBacklog, request_recomputes
from kgplatform.jobs.sending import SendTask
from kgplatform.jobs.service import JobService
from kgplatform.mastery.store import MasteryStore
from workers.celery_app import create_celery

router = APIRouter(tags=["jobs"])
# The most jobs one GET /jobs lists (a job is one night or one operator's batch: a year of nights fits).
MAX_JOBS_LISTED = 500
# How often answer stamps that could not be written (Redis unreachable) are tried again.
STAMP_RETRY_S = 5.0


class RecomputeRequest(BaseModel):
    model_config = {"extra": "forbid"}

    curriculum_id: str | None = Field(
        None, min_length=1, max_length=200, description="Only learners of this curriculum; default: everyone."
    )
    # Strict: a JSON integer; "500" or 500.0 were read as 500 (a review, 6 December 2026).
    chunk_size: int | None = Field(
        None,
        strict=True,
        ge=1,
        le=100_000,
        description="Learners per chunk message; default: settings.workers.chunk_size.",
    )


def send_task(request: Request) -> SendTask:
    return app_send_task(request.app)


def app_send_task(app: FastAPI) -> SendTask:
    """Celery's send_task on the app's own settings (its Redis is the broker), made once per app."""
    sender = getattr(app.state, "send_task", None)
    if sender is None:
        sender = app.state.send_task = create_celery(app.state.settings).send_task
    return sender


def job_service(request: Request, graph: GraphDep, settings: SettingsDep) -> JobService:
    return JobService(request.app.state.redis, graph, settings.workers)


@router.post("/jobs/recompute", status_code=202, summary="Recompute every learner's plan (a batch)")
def post_recompute(
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    _: AdminPrincipal,
    body: Annotated[RecomputeRequest | None, Body()] = None,
) -> JobStatus:
    """202 with the queued job (its id for GET /jobs/{id}); 409 naming the batch already queued or running
    (a retry of this request included); 404 for a curriculum that does not exist (a batch over nobody
    would only look successful)."""
    body = body or RecomputeRequest()
    jobs = job_service(request, graph, settings)
    job_id = jobs.start_recompute_all(send_task(request), body.curriculum_id, body.chunk_size)
    return jobs.status(job_id)


@router.get("/jobs", summary="The newest batches, newest first: live progress or final summary")
def list_jobs(
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    _: ServicePrincipal,
    limit: Annotated[int, Query(ge=1, le=MAX_JOBS_LISTED, description="How many jobs, at most.")] = 20,
) -> list[JobStatus]:
    """Every batch Redis still holds (queued, running, or ended lately) and the summaries kept in Neo4j,
    newest first: how an operator finds last night's job and how it ended (its id was in the worker's log
    alone). The same as `kgplatform jobs list`."""
    return job_service(request, graph, settings).newest(limit)


@router.get("/jobs/{job_id}", summary="A batch's progress (done/total, rate, ETA) or final summary")
def get_job(
    job_id: Annotated[str, Path(min_length=1, max_length=200)],
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    _: ServicePrincipal,
) -> JobStatus:
    return job_service(request, graph, settings).status(job_id)


@router.post(
    "/jobs/{job_id}/cancel",
    summary="End a queued or running batch and free the batch lock (admin)",
    # The generic 409 ("a cycle, a duplicate, ..., a batch already running") says the opposite of this
    # route's: a client generator's only word on why a cancel is refused.
    responses={
        409: {
            "description": "The job has ended (succeeded, failed, or cancelled already, a repeat of this "
            "request included): nothing to cancel; GET /jobs/{job_id} shows how it ended"
        }
    },
)
def post_cancel(
    job_id: Annotated[str, Path(min_length=1, max_length=200)],
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    who: AdminPrincipal,
) -> JobStatus:
    """200 with the ended job: failed, "cancelled by" the key's name and id; the lock is free at once, so
    another batch can be sent (one sent while no worker ran held it for hours). Its fan-out, if not yet
    run, sends nothing and chunks not yet started plan nothing; a chunk already running finishes. 404 for
    an unknown job; 409 for one that has ended, a repeat of this request included (GET /jobs/{id} shows
    how it ended). The same as `kgplatform jobs cancel`."""
    return job_service(request, graph, settings).cancel(job_id, by=who.actor)


@router.post(
    "/jobs/{job_id}/resume",
    summary="Send a silent or stalled batch's chunks never counted again (admin)",
    responses={
        409: {
            "description": "The job is queued (no worker has taken it up), has ended otherwise than stalled, "
            "or another batch holds the batch lock"
        }
    },
)
def post_resume(
    job_id: Annotated[str, Path(min_length=1, max_length=200)],
    request: Request,
    graph: GraphDep,
    settings: SettingsDep,
    _: AdminPrincipal,
) -> JobStatus:
    """200 with the job, running: its fan-out is sent again and sends every chunk not yet counted, for the
    batch's first moment, so the learners a dead worker or a dropped message held back are planned now (a
    chunk still held by a worker is counted once). A batch the stall check failed is reopened first. 404
    for an unknown job; 409 as listed. The same as `kgplatform jobs resume`."""
    return job_service(request, graph, settings).resume(job_id, send_task(request))


def request_plan_recomputes(
    request: Request, rows: Iterable[Any], accepted: Iterable[str], rejected: Iterable[int] = ()
) -> int:
    """After POST /answers stored `accepted` (event ids): one debounced recomputation per learner. Rows
    at the `rejected` positions are left out even when their event id was stored by another row (a
    conflict naming another learner, say): their learner may not exist, and nothing of theirs changed."""
    stored = set(accepted)
    refused = set(rejected)
    learners = [
        row["learner_id"]
        for index, row in enumerate(rows)
        # Raw rows: a rejected one may hold anything (a list is unhashable), so types are checked first.
        if index not in refused
        and isinstance(row, dict)
        and isinstance(row.get("event_id"), str)
        and row["event_id"] in stored
        and isinstance(row.get("learner_id"), str)
    ]
    return request_learner_recomputes(request, learners) if learners else 0


def request_learner_recomputes(request: Request, learner_ids: Iterable[str]) -> int:
    """Stamps these learners' cached plans stale and asks for one debounced recomputation each (the
    app's stamp backlog holds the stamps while Redis is away)."""
    state = request.app.state
    backlog = getattr(state, "stamp_backlog", None)
    return request_recomputes(
        state.redis,
        learner_ids,
        state.settings.workers,
        send_task(request),
        backlog,
        gone=gone_learners(request.app),
    )


def gone_learners(app: FastAPI) -> GoneLearners:
    """Which learners the app's graph no longer holds: a stamp written after an erase is dropped."""
    return MasteryStore(app.state.graph).missing_learners


async def retry_answer_stamps(app: FastAPI, every_s: float = STAMP_RETRY_S) -> None:
    """Runs for the app's life: writes the answer stamps (and asks the recomputations) that POST /answers
    could not while Redis was unreachable, once it answers again, also if no answer comes after it."""
    backlog: StampBacklog = app.state.stamp_backlog
    while True:
        await asyncio.sleep(every_s)
        erasures = getattr(app.state, "pending_erasures", None)
        if erasures is not None and len(erasures):
            # Erased while Redis was away: their cached plans go as soon as it answers (`PendingErasures`).
            await run_in_threadpool(erasures.retry, app.state.redis)
        if len(backlog):
            settings = app.state.settings.workers
            await run_in_threadpool(
                request_recomputes,
                app.state.redis,
                [],
                settings,
                app_send_task(app),
                backlog,
                gone_learners(app),
            )
