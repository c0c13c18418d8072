"""Live progress of a batch, kept in Redis hashes so it survives any worker's crash.

Layout for job J (each key expires after `ttl_s`):
  kgp:job:J            hash: kind, state, curriculum_id, created_at, started_at, finished_at, total,
                       done, failed, skipped, chunks_total, chunks_done, retraced and retrace_left
                       (learners the chunks traced again, and those they had no time to reach: absent
                       until a chunk counts them), message, start_by (the
                       moment after which a job still queued can no longer start: its messages expired),
                       updated_at (the batch's last sign of life: its fan-out, a chunk starting or
                       counted; a job with none for `WorkerSettings.stall_after_s` is stalled),
                       batch_at (the moment the first fan-out gave every chunk; a rerun reuses it),
                       retrain_failed ("1" when the nightly retrain before this recompute failed),
                       retrain_error (its error, where its failure hook could record it),
                       retrain_started_at, retrain_runner (when and on which worker it started),
                       retrain_retry_at, retrain_retry_error, retrain_retry (when its retry after a
                       transient error runs, the error, "retry/most"),
                       chunk_retry_chunk, chunk_retry_at, chunk_retry_error, chunk_retry (the chunk
                       whose run failed last on a transient error, when its retry runs, the error,
                       "retry/most"),
                       retrain_outcome (the retrain's outcome in one line, once it ended without failing:
                       the model it published and its edges, unchanged data, or not published),
                       awaiting_send ("1" from the job's creation until its messages were sent, for the
                       jobs `JobService` sends; "" after: see `never_sent`)
  kgp:job:J:chunks     set of finished chunk numbers
  kgp:job:J:failures   hash: chunk number -> JSON `JobFailure`
  kgp:job:J:deliveries hash: "chunk:retry" -> times that message started (a chunk that keeps killing
                       its worker is given up on; Celery's retries are new messages and count apart)
  kgp:job:J:starts     list of "chunk runner" (worker host and pid), one per start
  kgp:job:J:started    hash: chunk number -> epoch seconds of its latest start
  kgp:job:J:counted_at hash: chunk number -> epoch seconds it was counted (with `started`: the time chunks
                       ran, which the rate is measured over, and the chunks a silent batch waits for)
  kgp:job:J:split      list: each chunk's first learner id, as the first fan-out split the learners (a
                       rerun of the fan-out splits by these, so a chunk number keeps meaning its learners)
  kgp:job:J:sizes      hash: chunk number -> the learners `total` holds for it (its first split's size,
                       raised when a rerun of the fan-out re-splits it larger: see `grow_chunks`)
A chunk is counted once however often it runs (acks_late redelivers it after a crash): its number is
added to the set and the counters move in the same Lua script, only when the number was new.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import redis

from kgplatform.errors import NotFound
from kgplatform.jobs.models import JobFailure, JobState, JobStatus, JobWait
from kgplatform.jobs.pace import ChunkLimits, ChunkRuns, hhmm, runs_from, waiting
from kgplatform.wording import counted
from workers.queues import Queue

KEY_PREFIX = "kgp:job:"
# The message of a job ended by `JobService.cancel`: "cancelled by cli:USER".
CANCELLED_BY = "cancelled by "
# The message of a job ended by the stall check (`service.stalled_message`); such a job may be resumed.
STALLED = "stalled:"

COUNTERS = ("total", "done", "failed", "skipped", "chunks_total", "chunks_done")
# KEYS: job hash, chunk set, failures hash, counted_at hash; ARGV: chunk, done, failed, skipped, now,
# failure JSON or "", ttl seconds, now as epoch seconds, retraced, retrace_left.
# Returns {chunks_done, chunks_total} after the update, or {-1, -1} when the chunk was already counted.
_RECORD_CHUNK = """
if redis.call('sadd', KEYS[2], ARGV[1]) == 0 then return {-1, -1} end
redis.call('expire', KEYS[2], ARGV[7])
redis.call('hset', KEYS[4], ARGV[1], ARGV[8])
redis.call('expire', KEYS[4], ARGV[7])
if ARGV[6] ~= '' then
  redis.call('hset', KEYS[3], ARGV[1], ARGV[6])
  redis.call('expire', KEYS[3], ARGV[7])
