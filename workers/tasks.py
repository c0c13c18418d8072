"""Celery tasks: thin, named `kgp.<area>.<verb>`, taking ids rather than objects.

Every option is spelled out on the task. The names are a contract with messages already queued
(tests/unit/jobs/test_task_names.py keeps a snapshot): rename one and old messages strand.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from celery import chain, group
from celery.canvas import Signature
from celery.exceptions import Retry, SoftTimeLimitExceeded
from celery.signals import worker_process_init
from kombu.exceptions import OperationalError as BrokerUnavailable
from neo4j import exceptions as neo4j_errors

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.batch_retrace import RETRACE_SHARE, ChunkRetracer
from kgplatform.jobs.debounce import Debouncer
from kgplatform.jobs.drain import plan_claim
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.on_demand import answered_since
from kgplatform.jobs.on_demand_plans import OnDemandPlanner
from kgplatform.jobs.progress import JobProgress, retrain_line
from kgplatform.jobs.redis_refusals import REDIS_REFUSED_WRITE
from kgplatform.jobs.service import JobService
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.service import CurrentParams, MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from workers.celery_app import app, get_graph, get_redis, settings
from workers.patient_retry import PatientRetryTask, patiently, send_retry_policy
from workers.queues import Queue
from workers.schedule import (
    NIGHTLY_GUARD_PREFIX,
    as_scheduled,
    claim_guard,
    claim_nightly,
    mark_nightly_sent,
    nightly_is_late,
)

log = logging.getLogger(__name__)
# Worth another try later: the database or broker was briefly away or busy.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    neo4j_errors.TransientError,
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
    ServiceUnavailable,
    redis.ConnectionError,
    redis.TimeoutError,
    # Redis answering but refusing writes (full, read-only after a failover): server state, which passes
    # like an outage, so retried with the same backoff rather than blamed on a learner or a chunk.
    *REDIS_REFUSED_WRITE,
    # Sending a message (a group of chunks, the nightly chain) while the broker is away.
    BrokerUnavailable,
)
# Every task's hard limit stays under the broker's visibility timeout (Settings checks the chunk's).
MAX_TASK_S = settings.workers.max_chunk_s
# The window (settings.workers.retry_backoff_max_s, max_retries) outlasts a Neo4j restart: see Settings.
RETRY = {
    "autoretry_for": TRANSIENT_ERRORS,
    "retry_backoff": 2,
    "retry_backoff_max": settings.workers.retry_backoff_max_s,
    "retry_jitter": True,
    "max_retries": settings.workers.max_retries,
}
_params = CurrentParams(settings)
_graphs: ConceptGraphs | None = None


@worker_process_init.connect
def forget_the_parents_graphs(**_: object) -> None:
    """A pool child starts without the parent's curricula arrays: Celery runs a task's failure hook in the
    main process at a hard time limit, and `batch_runner()` there builds them on the parent's Neo4j driver,
    which breaks in forked children (`celery_app.open_clients` opens each child its own)."""
    global _graphs
    _graphs = None


def concept_graphs(plan_store: PlanStore) -> ConceptGraphs:
    """This process's curricula arrays, kept between chunks and drains while unchanged."""
    global _graphs
    if _graphs is None:
        _graphs = ConceptGraphs(plan_store)
    return _graphs


def batch_runner() -> BatchRunner:
    """This process's runner of batch chunks."""
    plan_store = PlanStore(get_graph())
    return BatchRunner(
        plan_store,
        JobStore(plan_store.graph, settings.workers.job_summary_days),
        get_redis(),
        settings.workers,
        _params(),
        concept_graphs(plan_store),
        chunk_retracer(plan_store.graph) if settings.workers.batch_retrace else None,
    )


def chunk_retracer(graph: Graph) -> ChunkRetracer:
    """Traces a chunk's stale learners again before it plans them, for part of the chunk's time limit."""
    service = MasteryService(MasteryStore(graph), _params)
    return ChunkRetracer(service, get_redis(), settings.workers.max_chunk_s * RETRACE_SHARE)


