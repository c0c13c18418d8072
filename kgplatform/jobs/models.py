"""What a batch looks like from outside: its state, progress, rate, ETA and failures."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, Field


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    # Finished, but some chunks failed after their retries (see `failures`), or ended by the workers'
    # failure hook or the stall check (see `message`).
    FAILED = "failed"
    # Not run: another batch held the lock (see `message`).
    SKIPPED = "skipped"

    @property
    def finished(self) -> bool:
        return self in {JobState.SUCCEEDED, JobState.FAILED, JobState.SKIPPED}


class JobFailure(BaseModel):
    """One chunk that failed after its retries: which learners, and why."""

    chunk: int
    learners: int
    first_learner_id: str | None = None
    last_learner_id: str | None = None
    reason: str


class JobWait(BaseModel):
    """Why a running batch has no ETA: nothing was counted or started for longer than its rate says the
    rest takes. Usually a chunk whose worker died, which the broker hands out again only after the
    visibility timeout (KGP_WORKERS__VISIBILITY_TIMEOUT_S, an hour by default). Also why a batch queued
    for a minute has not started: no worker took its fan-out up (no chunk counts then)."""

    quiet_s: float = Field(description="Seconds since a chunk last started or was counted.")
    chunks_lost: int = Field(
        description="Chunks started longer ago than their hard limit and longest retry delay, never counted: "
        "their worker died; they wait, unacknowledged, for the broker to redeliver them (or, not redelivered "
        "by `redelivery_by`, their message was dropped)."
    )
    chunks_running: int = Field(
        description="Chunks started more recently and not counted: running, waiting for a retry, or lost."
    )
    chunks_queued: int = Field(description="Chunks never started: queued, or held by a worker that died.")
    runners: list[str] = Field(
        default_factory=list,
        description="The workers (node name and pid) that last started the chunks not counted: with workers "
        "on several machines, the one that went away is among them.",
    )
    redelivery_by: datetime | None = Field(
        None, description="When the broker will have handed out again every started chunk, were all lost."
    )
    learners_out: int = Field(
        0,
        description="Learners in the chunks not counted yet (total - done): unaccounted for until their "
        "chunks come back or `kgplatform jobs resume` (POST /jobs/{id}/resume) sends them again.",
    )
    message: str


class JobStatus(BaseModel):
    id: str
    kind: str
    state: JobState
    curriculum_id: str | None = Field(None, description="Only this curriculum's learners; null: everyone.")
    total: int | None = Field(
        None, description="Learners to plan; null until the batch is split into chunks."
    )
    done: int = Field(0, description="Learners whose chunk finished (planned or failed).")
    failed: int = Field(0, description="Learners in chunks that failed after their retries.")
    skipped: int = Field(
        0,
        description="Learners with nothing to plan: neither goals nor mastery nor a cached plan (no "
        "curriculum to plan in), of another curriculum than asked, or deleted between the fan-out and "
        "their chunk's read.",
    )
    retraced: int = Field(
        0,
        description="Learners whose mastery the chunks traced again before planning them: it had been traced "
        "under other tracer parameters, another transfer model or curriculum revision than the current ones "
        "(docs/tracing.md, 'Tracing everyone again'; 0 with KGP_WORKERS__BATCH_RETRACE=false). A chunk run "
        "again after its worker died counts only what its counted run replayed.",
    )
    retrace_left: int = Field(
        0,
        description="Learners the chunks had no time left to check and trace again (a chunk retraces for at "
        "most half its time limit): planned from their mastery as stored; `kgplatform retrace` reaches them.",
    )
    chunks_total: int | None = None
    chunks_done: int = 0
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    rate_per_s: float | None = Field(
        None,
        description="Learners per second while chunks ran (idle gaps, such as a wait for a lost chunk's "
        "redelivery, left out; since the start when chunk runs are not on record).",
    )
    eta_s: float | None = Field(
        None, description="Seconds left at that rate; null when unknown or while `waiting` is set."
    )
    waiting: JobWait | None = Field(
        None, description="Set while a running batch is silent for longer than its rate says the rest takes."
    )
    retrying: str | None = Field(
        None,
        description="Set while a chunk that failed on a transient error (Neo4j or Redis away, or stalled "
        "past the chunk's soft time limit) waits for its retry and is not counted yet: which chunk, the "
        "error, when it is tried again and which retry of how many. Only the latest such chunk is named.",
    )
    message: str | None = None
    retrain_failed: bool = Field(
        False,
        description="A nightly job only: the transfer retrain before this recompute failed, so the plans "
        "were made with the previous transfer model (see the training worker's log).",
    )
    retrain: str | None = Field(
        None,
        description="A nightly job only: how its transfer retrain ended, in one line: 'published transfer "
        "model V with N edges', 'published ... with 0 edges, transfer off in every plan: WHY', 'unchanged: "
        "...' (the data are the current model's), 'trained ..., not published' (the job was cancelled) or "
        "'failed: ERROR'; null until the retrain has ended, and for other batches.",
    )
    failures: list[JobFailure] = Field(default_factory=list)
    workers: dict[str, int] = Field(
        default_factory=dict,
        description="Chunks by the worker (node name and pid) of their latest start: which machine ran what "
        "(also in the summary kept in Neo4j; empty in summaries saved before 3 December).",
    )
    source: str = Field("redis", description="'redis' (live progress) or 'graph' (the stored summary).")

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else (1.0 if self.state.finished else 0.0)