end
-- Every key of the job lives as long from its last change: a batch outliving job_ttl_s keeps its hash.
redis.call('expire', KEYS[1], ARGV[7])
redis.call('hincrby', KEYS[1], 'done', ARGV[2])
redis.call('hincrby', KEYS[1], 'failed', ARGV[3])
redis.call('hincrby', KEYS[1], 'skipped', ARGV[4])
-- Only when non-zero: a batch that retraced nobody keeps the hash (and `jobs show`) as it was.
if ARGV[9] ~= '0' then redis.call('hincrby', KEYS[1], 'retraced', ARGV[9]) end
if ARGV[10] ~= '0' then redis.call('hincrby', KEYS[1], 'retrace_left', ARGV[10]) end
redis.call('hset', KEYS[1], 'updated_at', ARGV[5])
local n = redis.call('hincrby', KEYS[1], 'chunks_done', 1)
return {n, tonumber(redis.call('hget', KEYS[1], 'chunks_total') or '-1')}
"""


# KEYS: job hash; ARGV: ttl seconds, the finished states (`FINISHED_STATES`), then field, value pairs. Sets
# the fields unless the job has ended (returns 0 then): a fan-out that was past its "finished?" check when
# `JobService.cancel` ended the job marked it running again, and the batch ran to "succeeded" without its
# lock. Also how a job is ended (`JobProgress.end`), so that of two enders only the first wins.
_START = """
local state = redis.call('hget', KEYS[1], 'state')
for finished in string.gmatch(ARGV[2], '[^,]+') do
  if state == finished then return 0 end