@app.task(name="kgp.system.ping", acks_late=True, time_limit=min(30.0, MAX_TASK_S))
def ping() -> dict[str, int]:
    """Proves a worker can reach Neo4j: used by operators and by the worker tests."""
    return {"neo4j": int(get_graph().ping())}


@app.task(
    base=PatientRetryTask,
    name="kgp.plans.recompute_learner",
    acks_late=True,
    ignore_result=True,
    time_limit=min(120.0, MAX_TASK_S),
    soft_time_limit=min(100.0, MAX_TASK_S * 0.9),
    **RETRY,
)
def recompute_learner(learner_id: str) -> str | None:
    """One learner's plan after new answers: recomputed if stale (a rerun finds it fresh: idempotent).
    The API now asks `recompute_due` instead; kept for messages queued before that."""
    from kgplatform.errors import NotFound, ValidationFailed
    from kgplatform.jobs.metrics import PLANS_RECOMPUTED

    # Cleared before the inputs are read: answers landing from now on schedule the next run.
    Debouncer(get_redis(), settings.workers.debounce_s).clear_many([learner_id])
    # The process's curricula arrays, as the drains and chunks use: a service of its own per message
    # rebuilt the curriculum's arrays for every learner.
    plan_store = PlanStore(get_graph())
    service = PlanService(plan_store, PlanCache(get_redis()), _params(), graphs=concept_graphs(plan_store))
    try:
        served = service.current_plan(learner_id, refresh=True)
        record, computed = served.record, served.source == "computed"
        if not computed and answered_since(get_redis(), record):
            record, computed = replan(service, record), True
    except (NotFound, ValidationFailed):
        return None  # the learner is gone, or has nothing to plan from yet: nothing to retry
    if computed:
        PLANS_RECOMPUTED.labels("on_demand").inc()
    return record.id


# A drain's learners are held this long: past its hard time limit, so a live drain's are never taken
# by another, and a killed one's are due again soon after (beat's sweep, `workers.schedule`, drains them
# when no wake-up is left); and under the visibility timeout, since the wake-up for the lease end waits in
# a worker unacknowledged (longer, the broker would hand it out twice).
DRAIN_TIME_LIMIT_S = min(120.0, MAX_TASK_S)
DRAIN_LEASE_S = min(
    DRAIN_TIME_LIMIT_S + 30.0, (DRAIN_TIME_LIMIT_S + settings.workers.visibility_timeout_s) / 2
)

# Drain errors that are no learner's (Redis refusing writes included): all its learners are retried after a
# backoff (`jobs.drain`), unsplit.
DRAIN_RETRIED_WHOLE = (*TRANSIENT_ERRORS, SoftTimeLimitExceeded)


