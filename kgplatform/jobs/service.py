"""Reading and creating jobs for the API and the CLI: live progress from Redis, else the stored summary."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any

import redis
from neo4j import exceptions as neo4j_errors

from kgplatform.curriculum.store import get_curriculum
from kgplatform.errors import Conflict, NotFound, ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.jobs.broker_errors import raising_redis_errors
from kgplatform.jobs.lock import BatchLock, live_holder
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.pace import ChunkLimits
from kgplatform.jobs.progress import CANCELLED_BY, STALLED, JobProgress, ended_as_stalled
from kgplatform.jobs.sending import NO_RESULT, SendTask
from kgplatform.jobs.store import JobStore
from kgplatform.settings import WorkerSettings
from kgplatform.wording import counted

log = logging.getLogger(__name__)
KIND_RECOMPUTE_ALL = "recompute_all"
LOCK_RECOMPUTE_ALL = "plans:recompute_all"
RECOMPUTE_ALL = "kgp.plans.recompute_all"
# How long a job's batch lock is held before its messages are known to be sent (then: `batch_lock_ttl_s`).
# A job whose sending never returned (Redis, also the broker, went away mid-send and so did the clean-up;
# or the process died) held the lock for the full 6 h: the night's retry was skipped and every recompute
# refused with a 409 naming a job nothing would run (a review, 2 December). Far above a send's own retries
# (Celery's publish policy: a few within a second, plus the socket timeouts).
SEND_LOCK_TTL_S = 120
NEVER_SENT_REASON = (
    "never sent: its messages were not confirmed sent within {s} s (the broker, which is Redis, went away "
    "while sending, or the process sending them died); start it again"
)


def retrain_failed_note(error: str | None) -> str:
    """The note on a night whose retrain failed, with its error where it was recorded (a message in a
    format too new for the training worker, say: docs/operations.md, "Upgrading")."""
    where = "see the training worker's log" if not error else f"{error}; see the training worker's log"
    return f"the nightly transfer retrain failed ({where}): plans recomputed with the previous transfer model"


def retrace_note(retraced: int, left: int) -> str:
    """What a batch's chunks traced again before planning (`jobs.batch_retrace`), for its message and
    `jobs show`: e.g. `12 learners traced again under the current tracer and transfer model; 3 not reached
    in the chunks' time (planned from mastery as stored: run `kgplatform retrace`)`."""
    note = f"{counted(retraced, 'learner')} traced again under the current tracer and transfer model"
    if left:
        note += (
            f"; {left:,} not reached in the chunks' time (planned from mastery as stored: run "
            "`kgplatform retrace`)"
        )
    return note


# Neo4j down or failing: a summary that `settle` could not write for these is left to the job's next close.
SUMMARY_ERRORS: tuple[type[Exception], ...] = (
    neo4j_errors.Neo4jError,
    neo4j_errors.DriverError,
    ServiceUnavailable,
)


def new_job_id(kind: str) -> str:
    """Sortable by time, unique without coordination: `recompute_all-20260105T020000-1a2b3c4d`."""
    return f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


class JobService:
    def __init__(
        self, client: redis.Redis, graph: Graph, settings: WorkerSettings, store: JobStore | None = None
    ) -> None:
        limits = ChunkLimits(
            hard_limit_s=settings.max_chunk_s,
            retry_wait_s=settings.retry_backoff_max_s,
            redelivery_s=settings.visibility_timeout_s + settings.restore_sweep_s,
            stall_after_s=settings.stall_after_s,
        )
        self.progress = JobProgress(client, settings.job_ttl_s, limits)
        self.graph = graph
        self.store = store or JobStore(graph, settings.job_summary_days)
        self.lock = BatchLock(client, LOCK_RECOMPUTE_ALL, settings.batch_lock_ttl_s)
        self.stall_after_s = settings.stall_after_s

    def create(self, kind: str, curriculum_id: str | None, start_by: datetime | None = None) -> str:
        """A queued job; `start_by`: when it is known that it can no longer start after some moment (its
        messages expire), past that moment it reads as failed instead of queued forever."""
        job_id = new_job_id(kind)
        self.progress.create(job_id, kind, curriculum_id, start_by)
        return job_id

    def start_recompute_all(
        self, send: SendTask, curriculum_id: str | None = None, chunk_size: int | None = None
    ) -> str:
        """Creates the job (queued, readable at once) and sends its fan-out task; returns the job id.
        `send` is Celery's `send_task` (by name, so callers need not import the tasks). A curriculum that
        does not exist is a NotFound: a batch over nobody would only look successful.

        The batch lock is taken for the new job before it is queued (its fan-out holds it again, by the
        same id), so a second request while this one waits in the queue or runs is a Conflict naming it.
        Checked only against a running batch, an operator's retry of a request that timed out queued a
        second batch, which ran the whole recomputation again (a review, 1 December)."""
        if curriculum_id is not None and get_curriculum(self.graph, curriculum_id) is None:
            raise NotFound(f"curriculum {curriculum_id!r} does not exist", field="curriculum_id")
        job_id = new_job_id(KIND_RECOMPUTE_ALL)
        if not self._take_lock(job_id):
            holder = self.lock.holder() or "another batch"
            raise Conflict(
                f"batch {holder} is queued or running; wait for it (GET /jobs/{holder})",
                field="job",
                job_id=holder,
            )
        try:
            self.progress.create(job_id, KIND_RECOMPUTE_ALL, curriculum_id, awaiting_send=True)
            raising_redis_errors(send)(RECOMPUTE_ALL, args=(job_id, curriculum_id, chunk_size), **NO_RESULT)
        except BaseException as error:
            # Unguarded, a release refused by a Redis going away raised over the send's error and left
            # the job queued forever.
            self._abandon(job_id, True, f"never sent: {type(error).__name__}: {error}")
            raise
        self._sent(job_id, locked=True)
        return job_id

    def start_nightly(self, start_by: datetime, send_chain: Callable[[str], Any]) -> str:
        """Creates the night's recompute job, takes the batch lock for it when no other batch holds it,
        and sends its chain (`send_chain(job_id)`: retrain, then recompute); returns the job id.

        The lock is taken now, as `start_recompute_all` takes it at queue time: the chain's retrain runs
        first (up to `max_retrain_s`), and without the lock a batch an operator started meanwhile was
        accepted, took the lock, and the night's recompute then found it taken and was skipped (a review,
        1 December). A batch already queued or running keeps the lock; the night is still sent, and its
        recompute runs if that batch has finished by then (else it is skipped, as before). A chain that
        cannot be sent leaves its job failed with the reason and the lock free, not queued for hours."""
        job_id = new_job_id(KIND_RECOMPUTE_ALL)
        locked = self._take_lock(job_id)
        try:
            self.progress.create(job_id, KIND_RECOMPUTE_ALL, None, start_by, awaiting_send=True)
            raising_redis_errors(send_chain)(job_id)
        except BaseException as error:
            self._abandon(job_id, locked, f"never sent: {type(error).__name__}: {error}")
            raise
        self._sent(job_id, locked)
        return job_id

    def _take_lock(self, job_id: str) -> bool:
        """Whether `job_id` now holds the batch lock: taken at once, or after a finished or stalled
        holder's leftover lock was freed (`running_batch`); False while another batch is live. Held for
        SEND_LOCK_TTL_S only, until `_sent`: a job whose messages never went out frees it soon."""
        return self.lock.acquire(job_id, SEND_LOCK_TTL_S) or (
            self.running_batch() is None and self.lock.acquire(job_id, SEND_LOCK_TTL_S)
        )

    def _sent(self, job_id: str, locked: bool) -> None:
        """The send returned: the job is marked sent, then its lock held for the batch's full time.
        Redis failing here, the send is not undone (the messages are out, and a raise would have the
        caller send a second batch): the job fails as never sent after SEND_LOCK_TTL_S, and its fan-out
        then finds it finished and does nothing. Rare (Redis lost between two commands), and visible."""
        try:
            self.progress.mark_sent(job_id)
            if locked:
                self.lock.extend(job_id)
        except redis.RedisError as error:
            log.warning("job %s was sent, but Redis did not record it (%r)", job_id, error)

    def _abandon(self, job_id: str, locked: bool, reason: str) -> None:
        """A job whose messages were never sent: failed with `reason` (as far as Redis and Neo4j answer;
        the caller re-raises the error that stopped it), and its lock freed."""
        with contextlib.suppress(Exception):
            if self.progress.exists(job_id):
                self.fail(job_id, reason)
        if locked:
            with contextlib.suppress(redis.RedisError):
                self.lock.release(job_id)

    def running_batch(self) -> str | None:
        """The id of the recompute-all batch holding the lock, if any (a finished or stalled holder's
        lock is freed)."""
        return live_holder(self.lock, self.is_over)

    def is_over(self, job_id: str) -> bool:
        """Whether the job is finished, after marking one that can no longer finish (see `settle`)."""
        if not self.progress.exists(job_id):
            return False
        self.settle(job_id)
        return self.progress.is_finished(job_id)

    def settle(self, job_id: str) -> None:
        """Ends a job that nothing will end: never started by its `start_by`, or silent for longer than
        a lost chunk could take to come back (its last counts, finalising or failure hook lost, e.g. to
        a Redis outage while Celery sent a retry). Its state is marked in Redis and its lock freed; its
        summary is written to Neo4j if Neo4j answers, else left to the job's next close (logged). Reading
        a job's progress needs Redis alone: with Neo4j down, the first read after a stall raised."""
        now = datetime.now(UTC)
        if self.progress.never_sent(job_id, now, SEND_LOCK_TTL_S):
            self.fail(job_id, NEVER_SENT_REASON.format(s=SEND_LOCK_TTL_S), summary_required=False)
            return
        if self.progress.missed_start(job_id, now):
            self.fail(
                job_id,
                "never started: the step before it (the nightly transfer retrain) failed, or its "
                "messages expired before a worker took them; see the training worker's log",
                summary_required=False,
            )
            return
        missing = self.progress.stalled_chunks(job_id, now, self.stall_after_s)
        if missing is None:
            return
        if not missing and self.progress.is_complete(job_id):
            # Every chunk counted; only the finalising step was lost.
            self.finish(job_id, summary_required=False)
        else:
            self.fail(job_id, stalled_message(missing, self.stall_after_s, job_id), summary_required=False)

    def cancel(self, job_id: str, by: str) -> JobStatus:
        """Ends a batch that is queued or running: failed with "cancelled by BY", its lock freed at once, so
        another batch can be sent (one sent while no worker ran held the lock for `batch_lock_ttl_s`, 6 h,
        with no way out but starting a worker; one sent for the wrong curriculum ran to its end). Its
        fan-out, if not yet run, then finds it finished and sends nothing, and its chunks not yet started
        plan nothing (`BatchRunner.run_chunk`); a chunk already running stops its retrace at its next page
        (`jobs.batch_retrace`) and finishes (its plans are as good as
        any). NotFound for an unknown job, Conflict for one that has ended."""
        if not self.progress.exists(job_id):
            stored = self.store.summary(job_id)
            if stored is None:
                raise NotFound(f"job {job_id!r} does not exist", field="job_id")
            raise Conflict(
                f"job {job_id} has ended ({stored.state.value}): nothing to cancel", field="job_id"
            )
        self.settle(job_id)
        if not self.progress.end(job_id, JobState.FAILED, f"{CANCELLED_BY}{by}"):
            state = self.progress.status(job_id).state.value
            raise Conflict(f"job {job_id} has ended ({state}): nothing to cancel", field="job_id")
        return self._close(job_id, summary_required=False)

    def resume(self, job_id: str, send: SendTask) -> JobStatus:
        """Sends the fan-out of a running batch that went silent, or of one the stall check failed, again
        under the same job: it sends every chunk never counted once more, for the batch's first moment, so
        their learners are planned now. Without it they waited for the broker to hand out a dead worker's
        chunk (the visibility timeout, an hour), or for ever for a message dropped while the broker was
        away, and a stalled batch could only be started again whole (a review, s36). A chunk also still
        held by a worker is counted once, whichever run ends first. A stalled batch is reopened (running)
        and takes the batch lock again (freed again if the send fails). NotFound for an unknown job;
        Conflict for one queued (its fan-out has not run: start a worker), running and not silent (its
        queued chunks would be planned twice), ended otherwise, or while another batch holds the lock."""
        if not self.progress.exists(job_id):
            stored = self.store.summary(job_id)
            if stored is None:
                raise NotFound(f"job {job_id!r} does not exist", field="job_id")
            raise Conflict(
                f"job {job_id} has ended ({stored.state.value}) and its progress expired: start a new batch",
                field="job_id",
            )
        self.settle(job_id)
        status = self.progress.status(job_id)
        if status.state is JobState.QUEUED:
            raise Conflict(
                f"job {job_id} is queued: no worker has taken up its fan-out (is a `kgplatform worker` "
                "consuming planning running?)",
                field="job_id",
            )
        stalled = ended_as_stalled(status.state, status.message)
        if status.state.finished and not stalled:
            raise Conflict(
                f"job {job_id} has ended ({status.state.value}): only a running or stalled batch is resumed",
                field="job_id",
            )
        if not status.state.finished and status.waiting is None:
            # Its chunks are being counted: sent again, every chunk still queued would be planned twice.
            raise Conflict(
                f"job {job_id} is running and not silent (its `waiting` is empty): only a batch that has "
                "gone silent, or that the stall check failed, is resumed",
                field="job_id",
            )
        if not (self.lock.acquire(job_id) or (self.running_batch() is None and self.lock.acquire(job_id))):
            holder = self.lock.holder() or "another batch"
            raise Conflict(
                f"batch {holder} holds the batch lock; resume {job_id} once it has ended",
                field="job",
                job_id=holder,
            )
        if stalled and not self.progress.reopen(job_id):
            self.lock.release(job_id)
            raise Conflict(f"job {job_id} changed meanwhile; read it again", field="job_id")
        self.progress.touch(job_id)
        try:
            raising_redis_errors(send)(RECOMPUTE_ALL, args=(job_id, status.curriculum_id, None), **NO_RESULT)
        except BaseException:
            if stalled:  # reopened for nothing: as it was, lock freed (it would block the next night's batch)
                with contextlib.suppress(Exception):
                    self.fail(job_id, status.message or STALLED, summary_required=False)
            raise
        return self.progress.status(job_id)

    def fail(self, job_id: str, reason: str, *, summary_required: bool = True) -> JobStatus:
        """Marks an unfinished job failed with `reason` (a finished one keeps its state), saves its
        summary and frees its lock (`summary_required`: see `_close`)."""
        self.progress.end(job_id, JobState.FAILED, reason)
        return self._close(job_id, summary_required)

    def finish(self, job_id: str, *, summary_required: bool = True) -> JobStatus:
        """Final state from the counts (failed if any learner failed), summary, then the lock goes;
        running it twice changes nothing."""
        status = self.progress.status(job_id)
        if not status.state.finished:
            state = JobState.FAILED if status.failed else JobState.SUCCEEDED
            planned = status.done - status.failed - status.skipped
            message = (
                f"{planned:,} learners planned, {status.failed:,} failed, {status.skipped:,} skipped "
                "(no curriculum, another one than asked, or deleted since the batch began)"
            )
            if status.retraced or status.retrace_left:
                message += f"; {retrace_note(status.retraced, status.retrace_left)}"
            if status.retrain_failed:
                # Half of the night's chain failed: said where the job's readers (the CLI, GET /jobs,
                # a monitor of the (:Job) summary) look, not only in the training worker's log.
                message = (
                    f"{retrain_failed_note(self.progress.get_field(job_id, 'retrain_error'))}; {message}"
                )
            self.progress.end(job_id, state, message)  # a cancel that landed meanwhile stays
        return self._close(job_id, summary_required)

    def _close(self, job_id: str, summary_required: bool = True) -> JobStatus:
        """Saves the final job's summary to Neo4j, then frees its lock. A worker's close raises when Neo4j
        fails (its task is retried, and the retry writes it); a reader's (`summary_required=False`) logs
        it and goes on: the job's next close writes it, and Redis keeps its progress until then."""
        status = self.progress.status(job_id)
        try:
            self.store.save_summary(status)
        except SUMMARY_ERRORS as error:
            if summary_required:
                raise
            log.warning(
                "job %s is %s, but its summary was not written to Neo4j (%s: %s); Redis keeps its "
                "progress, and the job's next close writes it",
                job_id,
                status.state.value,
                type(error).__name__,
                error,
            )
        self.lock.release(job_id)
        return status

    def status(self, job_id: str) -> JobStatus:
        """Live progress while Redis holds it, else the summary kept in Neo4j; NotFound otherwise."""
        if self.progress.exists(job_id):
            self.settle(job_id)
            return self.progress.status(job_id)
        stored = self.store.summary(job_id)
        return stored if stored is not None else self.progress.status(job_id)

    def newest(self, limit: int) -> list[JobStatus]:
        """The `limit` newest batches, newest first: every one Redis still holds, with its live progress
        (settled first, as `status` does), and the summaries stored in Neo4j; where both know a job, the
        live one. Before this a nightly job's id was in the worker's log alone (a review, s34)."""
        jobs = {job.id: job for job in self.live()}
        for stored in self.store.newest_summaries(limit):
            jobs.setdefault(stored.id, stored)
        return newest_first(jobs.values(), limit)

    def live(self) -> list[JobStatus]:
        """Every batch Redis still holds, with its live progress (settled first, as `status` does): what
        `newest` lists without the summaries in Neo4j, for when Neo4j does not answer."""
        jobs = []
        for job_id in self.progress.job_ids():
            self.settle(job_id)
            if self.progress.exists(job_id):  # its keys may have expired since the scan
                jobs.append(self.progress.status(job_id))
        return jobs


def newest_first(jobs: Iterable[JobStatus], limit: int) -> list[JobStatus]:
    return sorted(jobs, key=lambda job: (job.created_at, job.id), reverse=True)[:limit]


def stalled_message(missing: list[int], silent_s: float, job_id: str | None = None, shown: int = 20) -> str:
    """Why a stalled batch failed, naming the chunks never counted (the first `shown` of them), and how to
    plan their learners (`JobService.resume`)."""

    def resume(what: str) -> str:
        return f"; `kgplatform jobs resume {job_id}` sends {what} again" if job_id else ""

    if not missing:
        return (
            f"stalled: no sign of life for over {silent_s:,.0f} s before its fan-out split it into chunks"
            + resume("its fan-out")
        )
    names = ", ".join(str(c) for c in missing[:shown])
    more = f" and {len(missing) - shown:,} more" if len(missing) > shown else ""
    return (
        f"stalled: no sign of life for over {silent_s:,.0f} s (visibility timeout + hard limit + restore "
        f"sweep); {'chunk' if len(missing) == 1 else 'chunks'} never counted: {names}{more}{resume('them')}"
    )
