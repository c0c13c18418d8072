"""The nightly (or requested) batch: split every learner into chunks, plan each chunk, sum up at the end.

Who does what: `fan_out` (task `kgp.plans.recompute_all`) takes the lock, lists the learner ids (an
index scan; for one curriculum, only the learners its chunks plan there: `learners_of_curriculum`),
records the totals, and sends one chunk message per `chunk_size` learners; `run_chunk`
(task `kgp.plans.recompute_chunk`) reads its learners' mastery, plans each in their own curriculum (with
neither goals nor mastery, their cached plan's: `group_by_curriculum`) and counts the chunk; the chunk
that completes the count calls `finalize`, which writes the summary (a Job node) and releases the lock.
Every step may run twice (acks_late redelivers after a crash) and leaves the same result.
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.graph.driver import Row
from kgplatform.jobs.batch_retrace import ChunkRetraced, ChunkRetracer
from kgplatform.jobs.lock import live_holder
from kgplatform.jobs.models import JobFailure, JobState, JobStatus
from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
from kgplatform.jobs.store import JobStore, LearnerCurricula
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.jobs import default_curriculum, learner_curriculum
from kgplatform.planning.pages import PageJob, plan_page
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings

log = logging.getLogger(__name__)
# A chunk whose worker died this many times (e.g. killed at the hard time limit) is given up on.
MAX_CHUNK_DELIVERIES = 3


@dataclass(frozen=True)
class Chunk:
    """One message's worth of work: consecutive learner ids, planned as of the batch's moment."""

    index: int
    learner_ids: list[str]

    def failure(self, reason: str, learners: int | None = None) -> JobFailure:
        return JobFailure(
            chunk=self.index,
            learners=len(self.learner_ids) if learners is None else learners,
            reason=reason[:500],
            first_learner_id=self.learner_ids[0] if self.learner_ids else None,
            last_learner_id=self.learner_ids[-1] if self.learner_ids else None,
        )


def split_chunks(learner_ids: Iterable[str], chunk_size: int) -> list[Chunk]:
    """Consecutive runs of at most `chunk_size` learner ids, numbered from 0."""
    chunks: list[Chunk] = []
    current: list[str] = []
    for learner_id in learner_ids:
        current.append(learner_id)
        if len(current) == chunk_size:
            chunks.append(Chunk(len(chunks), current))
            current = []
    if current:
        chunks.append(Chunk(len(chunks), current))
    return chunks


def chunks_by_firsts(learner_ids: Iterable[str], firsts: list[str]) -> list[Chunk]:
    """The learners split as `firsts` (each chunk's first id, in chunk order) split them before: chunk i
    holds the ids from firsts[i] up to the next chunk's first, chunk 0 also any id before its own first.
    Every id lands in exactly one chunk; a chunk whose learners are all gone is empty (it still counts)."""
    order = sorted(range(len(firsts)), key=firsts.__getitem__)
    bounds = [firsts[i] for i in order]
    chunks = [Chunk(i, []) for i in range(len(firsts))]
    for learner_id in learner_ids:
        chunks[order[max(bisect.bisect_right(bounds, learner_id) - 1, 0)]].learner_ids.append(learner_id)
    return chunks


# Learner ids -> the curriculum of each one's kept plan (those with one): see `group_by_curriculum`.
KeptCurricula = Callable[[list[str]], Mapping[str, str]]


def group_by_curriculum(
    rows: Iterable[Row], only: str | None, kept: KeptCurricula | None = None
) -> tuple[dict[str, list[Row]], int]:
    """Rows per curriculum to plan them in, and how many learners are left out: those of another
    curriculum than `only`, and those with neither goals nor mastery and no kept plan.

    A learner with neither goals nor mastery has no default curriculum; the plan kept for them is the
    one made for the curriculum they named (`PlanService._kept_curriculum`), and plain requests are
    served it, so they are planned in that one, and left out of a batch for another curriculum (`only`
    is not theirs: planning them there replaced their kept plan). `kept` is asked once, for those
    learners only (few)."""
    rows = list(rows)
    defaults = [learner_curriculum(row) for row in rows]
    no_default = [row["learner_id"] for row, default in zip(rows, defaults, strict=True) if default is None]
    kept_in = kept(no_default) if no_default and kept is not None else {}
    groups: dict[str, list[Row]] = {}
    skipped = 0
    for row, default in zip(rows, defaults, strict=True):
        curriculum_id = default or kept_in.get(row["learner_id"])
        if curriculum_id is None or (only is not None and curriculum_id != only):
            skipped += 1
        else:
            groups.setdefault(curriculum_id, []).append(row)
    return groups, skipped


def learners_of_curriculum(
    curriculum_id: str,
    learners: Iterable[LearnerCurricula],
    without_default: Iterable[list[str]],
    kept: KeptCurricula,
) -> list[str]:
    """The learners a batch for `curriculum_id` plans, in id order, by the rule its chunks skip the others
    by (`group_by_curriculum`): those of `learners` (each with a goal or mastery there) whose default
    curriculum it is, and those with neither goals nor mastery (`without_default`, pages of ids) whose
    kept plan is for it. Listing every learner instead made a chunk for every one in the graph, each read
    and skipped by a worker (found 5 December 2026: 606 chunks for a curriculum's 300 learners).
    `learners` is read lazily (JobStore pages it) and only the ids are kept. They are all read before a
    chunk is sent: the fan-out records the batch's total, chunk count and each chunk's first id before
    sending any (`progress.start`, `save_split`: how the last chunk knows it completed the batch and how
    a rerun re-splits alike), so sending as pages arrive would need another way to end a batch."""
    ids = {
        learner.learner_id
        for learner in learners
        if default_curriculum(learner.goals, learner.practice) == curriculum_id
    }
    for page in without_default:
        kept_in = kept(page)
        ids.update(learner_id for learner_id in page if kept_in.get(learner_id) == curriculum_id)
    return sorted(ids)


def chunk_message(job_id: str, chunk: Chunk, now: datetime, curriculum_id: str | None) -> dict[str, Any]:
    return {
        "job_id": job_id,
        "chunk": chunk.index,
        "learner_ids": chunk.learner_ids,
        "now": now.isoformat(),
        "curriculum_id": curriculum_id,
    }


def chunk_of(message: dict[str, Any]) -> tuple[Chunk, datetime, str | None]:
    chunk = Chunk(int(message["chunk"]), list(message["learner_ids"]))
    return chunk, datetime.fromisoformat(message["now"]), message.get("curriculum_id")


SendChunk = Callable[[dict[str, Any]], None]
# Told how many learners a chunk planned, once per chunk (not for a rerun of a counted one).
CountPlanned = Callable[[int], None]


class BatchRunner:
    """The batch's steps over one process's graph, Redis client and tracer parameters."""

    def __init__(
        self,
        plan_store: PlanStore,
        job_store: JobStore,
        client: redis.Redis,
        settings: WorkerSettings,
        params: TracerParams,
        graphs: ConceptGraphs | None = None,
        retracer: ChunkRetracer | None = None,
    ) -> None:
        """`retracer`: traces a chunk's stale learners again before they are planned (None: plans from
        their mastery as stored; `batch_retrace`)."""
        self.plan_store = plan_store
        self.job_store = job_store
        self.jobs = JobService(client, job_store.graph, settings, job_store)
        self.progress = self.jobs.progress
        self.lock = self.jobs.lock
        self.cache = PlanCache(client)
        self.settings = settings
        self.params = params
        # `is None`, not `or`: an empty cache is falsy (it has a length), and the process's shared one
        # starts empty, so `or` gave every chunk a new cache and rebuilt the curriculum's arrays each time.
        self.graphs = graphs if graphs is not None else ConceptGraphs(plan_store)
        self.retracer = retracer

    def fan_out(
        self,
        job_id: str,
        curriculum_id: str | None,
        now: datetime,
        send: SendChunk,
        chunk_size: int | None = None,
    ) -> JobStatus:
        """Takes the lock, splits the learners and sends the chunks not yet finished (a rerun sends
        only the rest). Another batch holding the lock: this job is marked skipped and sends nothing.
        A job already finished (this fan-out ran before and its message came back, e.g. the worker died
        before acknowledging it) is left as it is: a rerun must not reopen or re-date a finished batch."""
        if self.progress.is_finished(job_id):
            return self.progress.status(job_id)
        if not self.progress.exists(job_id):
            self.progress.create(job_id, KIND_RECOMPUTE_ALL, curriculum_id)
        live_holder(self.lock, self.jobs.is_over)  # a finished or stalled batch's leftover lock goes
        if not self.lock.acquire(job_id):
            self.progress.mark(job_id, JobState.SKIPPED, f"batch {self.lock.holder()} was already running")
            status = self.progress.status(job_id)
            self.job_store.save_summary(status)
            return status
        self.progress.touch(job_id)  # taken up: if it goes silent from here, `JobService.settle` ends it
        learner_ids: Iterable[str] = (
            self.job_store.learner_ids()
            if curriculum_id is None
            else learners_of_curriculum(
                curriculum_id,
                self.job_store.curriculum_learners(curriculum_id),
                self.job_store.learners_without_curriculum(),
                self.cache.curricula_of,
            )
        )
        firsts = self.progress.split(job_id)
        if firsts is None:
            chunks = split_chunks(learner_ids, chunk_size or self.settings.chunk_size)
            started = self.progress.start(
                job_id,
                total=sum(len(c.learner_ids) for c in chunks),
                chunks_total=len(chunks),
                batch_at=now,
            )
            if not started:  # cancelled while the learners were read: nothing is sent
                self.lock.release(job_id)
                return self.progress.status(job_id)
            self.progress.save_split(
                job_id, [c.learner_ids[0] for c in chunks], [len(c.learner_ids) for c in chunks]
            )
        else:
            # A rerun (the message came back after its worker died while sending): the first fan-out's
            # chunks, not a new split. Split again, a learner deleted or added meanwhile shifted every
            # later chunk's learners under numbers already counted, and a learner of a chunk never sent
            # could land in one that was, never planned while the batch read as succeeded (a review,
            # 1 December).
            chunks = chunks_by_firsts(learner_ids, firsts)
            # And the first fan-out's moment: a chunk sent again (or still in flight from the first run)
            # plans for the same moment, so a rerun writes the same plans (a review, 1 December).
            now = self.progress.batch_at(job_id) or now
        finished = self.progress.finished_chunks(job_id, (c.index for c in chunks))
        if firsts is not None:
            # Learners who joined since the first split (answers are stored while the broker is away, and
            # create learners) sit in the chunks sent again: `total` grows with them.
            self.progress.grow_chunks(
                job_id, {c.index: len(c.learner_ids) for c in chunks if c.index not in finished}
            )
        for chunk in chunks:
            if chunk.index not in finished:
                send(chunk_message(job_id, chunk, now, curriculum_id))
        if not chunks or self.progress.is_complete(job_id):
            return self.finalize(job_id)
        return self.progress.status(job_id)

    def run_chunk(
        self,
        job_id: str,
        chunk: Chunk,
        now: datetime,
        only: str | None = None,
        runner: str = "",
        attempt: int = 0,
        count_planned: CountPlanned | None = None,
    ) -> JobStatus | None:
        """Plans one chunk and counts it; returns the final status when this chunk completed the batch.
        `runner` names the worker (host and pid) in the job's log of starts; `attempt` is Celery's retry
        number: a retry is a new message, and only deliveries of the same message count towards giving
        up on a chunk that keeps killing its worker. `count_planned` hears how many learners the chunk
        planned, when this run is the one counted.

        A learner listed by the fan-out but gone by the chunk's read (deleted in between) is counted
        skipped, not failed: there is no plan to make, and the batch must not read as failed for it."""
        if self.progress.is_cancelled(job_id):
            # Cancelled (`JobService.cancel`): there is no batch left to plan for. The close is run again:
            # it completes one that failed (idempotent). A batch that ended otherwise (failed as stalled
            # while every worker was down, its fan-out failed after sending) still plans the chunks that
            # come back late, as it did before cancelling existed: its learners would keep older plans.
            log.info("job %s was cancelled: chunk %d plans nothing", job_id, chunk.index)
            return self.finalize(job_id)
        deliveries = self.progress.count_delivery(job_id, chunk.index, runner, attempt)
        if deliveries > MAX_CHUNK_DELIVERIES:
            reason = (
                f"started {deliveries - 1} times without finishing "
                "(its worker died each time, e.g. at the hard time limit)"
            )
            return self.fail_chunk(job_id, chunk, reason)
        retraced = ChunkRetraced()
        if self.retracer is not None:
            # Before the mastery is read, so the plans are made from what it traces (and dated after its
            # stamps). Every learner of the chunk: a batch for one curriculum lists only that curriculum's
            # learners, and one skipped after all (their default curriculum changed since the fan-out) gets
            # their cached plan marked stale, which is what it then is.
            retraced = self.retracer(chunk.learner_ids, cancelled=lambda: self.progress.is_cancelled(job_id))
        read_at = datetime.now(UTC)  # the plans' date: they include every answer stored before this
        rows = self.job_store.mastery_of(chunk.learner_ids)
        groups, skipped = group_by_curriculum(rows, only, self.cache.curricula_of)
        planned, failures = 0, []
        for curriculum_id, group in groups.items():
            stamps = self.plan_store.curriculum_stamps(curriculum_id)
            try:
                graph = self.graphs.get(curriculum_id, stamps)
            except (NotFound, ValidationFailed) as error:
                # Gone, or past the planner's size: those learners fail, the chunk's other curricula plan.
                failures.append((len(group), f"curriculum {curriculum_id!r}: {error.message}"))
                continue
            # The bulk path's page planner, with plan ids derived from (batch, learner): a chunk run
            # twice writes the same plans (dated by its own read, the same unless answers came in).
            job = PageJob(
                graph,
                self.params,
                PlanConfig(),
                curriculum_id,
                stamps,
                now,
                batch_id=job_id,
                created_at=read_at,
            )
            planned += plan_page(job, group, self.cache)[0]
        skipped += len(chunk.learner_ids) - len(rows)  # deleted since the fan-out listed them
        failed = sum(n for n, _ in failures)
        failure = chunk.failure("; ".join(reason for _, reason in failures), failed) if failures else None
        counted = self.progress.record_chunk(
            job_id,
            chunk.index,
            done=len(chunk.learner_ids),
            failed=failed,
            skipped=skipped,
            failure=failure,
            retraced=retraced.replayed,
            retrace_left=retraced.left,
        )
        if counted is not None and count_planned is not None:
            count_planned(planned)
        self.lock.extend(job_id)
        return self._maybe_finalize(job_id, counted)

    def fail_chunk(self, job_id: str, chunk: Chunk, reason: str) -> JobStatus | None:
        """Counts a chunk that failed for good (after its retries), with the reason."""
        log.warning("job %s chunk %s failed: %s", job_id, chunk.index, reason)
        counted = self.progress.record_chunk(
            job_id,
            chunk.index,
            done=len(chunk.learner_ids),
            failed=len(chunk.learner_ids),
            failure=chunk.failure(reason),
        )
        return self._maybe_finalize(job_id, counted)

    def _maybe_finalize(self, job_id: str, counted: tuple[int, int] | None) -> JobStatus | None:
        if counted is None:
            # Counted before: this is a rerun of a chunk whose first run may have died between counting
            # and finalising (a transient error, a killed worker). Finalising is idempotent, so finish
            # the batch here if it is complete, or nothing would ever finish it.
            return self.finalize(job_id) if self.progress.is_complete(job_id) else None
        if counted[1] >= 0 and counted[0] >= counted[1]:
            return self.finalize(job_id)
        return None

    def finalize(self, job_id: str) -> JobStatus:
        """Final state and summary (Neo4j), then the lock goes; running it twice changes nothing."""
        return self.jobs.finish(job_id)

    def abandon(self, job_id: str, reason: str) -> JobStatus:
        """The fan-out failed for good: the job is failed with `reason` and its lock freed (chunks it
        sent before failing still run and are counted, but the job stays failed)."""
        log.warning("job %s failed: %s", job_id, reason)
        return self.jobs.fail(job_id, reason)

    def status(self, job_id: str) -> JobStatus:
        return self.jobs.status(job_id)