class DrainTask(PatientRetryTask):
    """A drain killed at its hard time limit still wakes a drain for its learners' lease end. Celery then
    runs this hook in the main process and acknowledges the message (no redelivery), and the drain's
    `finally` never ran: its learners, their debounce marks cleared, waited unplanned until someone's
    next answer sent a drain (a review, 1 December). After a drain that failed for good the wake-up is
    already pending, and `wake_at` sends no second one."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        try:
            DueLearners(get_redis(), settings.workers.debounce_s).wake_for_rest(send_drain)
        except Exception:  # noqa: BLE001 - a hook must not raise; the next answer's drain is the fallback
            log.exception("a failed drain could not wake a drain for its learners' lease end")


@app.task(
    name="kgp.plans.recompute_due",
    base=DrainTask,
    acks_late=True,
    ignore_result=True,
    time_limit=DRAIN_TIME_LIMIT_S,
    soft_time_limit=DRAIN_TIME_LIMIT_S * 0.9,
    **RETRY,
)
def recompute_due() -> int:
    """Plans up to `ondemand_batch` learners due in the due set (`kgplatform.jobs.due`), earliest
    first, with the batch planner; returns how many plans it made. Safe to run twice or at once on
    several workers: a claim holds its learners, and a plan still fresh is kept."""
    from kgplatform.jobs.metrics import PLANS_RECOMPUTED

    due = DueLearners(get_redis(), settings.workers.debounce_s)
    now = time.time()
    due.consume_wake(now)
    claim = due.claim(now, settings.workers.ondemand_batch, DRAIN_LEASE_S)
    if not claim.learner_ids:
        # Nothing due: a wake-up for what is (a redelivered drain finds its own learners held until
        # their lease ends, and must wake for then).
        due.wake_for_rest(send_drain, now)
        return 0
    if (earliest := due.earliest()) is not None and earliest <= now:
        due.wake_at(now, send_drain, now)  # more are due: another worker process may take them now
    try:
        # Cleared before the inputs are read: answers landing from now on schedule the next run.
        Debouncer(get_redis(), settings.workers.debounce_s).clear_many(claim.learner_ids)
        # A failure puts the learners back due after a backoff, one learner's error only that learner.
        # Counted group by group: counted at the end, the plans of a claim split to find a failing learner
        # went uncounted when a later group then failed on an outage (a review, 8 December 2026).
        count = PLANS_RECOMPUTED.labels("on_demand").inc
        planned = plan_claim(on_demand_planner().plan, due, claim, DRAIN_RETRIED_WHOLE, DRAIN_LEASE_S, count)
    finally:
        # Also after a failure (a transient error, the soft time limit): the learners not planned are due
        # again soon (or, where Redis failed too, at their lease end), and a drain must wake for them. One
        # killed at the hard time limit runs no `finally`, and `DrainTask.on_failure` wakes a drain instead;
        # a worker killed outright runs neither (its message comes back after the visibility timeout, an
        # hour), and beat's sweep drains its learners.
        due.wake_for_rest(send_drain)
    return planned


def send_drain(countdown: float) -> None:
    recompute_due.apply_async(countdown=countdown)


def on_demand_planner() -> OnDemandPlanner:
    """This process's planner of due learners."""
    plan_store = PlanStore(get_graph())
    return OnDemandPlanner(
        plan_store, JobStore(plan_store.graph), get_redis(), _params(), concept_graphs(plan_store)
    )


def replan(service: PlanService, record: PlanRecord) -> PlanRecord:
    """A new plan in place of `record`, which Neo4j's stamps call fresh but which is older than the
    learner's answer stamp in Redis (an earlier run planned after the answers were stored but before
    the API stamped them): kept as it is, serving would mark it stale until the learner's next answer."""
    stamps = service.store.input_stamps(record.learner_id, record.curriculum_id)
    return service.compute(record.learner_id, record.curriculum_id, stamps, datetime.now(UTC))


