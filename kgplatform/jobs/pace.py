"""How fast a batch goes, and what it waits for when it stops moving.

The rate counts only the time chunks ran (the union of each counted chunk's last run, from its start to its
count): a batch that waited an hour for a killed worker's chunk to be redelivered reads at the pace it
planned at, not at "0 learners/s". A batch that has been silent for longer than the rate says the rest
takes gets no ETA ("ETA 0 s" for an hour misled) but a `JobWait`: which chunks it waits for, and when the
broker hands out again a chunk whose worker died (it stays unacknowledged until the visibility timeout and
kombu's next restore sweep).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from kgplatform.jobs.models import JobWait


@dataclass(frozen=True)
class ChunkRuns:
    """Epoch seconds of each chunk's latest start and of its count (only for counted chunks)."""

    started: Mapping[int, float]
    counted: Mapping[int, float]

    def active_s(self) -> float | None:
        """Seconds during which at least one counted chunk ran (None without any such run on record)."""
        runs = sorted(
            (self.started[c], end)
            for c, end in self.counted.items()
            if c in self.started and self.started[c] <= end
        )
        if not runs:
            return None
        total, (start, end) = 0.0, runs[0]
        for run_start, run_end in runs[1:]:
            if run_start > end:
                total += end - start
                start, end = run_start, run_end
            else:
                end = max(end, run_end)
        return total + (end - start)

    def longest_s(self) -> float | None:
        """The longest counted chunk's run (None without any on record)."""
        spans = [
            end - self.started[c] for c, end in self.counted.items() if self.started.get(c, end + 1) <= end
        ]
        return max(spans, default=None)

    def in_flight(self, chunks_total: int) -> tuple[dict[int, float], int]:
        """Chunks started but never counted (chunk -> start) and how many were never started."""
        started = {c: t for c, t in self.started.items() if c not in self.counted}
        return started, max(0, chunks_total - len(self.counted) - len(started))


@dataclass(frozen=True)
class ChunkLimits:
    """The workers' limits that say how long a chunk can be alive and when a lost one comes back."""

    hard_limit_s: float  # KGP_WORKERS__MAX_CHUNK_S: a live worker ends a chunk's run by then
    retry_wait_s: float  # KGP_WORKERS__RETRY_BACKOFF_MAX_S: the longest wait before a retry starts
    redelivery_s: float  # visibility timeout + restore sweep: a dead worker's chunk is handed out by then
    # WorkerSettings.stall_after_s: a batch silent this long is failed as stalled (`JobService.settle`)
    stall_after_s: float


def waiting(runs: ChunkRuns, chunks_total: int, quiet_s: float, now: float, limits: ChunkLimits) -> JobWait:
    """What a silent batch waits for. A chunk whose latest start is older than its hard limit plus the
    longest retry delay is neither running nor waiting to be retried: its worker died, and the broker
    holds it unacknowledged until the visibility timeout. One started more recently may still run (or
    wait for its retry), or be lost too: both moments are given."""
    started, queued = runs.in_flight(chunks_total)
    alive_s = limits.hard_limit_s + limits.retry_wait_s
    lost = [t for t in started.values() if alive_s < now - t <= limits.redelivery_s]
    # Past its redelivery time and still not started again: no unacknowledged message is left to hand out.
    # Celery drops a chunk whose retry it could not send (the broker was away); the row kept promising
    # a redelivery "by about" a time long past until the batch failed as stalled (a review, s30).
    overdue = [t for t in started.values() if now - t > limits.redelivery_s]
    running = [t for t in started.values() if now - t <= alive_s]
    parts = []
    if overdue:
        parts.append(
            f"{_chunks(len(overdue))} started and never counted: redelivery expected by about "
            f"{hhmm(max(overdue) + limits.redelivery_s)} and not seen, so the message was probably lost "
            f"(a broker restarted without its append-only file); unless a chunk starts or is counted, the "
            f"batch is failed as stalled from about {hhmm(now - quiet_s + limits.stall_after_s)}"
        )
    if lost:
        its, it = ("its", "it") if len(lost) == 1 else ("their", "them")
        # No worker need have died: a chunk that failed while the broker was away, its retry and the requeue
        # of its message refused (workers.patient_retry), stays unacknowledged too; the row said "its worker
        # died" for the whole visibility timeout, an hour, after a Redis restart that killed nothing (a
        # review, s34). Since 3 December such a message comes back; only a broker that lost it does not.
        parts.append(
            f"waiting for redelivery of {_chunks(len(lost))} (unacknowledged: {its} worker died, or {it} "
            f"ended while the broker was away; the broker hands {it} out again after the visibility timeout, "
            f"by about {hhmm(max(lost) + limits.redelivery_s)}, unless it lost the message: a broker "
            "restarted without its append-only file)"
        )
    if running:
        parts.append(
            f"{_chunks(len(running))} started and not counted: still running or waiting to be retried (done "
            f"by about {hhmm(max(running) + alive_s)}), or lost with a worker that died (then redelivered "
            f"after the visibility timeout, by about {hhmm(max(running) + limits.redelivery_s)})"
        )
    if queued:
        parts.append(f"{_chunks(queued)} not started yet (queued, or held by a worker that died)")
    return JobWait(
        quiet_s=quiet_s,
        chunks_running=len(running),
        chunks_lost=len(lost) + len(overdue),
        chunks_queued=queued,
        redelivery_by=(
            datetime.fromtimestamp(max(started.values()) + limits.redelivery_s, UTC) if started else None
        ),
        message=f"nothing counted or started for {quiet_s:,.0f} s: "
        + ("; ".join(parts) or "every chunk is counted, the batch's finalising step is pending"),
    )


def _chunks(n: int) -> str:
    return f"{n:,} chunk" + ("" if n == 1 else "s")


def hhmm(epoch_s: float) -> str:
    return f"{datetime.fromtimestamp(epoch_s, UTC):%H:%M} UTC"


def runs_from(
    started: Mapping[bytes | str, bytes | str], counted: Mapping[bytes | str, bytes | str]
) -> ChunkRuns:
    """From the job's Redis hashes (chunk number -> epoch seconds)."""

    def parse(raw: Mapping[bytes | str, bytes | str]) -> dict[int, float]:
        return {int(k): float(v) for k, v in raw.items()}

    return ChunkRuns(parse(started), parse(counted))