end
redis.call('hset', KEYS[1], unpack(ARGV, 3))
redis.call('expire', KEYS[1], ARGV[1])
return 1
"""
# `JobState.finished`, as the script reads it: the enum stays the one place that says which states end a job.
FINISHED_STATES = ",".join(state.value for state in JobState if state.finished)


def job_key(job_id: str) -> str:
    return KEY_PREFIX + job_id


def utc_now() -> datetime:
    return datetime.now(UTC)


def ended_as_stalled(state: str | None, message: str | None) -> bool:
    """Whether a job was failed by the stall check (and so may be resumed, `JobService.resume`)."""
    return state == JobState.FAILED and (message or "").startswith(STALLED)


class JobProgress:
    """Reads and moves one Redis-held job at a time; every method names the job by id."""

    def __init__(self, client: redis.Redis, ttl_s: int, limits: ChunkLimits | None = None) -> None:
        """`limits`: the workers' chunk limits, for saying when a silent batch's chunks come back."""
        self.client = client
        self.ttl_s = ttl_s
        self.limits = limits
        self._record = client.register_script(_RECORD_CHUNK)
        self._start = client.register_script(_START)

    def _keys(self, job_id: str) -> tuple[str, str, str, str, str, str, str, str]:
        key = job_key(job_id)
        return (
            key,
            key + ":chunks",
            key + ":failures",
            key + ":deliveries",
            key + ":started",
            key + ":counted_at",
            key + ":split",
            key + ":sizes",
        )

    @staticmethod
    def _values(fields: Mapping[str, object]) -> dict[str, str]:
        return {
            k: ("" if v is None else v.isoformat() if isinstance(v, datetime) else str(v))
            for k, v in fields.items()
        }

    def _set(self, job_id: str, fields: Mapping[str, object]) -> None:
        values = self._values(fields)
        pipe = self.client.pipeline()
        if values:
            pipe.hset(job_key(job_id), mapping=values)
        for key in self._keys(job_id):
            pipe.expire(key, self.ttl_s)
        pipe.execute()

    def create(
        self,
        job_id: str,
        kind: str,
        curriculum_id: str | None,
        start_by: datetime | None = None,
        *,
        awaiting_send: bool = False,
    ) -> None:
        """A queued job; `awaiting_send`: its creator sends its messages next and calls `mark_sent`."""
        self._set(
            job_id,
            {
                "awaiting_send": 1 if awaiting_send else "",
                "kind": kind,
                "state": JobState.QUEUED,
                "curriculum_id": curriculum_id,
                "start_by": start_by,
                "created_at": utc_now(),
                "done": 0,
                "failed": 0,
                "skipped": 0,
                "chunks_done": 0,
            },
        )

    def job_ids(self) -> list[str]:
        """The ids of every job Redis still holds (queued, running, or ended within `ttl_s`)."""
        keys = self.client.scan_iter(KEY_PREFIX + "*", count=1000)
        ids = {(key.decode() if isinstance(key, bytes) else key)[len(KEY_PREFIX) :] for key in keys}
        # A job's other keys are its id followed by ":chunks", ":failures", ...; ids hold no colon.
        return sorted(job_id for job_id in ids if ":" not in job_id)

    def exists(self, job_id: str) -> bool:
        return bool(self.client.exists(job_key(job_id)))

    def is_finished(self, job_id: str) -> bool:
        """Whether the job is known here and in a final state (succeeded, failed, skipped)."""
        return self.exists(job_id) and self.status(job_id).state.finished

    def is_cancelled(self, job_id: str) -> bool:
        """Whether the job was ended by `JobService.cancel` (failed, "cancelled by ...")."""
        if not self.exists(job_id):
            return False
        status = self.status(job_id)
        return status.state.finished and (status.message or "").startswith(CANCELLED_BY)

    def touch(self, job_id: str) -> None:
        """A worker has taken the job up (its fan-out holds the lock): from now on it can stall."""
        self._set(job_id, {"updated_at": utc_now()})

    def start(self, job_id: str, *, total: int, chunks_total: int, batch_at: datetime | None = None) -> bool:
        """The batch is split: how many learners and chunks there are (set before any chunk is sent), and
        the moment its plans are computed for (`batch_at`, kept for a rerun of the fan-out). False, and
        nothing set, when the job has ended meanwhile (cancelled while its fan-out read the learners)."""
        fields: dict[str, object] = {
            "state": JobState.RUNNING,
            "started_at": self.get_field(job_id, "started_at") or utc_now().isoformat(),
            "updated_at": utc_now(),
            "total": total,
            "chunks_total": chunks_total,
        }
        if batch_at is not None:
            fields["batch_at"] = batch_at.isoformat()
        pairs = [part for item in self._values(fields).items() for part in item]
        if not self._start(keys=[job_key(job_id)], args=[self.ttl_s, FINISHED_STATES, *pairs]):
            return False
        self._set(job_id, {})  # the job's other keys live as long
        return True

    def note_retrain_failed(self, job_id: str, error: str | None = None) -> bool:
        """Records on the night's job that its retrain failed, and why when `error` says (the retrain's
        failure hook knows the error, the chain's fallback only that it failed); False when the job is gone
        from Redis: setting the field would leave a hash with no state."""
        if not self.exists(job_id):
            return False
        self._set(job_id, {"retrain_failed": 1, **({"retrain_error": error} if error else {})})
        return True

    def note_retrain_started(self, job_id: str, runner: str) -> bool:
        """Records on the night's job when and where its retrain started (False when the job is gone from
        Redis), so that a night waiting on it can say the retrain runs or was lost with its worker, not
        that no worker took it up (a review, s34)."""
        if not self.exists(job_id):
            return False
        self._set(job_id, {"retrain_started_at": utc_now(), "retrain_runner": runner})
        return True

    def note_retry(
        self,
        job_id: str,
        work: RetriedWork,
        error: str,
        retry_at: datetime,
        retry: int,
        most: int,
        chunk: int | None = None,
    ) -> bool:
        """Records that the job's `work` (the night's retrain, or chunk `chunk` of the batch) failed on a
        transient error (`error`: Neo4j or Redis away or stalled) and is tried again at `retry_at` (retry
        `retry` of `most`); False when the job is gone. Only the latest chunk to retry is kept: enough to
        say that the batch is retrying, and why."""
        if not self.exists(job_id):
            return False
        fields: dict[str, Any] = {
            f"{work}_retry_at": retry_at,
            f"{work}_retry_error": error,
            f"{work}_retry": f"{retry}/{most}",
        }
        if chunk is not None:
            fields["chunk_retry_chunk"] = chunk
        self._set(job_id, fields)
        return True

    def note_retrain_outcome(self, job_id: str, outcome: str) -> bool:
        """Records on the night's job how its retrain ended (`transfer.summary.describe_retrain`); False
        when the job is gone from Redis."""
        if not self.exists(job_id):
            return False
        self._set(job_id, {"retrain_outcome": outcome})
        return True

    def batch_at(self, job_id: str) -> datetime | None:
        """The moment the first fan-out gave the batch (`start`), None before it."""
        value = self.get_field(job_id, "batch_at")
        return datetime.fromisoformat(value) if value else None

    def save_split(self, job_id: str, first_ids: list[str], sizes: list[int]) -> None:
        """Each chunk's first learner id, in chunk order (`split`), and its size (what `total` counts for
        it); set once, by the first fan-out."""
        key, sizes_key = self._keys(job_id)[6:8]
        pipe = self.client.pipeline()
        pipe.delete(key, sizes_key)
        if first_ids:
            pipe.rpush(key, *first_ids)
            pipe.expire(key, self.ttl_s)
            pipe.hset(sizes_key, mapping={str(i): n for i, n in enumerate(sizes)})
            pipe.expire(sizes_key, self.ttl_s)
        pipe.execute()

    def grow_chunks(self, job_id: str, sizes: Mapping[int, int]) -> int:
        """A rerun of the fan-out re-split the current learners by the first split's boundaries, and
        chunks it sends again may hold learners who joined since (a chunk counts its message's learners):
        `total` is raised by how much larger they are than `total` already holds, so `done` never
        passes it (21 of 15 learners, a negative ETA: a review, 2 December). Never lowered: a chunk may
        still be counted from the first run's message, at its first size. Returns the raise (0 for a
        split saved without sizes, by an older release)."""
        if not sizes:
            return 0
        keys = self._keys(job_id)
        key, sizes_key = keys[0], keys[7]
        held = self.client.hmget(sizes_key, [str(i) for i in sizes])
        grown: dict[str, int] = {}
        raised = 0
        for (index, size), was in zip(sizes.items(), held, strict=True):
            if was is not None and size > int(was):
                grown[str(index)] = size
                raised += size - int(was)
        if not grown:
            return 0
        # Not atomic: only reruns of one job's own fan-out race here, and a raise counted twice errs
        # towards done < total, never past it.
        pipe = self.client.pipeline()
        pipe.hset(sizes_key, mapping=grown)
        pipe.hincrby(key, "total", raised)
        pipe.execute()
        return raised

    def split(self, job_id: str) -> list[str] | None:
        """The first fan-out's chunk boundaries (`save_split`), None when no fan-out saved any."""
        firsts = self.client.lrange(self._keys(job_id)[6], 0, -1)
        return [f.decode() if isinstance(f, bytes) else f for f in firsts] or None

    def mark(self, job_id: str, state: JobState, message: str | None = None) -> None:
        fields: dict[str, object] = {"state": state}
        if message is not None:
            fields["message"] = message
        if state.finished:
            fields["finished_at"] = utc_now()
        self._set(job_id, fields)

    def end(self, job_id: str, state: JobState, message: str) -> bool:
        """Ends the job in `state` unless it has ended already, in one step: False, nothing changed, when
        it had. A read of the state followed by a mark let two enders both win (two cancels both answered
        200; the last chunk's "succeeded" overwritten by a cancel that had read "running" a moment
        before); the first to end a job now keeps it."""
        if not state.finished:
            raise ValueError(f"{state} is not a final state")
        fields = {"state": state, "message": message, "finished_at": utc_now()}
        pairs = [part for item in self._values(fields).items() for part in item]
        if not self._start(keys=[job_key(job_id)], args=[self.ttl_s, FINISHED_STATES, *pairs]):
            return False
        self._set(job_id, {})  # the job's other keys live as long
        return True

    def reopen(self, job_id: str) -> bool:
        """A batch the stall check failed runs again (`JobService.resume`): state running, its end and
        message cleared, alive from now. False, nothing changed, unless it is failed as stalled."""
        fields = self._raw(job_id)
        if not ended_as_stalled(fields.get("state"), fields.get("message")):
            return False
        self._set(
            job_id, {"state": JobState.RUNNING, "message": "", "finished_at": "", "updated_at": utc_now()}
        )
        return True

    def count_delivery(self, job_id: str, chunk: int, runner: str = "", attempt: int = 0) -> int:
        """How many times this message of the chunk (its `attempt`, Celery's retry number) has started:
        1 the first time, more after redeliveries; each start is also logged with who ran it (`starts`),
        for operators and the crash tests."""
        key, started = self._keys(job_id)[3], self._keys(job_id)[4]
        starts = job_key(job_id) + ":starts"
        now = utc_now()
        # A chunk already counted keeps the start of the run that was counted: a later start would drop
        # that run from the time the rate is measured over (`pace.active_s`), and the rate would read high.
        counted = self.client.sismember(self._keys(job_id)[1], str(chunk))
        pipe = self.client.pipeline()
        pipe.hincrby(key, f"{chunk}:{attempt}", 1)
        pipe.rpush(starts, f"{chunk} {runner}")
        if not counted:
            pipe.hset(started, str(chunk), repr(now.timestamp()))
        # A chunk that starts (a retry after its backoff, a redelivery) shows the batch alive.
        pipe.hset(job_key(job_id), "updated_at", now.isoformat())
        for name in (key, starts, started):
            pipe.expire(name, self.ttl_s)
        return int(pipe.execute()[0])

    def starts(self, job_id: str) -> list[tuple[int, str]]:
        """(chunk, runner) for every start of a chunk, in order."""
        entries = [e.decode().split(" ", 1) for e in self.client.lrange(job_key(job_id) + ":starts", 0, -1)]
        return [(int(chunk), runner) for chunk, runner in entries]

    def get_field(self, job_id: str, name: str) -> str | None:
        value = self.client.hget(job_key(job_id), name)
        return value.decode() if isinstance(value, bytes) else value

    def finished_chunks(self, job_id: str, chunks: Iterable[int]) -> set[int]:
        chunks = list(chunks)
        if not chunks:
            return set()
        flags = self.client.smismember(self._keys(job_id)[1], [str(c) for c in chunks])
        return {c for c, flag in zip(chunks, flags, strict=True) if flag}

    def record_chunk(
        self,
        job_id: str,
        chunk: int,
        *,
        done: int,
        failed: int = 0,
        skipped: int = 0,
        failure: JobFailure | None = None,
        retraced: int = 0,
        retrace_left: int = 0,
    ) -> tuple[int, int] | None:
        """Counts a finished chunk once; (chunks_done, chunks_total) after it, None if already counted.
        `retraced`, `retrace_left`: the chunk's learners traced again, and those it had no time to reach."""
        key, chunks, failures, _, _, counted_at, _, _ = self._keys(job_id)
        payload = failure.model_dump_json() if failure else ""
        now = utc_now()
        result = self._record(
            keys=[key, chunks, failures, counted_at],
            args=[
                chunk,
                done,
                failed,
                skipped,
                now.isoformat(),
                payload,
                self.ttl_s,
                repr(now.timestamp()),
                retraced,
                retrace_left,
            ],
        )
        if int(result[0]) < 0:
            return None
        return int(result[0]), int(result[1])

    def mark_sent(self, job_id: str) -> None:
        """The job's messages reached the broker (`create(awaiting_send=True)`)."""
        self._set(job_id, {"awaiting_send": ""})

    def never_sent(self, job_id: str, now: datetime, after_s: float) -> bool:
        """Still queued, created over `after_s` ago, and its sending never confirmed: the send failed
        and the failure could not be recorded (Redis, which is also the broker, went away), or the
        process died while sending. Jobs made before this marker existed have none: never judged so."""
        fields = self._raw(job_id)
        created = fields.get("created_at")
        return (
            fields.get("state") == JobState.QUEUED
            and fields.get("awaiting_send") == "1"
            and bool(created)
            and (now - datetime.fromisoformat(created)).total_seconds() > after_s
        )

    def missed_start(self, job_id: str, now: datetime) -> bool:
        """Still queued after its `start_by`: whatever was to start it expired or failed on the way."""
        fields = self._raw(job_id)
        start_by = fields.get("start_by")
        return (
            fields.get("state") == JobState.QUEUED
            and bool(start_by)
            and datetime.fromisoformat(start_by) < now
        )

    def stalled_chunks(self, job_id: str, now: datetime, after_s: float) -> list[int] | None:
        """The chunks never counted of a job taken up by a worker but silent for longer than `after_s`
        (every chunk when the fan-out never split it); None while it is alive, finished or not taken up."""
        fields = self._raw(job_id)
        last = fields.get("updated_at")
        if not last or JobState(fields["state"]).finished:
            return None
        if (now - datetime.fromisoformat(last)).total_seconds() <= after_s:
            return None
        counted = {int(c) for c in self.client.smembers(self._keys(job_id)[1])}
        return sorted(set(range(int(fields.get("chunks_total") or 0))) - counted)

    def is_complete(self, job_id: str) -> bool:
        fields = self._raw(job_id)
        total = fields.get("chunks_total")
        return bool(total) and int(fields.get("chunks_done") or 0) >= int(total)

    def _raw(self, job_id: str) -> dict[str, str]:
        raw = self.client.hgetall(job_key(job_id))
        return {k.decode(): v.decode() for k, v in raw.items()}

    def failures(self, job_id: str) -> list[JobFailure]:
        raw = self.client.hgetall(self._keys(job_id)[2])
        items = [JobFailure.model_validate_json(v) for v in raw.values()]
        return sorted(items, key=lambda f: f.chunk)

    def status(self, job_id: str) -> JobStatus:
        fields = self._raw(job_id)
        if not fields:
            raise NotFound(f"job {job_id!r} is not known (or its progress expired)", field="job_id")
        return status_of(
            job_id, fields, self.failures(job_id), now=time.time(), runs=self.runs(job_id), limits=self.limits
        )

    def runs(self, job_id: str) -> ChunkRuns:
        """When each chunk last started and on which worker, and when each counted one was counted."""
        keys = self._keys(job_id)
        pipe = self.client.pipeline()
        pipe.hgetall(keys[4])
        pipe.hgetall(keys[5])
        pipe.lrange(job_key(job_id) + ":starts", 0, -1)
        started, counted, starts = pipe.execute()
        return runs_from(started, counted, starts)