class FanOutTask(PatientRetryTask):
    """A fan-out that failed for good (after its retries) fails its job and frees the batch lock, or
    the job would read running and the lock refuse every batch until it expires."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        job_id = args[0] if args else kwargs.get("job_id")
        if isinstance(job_id, str):
            record_failure(lambda: batch_runner().abandon(job_id, f"fan-out failed: {describe(exc)}"))


@app.task(
    name="kgp.plans.recompute_all",
    base=FanOutTask,
    acks_late=True,
    ignore_result=True,
    time_limit=MAX_TASK_S,
    soft_time_limit=MAX_TASK_S * 0.9,
    **RETRY,
)
def recompute_all(job_id: str, curriculum_id: str | None = None, chunk_size: int | None = None) -> str:
    """Fans the batch out: one `recompute_chunk` message per chunk of learners (a group)."""
    now = datetime.now(UTC)
    sent: list[dict[str, Any]] = []
    status = batch_runner().fan_out(job_id, curriculum_id, now, sent.append, chunk_size)
    if sent:
        # A group, not a chord: each chunk is counted once in Redis, and the chunk completing the
        # count finalises the batch (a chord's counter would count a redelivered chunk twice).
        group(recompute_chunk.s(m) for m in sent).apply_async()
    return status.state.value


def describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


def record_failure(record: Callable[[], object]) -> None:
    """Runs a failure hook's bookkeeping; if that fails too (Redis or Neo4j still away), says so: Celery
    would swallow it, and the job is then ended by the stall check (`JobService.settle`) instead."""
    try:
        record()
    except Exception:  # noqa: BLE001 - a hook must not raise; the stall check is the fallback
        log.exception("failure not recorded; the job will be failed by the stall check")


# A chunk's soft time limit, and how long each server is asked whether it answers once a chunk has run
# past it: both questions, and the retry's send, must fit before the hard limit kills the process.
CHUNK_SOFT_LIMIT_S = MAX_TASK_S * 0.9
PROBE_S = min(5.0, (MAX_TASK_S - CHUNK_SOFT_LIMIT_S) / 4)


def cut_short(soft_limit_s: float) -> Exception:
    """Why a chunk ran past its soft time limit, as the error its task raises. A stalled Neo4j or Redis
    (a frozen server takes the connection and says nothing) is an outage like any other, retried with the
    same backoff and counted once; until 6 December 2026 (a review) such a chunk failed its learners and
    the batch ended failed, though the server came back within seconds. A chunk too slow on servers that
    answer fails as before: a retry would only run as long again."""
    from workers.stall_probe import unanswered

    if (stalled := unanswered(settings, PROBE_S)) is not None:
        return ServiceUnavailable(f"chunk cut short at its soft time limit ({soft_limit_s:.0f} s): {stalled}")
    return RuntimeError(f"chunk ran past its soft time limit ({soft_limit_s:.0f} s)")


def retry_was_sent(exc: BaseException) -> bool:
    """Whether `exc` was raised while Celery handled a `Retry` of the same run: Celery raises `Retry` only
    once the retry's message is sent, so the run's work goes on in that message."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        if isinstance(link, Retry):
            return True
        seen.add(id(link))
        link = link.__cause__ or link.__context__
    return False


