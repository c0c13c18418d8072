"""The nightly (or requested) batch: split every learner into chunks, plan each chunk, sum up at the end.

Who does what: `fan_out` (task `kgp.plans.recompute_all`) takes the lock, lists the learners with
their curricula, records the totals, and sends one chunk message per `chunk_size` learners;
`run_chunk` (task `kgp.plans.recompute_chunk`) plans one chunk; the chunk that completes the count
calls `finalize`, which writes the summary (a Job node) and releases the lock. Every step may run twice
(acks_late redelivers after a crash) and leaves the same result.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from kgplatform.jobs.lock import BatchLock
from kgplatform.jobs.models import JobFailure, JobState, JobStatus
from kgplatform.jobs.progress import JobProgress
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.jobs import ConceptGraphs, plan_chunk_rows, store_chunk
from kgplatform.planning.store import InputStamps, PlanStore
from kgplatform.settings import WorkerSettings

log = logging.getLogger(__name__)
KIND_RECOMPUTE_ALL = "recompute_all"
LOCK_RECOMPUTE_ALL = "plans:recompute_all"
# A chunk whose worker died this many times (e.g. killed at the hard time limit) is given up on.
MAX_CHUNK_DELIVERIES = 3


@dataclass(frozen=True)
class Chunk:
    """One message's worth of work: learners of one curriculum, planned as of the batch's moment."""

    index: int
    curriculum_id: str
    learner_ids: list[str]

    def failure(self, reason: str) -> JobFailure:
        return JobFailure(
            chunk=self.index,
            learners=len(self.learner_ids),
            reason=reason[:500],
            first_learner_id=self.learner_ids[0] if self.learner_ids else None,
            last_learner_id=self.learner_ids[-1] if self.learner_ids else None,
        )


def split_chunks(
    learners: Iterable[tuple[str, str | None]], chunk_size: int, only: str | None = None
) -> tuple[list[Chunk], int]:
    """Chunks of at most `chunk_size` learners, each within one curriculum; and how many learners
    had no curriculum (neither goals nor mastery) and were left out."""
    by_curriculum: dict[str, list[str]] = {}
    skipped = 0
    for learner_id, curriculum_id in learners:
        if curriculum_id is None:
            skipped += 1
        elif only is None or curriculum_id == only:
            by_curriculum.setdefault(curriculum_id, []).append(learner_id)
    chunks: list[Chunk] = []
    for curriculum_id in sorted(by_curriculum):
        ids = by_curriculum[curriculum_id]
        for start in range(0, len(ids), chunk_size):
            chunks.append(Chunk(len(chunks), curriculum_id, ids[start : start + chunk_size]))
    return chunks, skipped


def stamps_to_message(stamps: InputStamps) -> dict[str, str | None]:
    return {
        "curriculum_at": stamps.curriculum_at.isoformat() if stamps.curriculum_at else None,
        "transfer_version": stamps.transfer_version,
    }


def stamps_from_message(message: dict[str, Any]) -> InputStamps:
    at = message.get("curriculum_at")
    return InputStamps(None, datetime.fromisoformat(at) if at else None, message.get("transfer_version"))


SendChunk = Callable[[dict[str, Any]], None]


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
    ) -> None:
        self.plan_store = plan_store
        self.job_store = job_store
        self.progress = JobProgress(client, settings.job_ttl_s)
        self.lock = BatchLock(client, LOCK_RECOMPUTE_ALL, settings.batch_lock_ttl_s)
        self.cache = PlanCache(client)
        self.settings = settings
        self.params = params
        self.graphs = graphs or ConceptGraphs(plan_store)

    def fan_out(
        self,
        job_id: str,
        curriculum_id: str | None,
        now: datetime,
        send: SendChunk,
        chunk_size: int | None = None,
    ) -> JobStatus:
        """Takes the lock, splits the learners and sends the chunks not yet finished (a rerun sends
        only the rest). Another batch holding the lock: this job is marked skipped and sends nothing."""
        if not self.progress.exists(job_id):
            self.progress.create(job_id, KIND_RECOMPUTE_ALL, curriculum_id)
        if not self.lock.acquire(job_id):
            holder = self.lock.holder()
            self.progress.mark(job_id, JobState.SKIPPED, f"batch {holder} was already running")
            status = self.progress.status(job_id)
            self.job_store.save_summary(status)
            return status
        chunks, skipped = split_chunks(
            self.job_store.learner_curricula(), chunk_size or self.settings.chunk_size, curriculum_id
        )
        stamps = {
            cid: stamps_to_message(self.plan_store.curriculum_stamps(cid))
            for cid in sorted({c.curriculum_id for c in chunks})
        }
        self.progress.start(
            job_id, total=sum(len(c.learner_ids) for c in chunks), chunks_total=len(chunks), skipped=skipped
        )
        finished = self.progress.finished_chunks(job_id, (c.index for c in chunks))
        for chunk in chunks:
            if chunk.index not in finished:
                send(
                    {
                        "job_id": job_id,
                        "chunk": chunk.index,
                        "curriculum_id": chunk.curriculum_id,
                        "learner_ids": chunk.learner_ids,
                        "now": now.isoformat(),
                        "stamps": stamps[chunk.curriculum_id],
                    }
                )
        if self.progress.is_complete(job_id) or not chunks:
            return self.finalize(job_id)
        return self.progress.status(job_id)

    def run_chunk(self, job_id: str, chunk: Chunk, now: datetime, stamps: InputStamps) -> JobStatus | None:
        """Plans one chunk and counts it; returns the final status when this chunk completed the batch."""
        deliveries = self.progress.client.hincrby(f"kgp:job:{job_id}", f"deliveries:{chunk.index}", 1)
        if deliveries > MAX_CHUNK_DELIVERIES:
            return self.fail_chunk(
                job_id,
                chunk,
                f"started {deliveries - 1} times without finishing "
                "(its worker died each time, e.g. at the hard time limit)",
            )
        graph = self.graphs.get(chunk.curriculum_id, stamps)
        rows = self.job_store.mastery_of(chunk.learner_ids)
        records = plan_chunk_rows(
            graph,
            rows,
            self.params,
            batch_id=job_id,
            curriculum_id=chunk.curriculum_id,
            stamps=stamps,
            now=now,
        )
        result = store_chunk(self.cache, records, chunk.learner_ids)
        failure = (
            chunk.failure(f"{len(result.missing)} learner(s) no longer exist, e.g. {result.missing[0]!r}")
            if result.missing
            else None
        )
        counted = self.progress.record_chunk(
            job_id, chunk.index, done=len(chunk.learner_ids), failed=len(result.missing), failure=failure
        )
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
        if counted is not None and counted[1] >= 0 and counted[0] >= counted[1]:
            return self.finalize(job_id)
        return None

    def finalize(self, job_id: str) -> JobStatus:
        """Final state and summary (Neo4j), then the lock goes; running it twice changes nothing."""
        status = self.progress.status(job_id)
        if not status.state.finished:
            state = JobState.FAILED if status.failed else JobState.SUCCEEDED
            message = (
                f"{status.done - status.failed:,} learners planned, {status.failed:,} failed, "
                f"{status.skipped:,} without a curriculum"
            )
            self.progress.mark(job_id, state, message)
            status = self.progress.status(job_id)
        self.job_store.save_summary(status)
        self.lock.release(job_id)
        return status

    def status(self, job_id: str) -> JobStatus:
        """Live progress while Redis holds it, else the stored summary."""
        if self.progress.exists(job_id):
            return self.progress.status(job_id)
        stored = self.job_store.summary(job_id)
        if stored is None:
            return self.progress.status(job_id)  # raises NotFound
        return stored


def chunk_of(message: dict[str, Any]) -> tuple[Chunk, datetime, InputStamps]:
    return (
        Chunk(int(message["chunk"]), message["curriculum_id"], list(message["learner_ids"])),
        datetime.fromisoformat(message["now"]),
        stamps_from_message(message["stamps"]),
    )


def describe(statuses: Sequence[JobStatus]) -> str:
    return ", ".join(f"{s.id}: {s.state.value}" for s in statuses)