# A batch silent longer than its ETA and than this has none until a chunk starts or is counted again: this
# long when no chunk's run is on record, else this floor or twice the longest run, if longer.
QUIET_S = 60.0
QUIET_FLOOR_S = 10.0


# What of a job is retried after a transient error: the night's retrain, or one chunk of the batch.
RetriedWork = Literal["retrain", "chunk"]


@dataclass(frozen=True)
class PendingRetry:
    """Work of the job failed on a transient error and waits to be tried again (`note_retry`)."""

    at: datetime
    error: str
    count: str  # "retry/most"
    chunk: int | None = None  # which chunk, for a chunk's retry

    @classmethod
    def read(cls, fields: Mapping[str, str], work: RetriedWork) -> PendingRetry | None:
        at = fields.get(f"{work}_retry_at")
        chunk = fields.get("chunk_retry_chunk") if work == "chunk" else None
        if not at or (work == "chunk" and not chunk):
            return None
        error = " ".join(fields.get(f"{work}_retry_error", "").split())  # one line, as a Neo4j error is not
        count = fields.get(f"{work}_retry", "")
        return cls(datetime.fromisoformat(at), error, count, int(chunk) if chunk else None)

    def when(self) -> str:
        """When, and which retry: "tried again at 02:14:05 UTC (retry 3/14, KGP_WORKERS__MAX_RETRIES)"."""
        return (
            f"tried again at {self.at.astimezone(UTC):%H:%M:%S} UTC (retry {self.count}, "
            "KGP_WORKERS__MAX_RETRIES)"
        )