class ChunkTask(PatientRetryTask):
    """Records a chunk that failed for good (after its retries) in the job, with the reason."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        message = args[0] if args else kwargs.get("message")
        if not isinstance(message, dict):
            return
        if retry_was_sent(exc):
            # The soft time limit fired while Celery handled a retry it had sent (a Redis stall: the worker's
            # main process, blocked on the same Redis, signals the limit late, just after the resume). The
            # chunk is not final: its retry plans and counts it. Counted failed here as well, the batch ended
            # `failed` with those learners planned by the retry (a review, 6 December 2026).
            log.warning(
                "job %s chunk %s: %s after its retry was sent; the retry counts the chunk",
                message.get("job_id"),
                message.get("chunk"),
                describe(exc),
            )
            return
        try:
            chunk, _, _ = chunk_of(message)
        except (KeyError, TypeError, ValueError):
            # A message this worker cannot read (one in a newer format, refused: workers.message_format):
            # its chunk cannot be counted, so its job is failed with the reason, not left to the stall check.
            job_id = message.get("job_id")
            if isinstance(job_id, str):
                record_failure(lambda: batch_runner().abandon(job_id, f"chunk failed: {describe(exc)}"))
            return
        record_failure(lambda: batch_runner().fail_chunk(message["job_id"], chunk, describe(exc)))

    def on_retry(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        """Records on the job that this chunk waits to be tried again, and why (`jobs show`'s `retrying`)."""
        message = args[0] if args else kwargs.get("message")
        at = retry_moment(einfo)
        if not isinstance(message, dict) or at is None:
            return
        try:
            chunk, _, _ = chunk_of(message)
            retry, most = (self.request.retries or 0) + 1, self.max_retries or 0
            JobProgress(get_redis(), settings.workers.job_ttl_s).note_retry(
                message["job_id"], "chunk", describe(exc), at, retry, most, chunk=chunk.index
            )
        except (KeyError, TypeError, ValueError, redis.RedisError) as error:  # only `retrying` reads it
            log.warning("a chunk's retry could not be recorded on its job (%r)", error)


def retry_moment(einfo: Any) -> datetime | None:
    """When a retry runs, from the `Retry` a task raised (its `when`: a countdown or a moment), which
    billiard wraps with its traceback; None when it says none."""
    retry_raised = getattr(einfo, "exception", None)
    when = getattr(getattr(retry_raised, "exc", retry_raised), "when", None)
    if when is None:
        return None
    return when if isinstance(when, datetime) else datetime.now(UTC) + timedelta(seconds=float(when))


@app.task(
    name="kgp.plans.recompute_chunk",
    base=ChunkTask,
    acks_late=True,
    ignore_result=True,
    time_limit=MAX_TASK_S,
    soft_time_limit=CHUNK_SOFT_LIMIT_S,
    **RETRY,
)
def recompute_chunk(message: dict[str, Any]) -> int:
    """Plans one chunk of a batch (learner ids and the batch's moment) into the plans cache."""
    from kgplatform.jobs.metrics import PLANS_RECOMPUTED

    chunk, now, only = chunk_of(message)
    try:
        runner = f"{recompute_chunk.request.hostname} pid {os.getpid()}"
        attempt = recompute_chunk.request.retries or 0
        count = PLANS_RECOMPUTED.labels("batch").inc  # only learners planned, once per chunk
        batch_runner().run_chunk(message["job_id"], chunk, now, only, runner, attempt, count)
    except SoftTimeLimitExceeded as error:
        raise cut_short(CHUNK_SOFT_LIMIT_S) from error
    return len(chunk.learner_ids)


@app.task(
    base=PatientRetryTask,
    name="kgp.plans.nightly",
    acks_late=True,
    ignore_result=True,
    time_limit=min(60.0, MAX_TASK_S),
    # Below the hard limit, so a hung create/send frees the night's guard and retries: the hard limit
    # kills the process without running `except`, and Celery acknowledges a timed-out message.
    soft_time_limit=min(50.0, MAX_TASK_S * 0.8),
    **RETRY,
)
def nightly(scheduled: bool = False, schedule: dict[str, Any] | None = None) -> str:
    """The nightly chain: retrain the transfer model (training queue), then recompute every plan, also
    when the retrain fails (a fresh install has no answers to train on; plans must still follow the
    night's decay). A scheduled run (beat's entry) whose time is further back than nightly_expiry_s is
    dropped: see `workers.schedule`; an operator's run (scheduled=False) always goes. Each night (or
    operator's message) runs once: a second beat or a redelivered message finds the night claimed.
    `schedule`: beat's nightly time, expiry and zone (`workers.schedule.as_scheduled`)."""
    now = datetime.now(UTC)
    night = as_scheduled(settings.workers, schedule)
    if scheduled and nightly_is_late(night, now):
        log.warning(
            "nightly run dropped: its scheduled time (%02d:%02d %s) is over %d s ago (beat was down)",
            night.nightly_hour,
            night.nightly_minute,
            night.timezone,
            night.nightly_expiry_s,
        )
        return "late"
    guard = claim_nightly(get_redis(), night, now, scheduled, nightly.request.id)
    if guard is None:
        log.warning(
            "nightly run dropped: this night's run was already started (a second beat or a redelivery)"
        )
        return "duplicate"
    try:
        job_id = start_nightly_job(JobService(get_redis(), get_graph(), settings.workers), night, now)
    except SoftTimeLimitExceeded as error:
        get_redis().delete(guard)
        # Neo4j, Redis or the broker hanging: a transient error, so the task is retried (RETRY).
        raise ServiceUnavailable(
            "the nightly job could not be created and sent within its time limit"
        ) from error
    except BaseException:
        get_redis().delete(guard)  # nothing was sent: the retry (or the next beat) must be able to run
        raise
    try:
        mark_nightly_sent(get_redis(), guard, job_id)
    except redis.RedisError:
        # The task still succeeds (its message is acknowledged, so not redelivered); only a redelivery
        # of an unacknowledged message reads the mark.
        log.warning("nightly job %s was sent, but its guard could not be marked as sent", job_id)
    return job_id


def start_nightly_job(jobs: JobService, night: WorkerSettings, now: datetime) -> str:
    """Creates the night's recompute job and sends the chain (retrain, then recompute); returns the job
    id. Beat's task and an operator's `kgplatform nightly` both start a night this way."""
    expires = night.nightly_expiry_s
    # The retrain must start within `expires`, runs at most max_retrain_s, and then the recompute must
    # start within `expires` of being sent: a job still queued after that never will be (JobService.status).
    start_by = now + timedelta(seconds=2 * expires + night.max_retrain_s)
    return jobs.start_nightly(start_by, lambda job_id: nightly_chain(job_id, expires).apply_async())


def nightly_chain(job_id: str, expires: int) -> Signature:
    """Retrain, then recompute `job_id`; a retrain that fails for good (or hits its hard limit) sends the
    recompute through its error callback instead, so plans are recomputed every night regardless."""
    retrain = app.signature(
        "kgp.transfer.retrain",
        kwargs={"job_id": job_id},  # a cancel of the night while it trains: nothing published (below)
        queue=Queue.TRAINING.value,
        expires=expires,
        immutable=True,
        link_error=recompute_after_failed_retrain.si(job_id).set(retry_policy=send_retry_policy()),
    )
    # Sent by Celery once the retrain's body has returned, where no retry of ours can send it again: tried
    # while the broker is away for as long as a retry's send is (`send_retry_policy`).
    recompute = recompute_all.si(job_id).set(expires=expires, retry_policy=send_retry_policy())
    return chain(retrain, recompute)


class FallbackTask(PatientRetryTask):
    """The night's fallback failed for good (its message in a format too new for this worker, say):
    nothing else would recompute the night, so its job is failed with the reason, not left to the stall
    check."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        job_id = args[0] if args else kwargs.get("job_id")
        if isinstance(job_id, str):
            reason = f"nightly fallback recompute failed: {describe(exc)}"
            record_failure(lambda: batch_runner().abandon(job_id, reason))


@app.task(
    base=FallbackTask,
    name="kgp.plans.recompute_after_failed_retrain",
    acks_late=True,
    ignore_result=True,
    time_limit=min(60.0, MAX_TASK_S),
    **RETRY,
)
def recompute_after_failed_retrain(job_id: str) -> None:
    """The nightly retrain's error callback: logs it and sends the night's recompute anyway. One
    parameter only: Celery sends a one-argument error callback as a message, where one taking more
    would be called inline in the failed task's worker."""
    # Once per job: a retrain that hits its hard time limit has its failure recorded twice by Celery
    # (the pool's timeout callback, then the request's), which sends this callback twice. The guard holds
    # this message's id until the send has returned, as the night's own guard does. It was marked "sent"
    # before the send: the retry of a send that failed (the broker away), or the redelivery after a worker
    # killed before the send, found it so, and the night's recompute was never sent (a review, 2 December).
    client, guard = get_redis(), f"{NIGHTLY_GUARD_PREFIX}fallback:{job_id}"
    task_id = recompute_after_failed_retrain.request.id
    if not claim_guard(client, guard, task_id, task_id or f"unnamed@{time.time()!r}"):
        log.info("nightly fallback for job %s already sent (or being sent)", job_id)
        return
    log.warning(
        "nightly retrain failed (see the training worker's log); job %s recomputes plans anyway", job_id
    )
    # On the job itself, before its recompute can finish it: the job read "succeeded" (and `nightly
    # --wait` exited 0) while half of its chain had failed (a review, 2 December). Not worth holding the
    # recompute back for: a Redis that refuses this refuses the send below too, which is retried.
    try:
        JobProgress(client, settings.workers.job_ttl_s).note_retrain_failed(job_id)
    except redis.RedisError as error:
        log.warning("job %s: the failed retrain could not be recorded on it (%r)", job_id, error)
    try:
        recompute_all.si(job_id).set(expires=settings.workers.nightly_expiry_s).apply_async()
    except BaseException:
        client.delete(guard)  # nothing was sent: the retry must be able to send it
        raise
    try:
        mark_nightly_sent(client, guard, job_id)
    except redis.RedisError:
        # Sent; only a redelivery of this (then unacknowledged) message would read the mark.
        log.warning("nightly fallback for job %s was sent, but its guard could not be marked", job_id)


@app.task(
    base=PatientRetryTask,
    name="kgp.curriculum.import_file",
    acks_late=True,
    time_limit=MAX_TASK_S,
    soft_time_limit=MAX_TASK_S * 0.9,
    **RETRY,
)
def import_file(
    path: str, curriculum_id: str | None = None, skip_invalid: bool = False, actor: str = "worker"
) -> dict[str, Any]:
    """Imports a curriculum file readable by the worker (same rules as `kgplatform import-curriculum`)."""
    from kgplatform.curriculum.import_service import run_import
    from kgplatform.curriculum.io import read_import_path
    from kgplatform.errors import ValidationFailed

    raw = read_import_path(Path(path), {"id": curriculum_id} if curriculum_id else None)
    target = curriculum_id or (raw.curriculum or {}).get("id")
    if not isinstance(target, str) or not target:
        raise ValidationFailed(
            "no curriculum id: pass curriculum_id (CSV files do not name one)", field="curriculum_id"
        )
    report = run_import(get_graph(), raw, target, actor=actor, skip_invalid=skip_invalid)
    return report.model_dump(mode="json")


def note_retrain_outcome(job_id: str | None, outcome: str) -> None:
    """Keeps the retrain's outcome on its night's job, where `jobs show` and `nightly --wait` read it (the
    worker's log alone said which model a night published, or why none of its edges)."""
    if job_id is None:
        return
    try:
        # Waits out a Redis restart as the chain's next send does: lost, the night's job had no retrain line.
        progress = JobProgress(get_redis(), settings.workers.job_ttl_s)
        patiently(lambda: progress.note_retrain_outcome(job_id, outcome))
    except redis.RedisError as error:  # the model is published all the same; only the job's line lacks it
        log.warning("job %s: the retrain's outcome could not be recorded (%r): %s", job_id, error, outcome)
    # A night cancelled while this trained has its summary saved already (by the cancel): without this the
    # line was in Redis only, and `jobs show` lost it when the progress expired. A running night has no
    # summary yet; the one written when it ends reads the line from its progress.
    try:
        JobStore(get_graph()).note_retrain(job_id, outcome)
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, ServiceUnavailable) as error:
        log.warning("job %s: the retrain's outcome could not be kept in its summary (%r)", job_id, error)


