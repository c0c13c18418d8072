"""How fast a batch goes, and what it waits for when it stops moving.

The rate counts only the time chunks ran (the union of each counted chunk's last run, from its start to its
count): a batch that waited an hour for a killed worker's chunk to be redelivered reads at the pace it
planned at, not at "0 learners/s". A batch that has been silent for longer than the rate says the rest
takes gets no ETA ("ETA 0 s" for an hour misled) but a `JobWait`: which chunks it waits for, and when the
broker hands out again a chunk whose worker died (it stays unacknowledged until the visibility timeout and
kombu's next restore sweep).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from kgplatform.jobs.models import JobWait
from kgplatform.wording import counted


@dataclass(frozen=True)
class ChunkRuns:
    """Epoch seconds of each chunk's latest start and of its count (only for counted chunks), and the
    worker (node name and pid) of each chunk's latest start."""

    started: Mapping[int, float]
    counted: Mapping[int, float]
    runners: Mapping[int, str] = field(default_factory=dict)

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

    def held_by(self, chunks: Iterable[int]) -> str:
        """The words naming these chunks' workers (their latest starts): " on NODE pid N", or " on A (2), B"
        for several; "" when no start names its worker."""
        counts: dict[str, int] = {}
        for chunk in chunks:
            if runner := self.runners.get(chunk):
                counts[runner] = counts.get(runner, 0) + 1
        named = [f"{r} ({n})" if n > 1 and len(counts) > 1 else r for r, n in sorted(counts.items())]
        return f" on {', '.join(named)}" if named else ""

    def by_runner(self) -> dict[str, int]:
        """How many chunks each worker started last (counted or not), busiest first."""
        counts: dict[str, int] = {}
        for runner in self.runners.values():
            counts[runner] = counts.get(runner, 0) + 1
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

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
    lost = {c: t for c, t in started.items() if alive_s < now - t <= limits.redelivery_s}
    # Past its redelivery time and still not started again: no unacknowledged message is left to hand out.
    # Celery drops a chunk whose retry it could not send (the broker was away); the row kept promising
    # a redelivery "by about" a time long past until the batch failed as stalled (a review, s30).
    overdue = {c: t for c, t in started.items() if now - t > limits.redelivery_s}
    running = {c: t for c, t in started.items() if now - t <= alive_s}
    # Which worker started each of them: with workers on several machines, a silent batch did not say
    # which machine went away (the starts were logged, but nothing showed them; a review, s39).
    on = runs.held_by
    parts = []
    if overdue:
        parts.append(
            f"{counted(len(overdue), 'chunk')} started{on(overdue)} and never counted: redelivery expected "
            f"by about {hhmm(max(overdue.values()) + limits.redelivery_s)} and not seen, so the message was "
            f"probably lost (a broker restarted without its append-only file); unless a chunk starts or is "
            f"counted, the batch is failed as stalled from about {hhmm(now - quiet_s + limits.stall_after_s)}"
        )
    if lost:
        its, it = ("its", "it") if len(lost) == 1 else ("their", "them")
        # No worker need have died: a chunk that failed while the broker was away, its retry and the requeue
        # of its message refused (workers.patient_retry), stays unacknowledged too; the row said "its worker
        # died" for the whole visibility timeout, an hour, after a Redis restart that killed nothing (a
        # review, s34). Since 3 December such a message comes back; only a broker that lost it does not.
        back_by = hhmm(max(lost.values()) + limits.redelivery_s)
        parts.append(
            f"waiting for redelivery of {counted(len(lost), 'chunk')}{on(lost)} (unacknowledged: {its} "
            f"worker died, or {it} ended while the broker was away; the broker hands {it} out again after "
            f"the visibility timeout, by about {back_by}, unless it lost the message: a broker restarted "
            "without its append-only file)"
        )
    if running:
        latest = max(running.values())
        parts.append(
            f"{counted(len(running), 'chunk')} started{on(running)} and not counted: still running or "
            f"waiting to be retried (done by about {hhmm(latest + alive_s)}), or lost with a worker that "
            f"died (then redelivered after the visibility timeout, by about "
            f"{hhmm(latest + limits.redelivery_s)})"
        )
    if queued:
        # A message is popped from the queue and recorded as unacknowledged in two steps (kombu's Redis
        # transport): a worker that took one as Redis stopped holds it nowhere, and nothing hands it out
        # again (1 chunk of 16 in an operator's 30 s Redis restart, 5 December 2026).
        parts.append(
            f"{counted(queued, 'chunk')} not started yet (queued, held by a worker that died, or lost as a "
            "worker took it when the broker went away: such a message is never handed out again)"
        )
    return JobWait(
        quiet_s=quiet_s,
        chunks_running=len(running),
        chunks_lost=len(lost) + len(overdue),
        chunks_queued=queued,
        runners=sorted({runs.runners[c] for c in started if runs.runners.get(c)}),
        redelivery_by=(
            datetime.fromtimestamp(max(started.values()) + limits.redelivery_s, UTC) if started else None
        ),
        message=f"nothing counted or started for {quiet_s:,.0f} s: "
        + ("; ".join(parts) or "every chunk is counted, the batch's finalising step is pending"),
    )


def hhmm(epoch_s: float) -> str:
    return f"{datetime.fromtimestamp(epoch_s, UTC):%H:%M} UTC"


def runs_from(
    started: Mapping[bytes | str, bytes | str],
    counted: Mapping[bytes | str, bytes | str],
    starts: Iterable[bytes | str] = (),
) -> ChunkRuns:
    """From the job's Redis hashes (chunk number -> epoch seconds) and its log of starts ("chunk runner",
    oldest first: a chunk's last entry names the worker of its latest start)."""
    runners: dict[int, str] = {}
    for entry in starts:
        chunk, _, runner = (entry.decode() if isinstance(entry, bytes) else entry).partition(" ")
        runners[int(chunk)] = runner

    def parse(raw: Mapping[bytes | str, bytes | str]) -> dict[int, float]:
        return {int(k): float(v) for k, v in raw.items()}

    return ChunkRuns(parse(started), parse(counted), runners)