def fan_out_waiting(
    quiet_s: float,
    *,
    nightly: bool,
    retrain_started: datetime | None = None,
    retrain_runner: str = "",
    limits: ChunkLimits | None = None,
    retrain_retry: PendingRetry | None = None,
) -> JobWait:
    """What a batch queued `quiet_s` ago, whose fan-out no worker has taken up, waits for. A night's job
    (it has a `start_by`) first waits for its retrain, on the training queue; `retrain_started` (and the
    worker it started on) once a worker has taken the retrain up."""
    planning, training = Queue.PLANNING.value, Queue.TRAINING.value
    if (
        nightly
        and retrain_retry is not None
        and (retrain_started is None or retrain_retry.at >= retrain_started)
    ):
        # A retrain retried through a Neo4j restart read "still runs, or was lost with its worker ... handed
        # out again after the visibility timeout, by about" an hour later (5 December 2026).
        message = (
            f"the night's retrain failed on {retrain_retry.error} and is {retrain_retry.when()}; the fan-out "
            f"(queue {planning}) follows it"
        )
    elif nightly and retrain_started is not None:
        # "No worker has taken the retrain up" sent an operator looking for a missing training worker while
        # two were up and idle, the retrain lost with the one killed under it (a review, s34).
        back = (
            f", by about {hhmm(retrain_started.timestamp() + limits.redelivery_s)}"
            if limits is not None
            else ""
        )
        message = (
            f"the night's retrain started at {hhmm(retrain_started.timestamp())} on "
            f"{retrain_runner or 'a worker'} and has not handed over to the fan-out (queue {planning}): it "
            f"still runs (at most KGP_WORKERS__MAX_RETRAIN_S), or was lost with its worker and is handed out "
            f"again after the visibility timeout{back}"
        )
    elif nightly:
        # The retrain comes first: asking about planning workers sent an operator to check the two that
        # ran while no worker consumed training and the retrain expired unclaimed (a review, s30).
        message = (
            f"the night's retrain (queue {training}) runs or waits first, then the fan-out waits in queue "
            f"{planning}; no worker has taken the retrain up yet, or it still runs (is a `kgplatform "
            f"worker` consuming {training} running? An unclaimed retrain is dropped after "
            f"KGP_WORKERS__NIGHTLY_EXPIRY_S and the job then fails as never started; once the retrain ran, "
            f"the fan-out needs a worker on {planning})"
        )
    else:
        message = (
            f"the fan-out waits in queue {planning}; no worker has taken it (is a `kgplatform worker` "
            f"consuming {planning} running?)"
        )
    return JobWait(
        quiet_s=quiet_s,
        chunks_lost=0,
        chunks_running=0,
        chunks_queued=0,
        message=f"not taken up for {quiet_s:,.0f} s: {message}",
    )