class RetrainTask(PatientRetryTask):
    """Records why a night's retrain failed on its job, which `jobs show` then says (the chain's fallback,
    which recomputes the night anyway, only learns that it failed)."""

    def on_failure(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: object) -> None:
        job_id = kwargs.get("job_id")
        if isinstance(job_id, str):
            error, ttl_s = describe(exc), settings.workers.job_ttl_s
            record_failure(lambda: JobProgress(get_redis(), ttl_s).note_retrain_failed(job_id, error))
            # A night cancelled while this ran has its summary already: the failure goes there too (a running
            # night's summary, written when its recompute ends, reads it from the progress).
            line = retrain_line({"retrain_failed": "1", "retrain_error": error}) or ""
            record_failure(lambda: JobStore(get_graph()).note_retrain(job_id, line))

    def on_retry(self, exc: BaseException, task_id: str, args: tuple, kwargs: dict, einfo: Any) -> None:
        """Records on the night's job that its retrain waits to be tried again, and why: a retrain retried
        through a Neo4j restart had `jobs show` say it still ran or was lost with its worker (5 December)."""
        job_id = kwargs.get("job_id")
        at = retry_moment(einfo)
        if not isinstance(job_id, str) or at is None:
            return
        retry, most = (self.request.retries or 0) + 1, self.max_retries or 0
        try:
            JobProgress(get_redis(), settings.workers.job_ttl_s).note_retry(
                job_id, "retrain", describe(exc), at, retry, most
            )
        except redis.RedisError as error:  # only the job's "waiting" row reads it
            log.warning("job %s: the retrain's retry could not be recorded on it (%r)", job_id, error)


@app.task(
    base=RetrainTask,
    name="kgp.transfer.retrain",
    acks_late=True,
    # A pool process lost mid-retrain (the OOM killer: the retrain is the memory-hungry task) fails it,
    # so the nightly chain's error callback sends the night's recompute. Requeued (the app's default),
    # the retrain was killed again on every delivery until its message expired, and nothing recomputed
    # that night's plans (a review, 2 December). A whole worker or host lost still redelivers it.
    reject_on_worker_lost=False,
    time_limit=settings.workers.max_retrain_s,
    soft_time_limit=settings.workers.max_retrain_s * 0.9,
    **RETRY,
)
def retrain_transfer(seed: int = 0, write: bool = True, job_id: str | None = None) -> dict[str, Any]:
    """Retrains the transfer GNN on the graph's answers, checkpoints it and switches TRANSFERS_TO to the
    new version atomically (same steps as `kgplatform train-transfer --data graph --if-changed`: when the
    current model was trained on the very data the graph holds, nothing is trained or published).
    `job_id`: the nightly job it runs for; when that job was cancelled while it trained, the checkpoint is
    kept and nothing is published (the cancel ran its course and the new model switched every plan's
    transfer after it, a review of s34; its recompute, next in the chain, plans nothing)."""
    # Recorded before torch is imported: the import takes seconds in a fresh pool process, and a worker
    # killed during it left the night's job saying no worker had taken the retrain up (a review, 5 December).
    if job_id is not None:
        try:
            runner = f"{retrain_transfer.request.hostname or 'this process'} pid {os.getpid()}"
            JobProgress(get_redis(), settings.workers.job_ttl_s).note_retrain_started(job_id, runner)
        except redis.RedisError as error:  # only the job's "waiting" row reads it
            log.warning("job %s: the retrain's start could not be recorded on it (%r)", job_id, error)

    from kgplatform.transfer.pipeline import DataUnchanged, PipelineOptions, retrain_from_graph
    from kgplatform.transfer.summary import describe_retrain
    from kgplatform.transfer.train import TrainConfig

    def still_wanted() -> bool:
        if job_id is None:
            return True
        try:
            return not JobProgress(get_redis(), settings.workers.job_ttl_s).is_cancelled(job_id)
        except redis.RedisError as error:  # a cancel cannot be told apart: the night's model is published
            log.warning("job %s: whether it was cancelled could not be read (%r); publishing", job_id, error)
            return True

    options = PipelineOptions(seed=seed, train=TrainConfig(seed=seed, progress=False))
    try:
        trained, path, report = retrain_from_graph(
            get_graph(),
            settings.paths.models_dir,
            settings.paths.data_dir / "embeddings",
            options,
            write,
            still_wanted=still_wanted,
            skip_unchanged=True,
        )
    except DataUnchanged as unchanged:
        # A night without new answers keeps the current model: the chain recomputes plans with it.
        log.info("%s", unchanged)
        outcome = describe_retrain(unchanged.version, edges=0, published=False, unchanged=True)
        note_retrain_outcome(job_id, outcome)
        return {"model_version": unchanged.version, "published": False, "unchanged": True, "edges": 0}
    if write and report is None:
        log.warning(
            "job %s was cancelled: transfer model %s checkpointed, not published",
            job_id,
            trained.model_version,
        )
    from kgplatform.transfer.summary import describe_training

    # What `train-transfer` prints: a night that published no edge (transfer off in every plan) said only
    # "writing 0 edges" in the worker's log, not that the tracer gained nothing from it (a review,
    # 5 December 2026).
    for line in describe_training(trained.metrics):
        log.info("transfer model %s: %s", trained.model_version, line)
    edges = report.edges if report else 0
    note_retrain_outcome(
        job_id,
        describe_retrain(
            trained.model_version,
            edges=edges,
            published=report is not None,
            cancelled=write and report is None,
            metrics=trained.metrics,
        ),
    )
    return {
        "model_version": trained.model_version,
        "checkpoint": str(path),
        "edges": edges,
        "published": report is not None,
        "unchanged": False,
        "metrics": trained.metrics,
    }