def status_of(
    job_id: str,
    fields: Mapping[str, str],
    failures: list[JobFailure],
    now: float,
    runs: ChunkRuns | None = None,
    limits: ChunkLimits | None = None,
) -> JobStatus:
    """Progress fields as a `JobStatus`: the rate while chunks ran (see `pace`; since the start when
    `runs` has none), the ETA at that rate, and what a silent batch waits for (`limits` give the moments)."""

    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(fields[name]) if fields.get(name) else None

    def number(name: str) -> int | None:
        return int(fields[name]) if fields.get(name) else None

    state = JobState(fields["state"])
    started, finished = when("started_at"), when("finished_at")
    total, done = number("total"), number("done") or 0
    rate = eta = None
    wait: JobWait | None = None
    runs = runs or ChunkRuns({}, {})
    if started is not None:
        end = finished.timestamp() if finished else now
        active_s = runs.active_s()
        rate = done / (active_s or max(end - started.timestamp(), 1e-6))
        if total is not None and not state.finished:
            # Floored: learners counted past `total` (a fan-out rerun before `grow_chunks` existed) gave
            # a negative ETA, printed as "< 1 s" while chunks were still queued.
            eta = max(0.0, (total - done) / rate) if rate > 0 else None
        last_sign = when("updated_at")
        quiet_s = now - last_sign.timestamp() if last_sign else 0.0
        longest = runs.longest_s()
        expected_s = max(eta or 0.0, QUIET_S if longest is None else max(QUIET_FLOOR_S, 2 * longest))
        if total is not None and not state.finished and quiet_s > expected_s:
            # Nothing moved for longer than the rest should take: a chunk waits to be redelivered (after
            # a crash) or is lost; "ETA 0 s" for an hour misled, so say what it waits for instead.
            eta = None
            if limits is not None and number("chunks_total"):
                wait = waiting(runs, number("chunks_total") or 0, quiet_s, now, limits)
                # How many learners the silence holds back, and the way out that does not wait for the
                # broker: "failed: 0" beside a bare chunk count left an operator guessing (a review, s36).
                out = max(0, total - done)
                wait = wait.model_copy(
                    update={
                        "learners_out": out,
                        "message": f"{wait.message}; {counted(out, 'learner')} not planned yet: "
                        f"`kgplatform jobs resume {job_id}` sends their chunks again now",
                    }
                )
    elif state is JobState.QUEUED and not fields.get("updated_at"):
        # No worker has taken the fan-out up (`touch` sets updated_at): with no worker consuming planning
        # the batch sat "queued" with no hint, for ever (a review, s30).
        created = when("created_at")
        quiet_s = now - created.timestamp() if created else 0.0
        if quiet_s > QUIET_S:
            wait = fan_out_waiting(
                quiet_s,
                nightly=bool(fields.get("start_by")),
                retrain_started=when("retrain_started_at"),
                retrain_runner=fields.get("retrain_runner", ""),
                limits=limits,
                retrain_retry=PendingRetry.read(fields, "retrain"),
            )
    chunk_retry = PendingRetry.read(fields, "chunk")
    # Until that chunk is counted: the job read "running" with an ETA of seconds, and nothing said that a
    # chunk cut short by a stalled Neo4j waited for its retry (a review, 6 December 2026).
    retrying = (
        f"chunk {chunk_retry.chunk} failed on {chunk_retry.error} and is {chunk_retry.when()}"
        if chunk_retry is not None and not state.finished and chunk_retry.chunk not in runs.counted
        else None
    )
    return JobStatus(
        id=job_id,
        kind=fields.get("kind", ""),
        state=state,
        curriculum_id=fields.get("curriculum_id") or None,
        total=total,
        done=done,
        failed=number("failed") or 0,
        skipped=number("skipped") or 0,
        retraced=number("retraced") or 0,
        retrace_left=number("retrace_left") or 0,
        chunks_total=number("chunks_total"),
        chunks_done=number("chunks_done") or 0,
        created_at=when("created_at") or datetime.fromtimestamp(now, UTC),
        started_at=started,
        finished_at=finished,
        rate_per_s=rate,
        eta_s=eta,
        waiting=wait,
        retrying=retrying,
        message=fields.get("message") or None,
        retrain_failed=fields.get("retrain_failed") == "1",
        retrain=retrain_line(fields),
        failures=failures,
        workers=runs.by_runner(),
    )


def retrain_line(fields: Mapping[str, str]) -> str | None:
    """A nightly job's retrain outcome in one line: as the retrain recorded it, or its failure (recorded
    by its failure hook or the chain's fallback); None for a job with no retrain, or one not ended yet."""
    if fields.get("retrain_failed") == "1":
        # An exception's text may span lines (a Neo4j error's does): the line stays one line.
        error = " ".join(fields.get("retrain_error", "").split())
        return f"failed: {error}" if error else "failed (see the training worker's log)"
    return fields.get("retrain_outcome") or None
