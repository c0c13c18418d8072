"""JobService without services: a job's progress is read from Redis (here a fake progress) even while
Neo4j, where a finished job's summary goes, is down."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from neo4j.exceptions import ServiceUnavailable

from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.jobs.service import JobService, stalled_message
from kgplatform.settings import WorkerSettings


class NoScripts:
    """The Redis client JobService is built on; the fakes below stand in for what it reads."""

    def register_script(self, _: str) -> object:
        return object()


class StalledProgress:
    """One running batch, silent past the stall threshold, whose chunk 3 was never counted."""

    def __init__(self) -> None:
        self.state, self.message = JobState.RUNNING, None

    def exists(self, job_id: str) -> bool:
        return True

    def never_sent(self, job_id: str, now: datetime, after_s: float) -> bool:
        return False

    def missed_start(self, job_id: str, now: datetime) -> bool:
        return False

    def stalled_chunks(self, job_id: str, now: datetime, after_s: float) -> list[int] | None:
        return None if self.state.finished else [3]

    def is_complete(self, job_id: str) -> bool:
        return False

    def is_finished(self, job_id: str) -> bool:
        return self.state.finished

    def mark(self, job_id: str, state: JobState, message: str | None = None) -> None:
        self.state, self.message = state, message

    def end(self, job_id: str, state: JobState, message: str) -> bool:
        if self.state.finished:
            return False
        self.state, self.message = state, message
        return True

    def status(self, job_id: str) -> JobStatus:
        created = datetime(2026, 12, 2, 2, 30, tzinfo=UTC)
        return JobStatus(
            id=job_id, kind="recompute_all", state=self.state, created_at=created, message=self.message
        )


class Neo4jDown:
    def save_summary(self, status: JobStatus) -> None:
        raise ServiceUnavailable("Couldn't connect to localhost:7687")


class Lock:
    def __init__(self) -> None:
        self.released: list[str] = []

    def release(self, holder: str) -> bool:
        self.released.append(holder)
        return True


def test_a_stalled_jobs_status_is_read_while_neo4j_is_down(caplog: pytest.LogCaptureFixture) -> None:
    """`jobs show` and GET /jobs/{id} read progress from Redis alone, yet the first read after a stall
    failed (the CLI exited 2, the API answered 503): `settle` marked the job failed, then its summary's
    write to Neo4j raised. The read now returns the failed job, frees its lock, and says the summary
    waits."""
    jobs = JobService(NoScripts(), None, WorkerSettings(), store=Neo4jDown())  # type: ignore[arg-type]
    progress, lock = StalledProgress(), Lock()
    jobs.progress, jobs.lock = progress, lock  # type: ignore[assignment]
    status = jobs.status("job-1")
    assert status.state is JobState.FAILED and "chunk never counted: 3" in (status.message or "")
    assert lock.released == ["job-1"]
    assert "job job-1 is failed, but its summary was not written to Neo4j" in caplog.text
    # A worker's close still raises, so that its task is retried and the retry writes the summary.
    with pytest.raises(ServiceUnavailable):
        jobs.finish("job-1")


def test_a_stalled_batchs_message_names_its_chunks_in_the_plural_for_several() -> None:
    """It read "chunk(s) never counted" whatever their number."""
    assert "; chunks never counted: 2, 3, 4; `kgplatform jobs resume j` " in stalled_message(
        [2, 3, 4], 4300.0, "j"
    )
    assert "; chunk never counted: 3" in stalled_message([3], 4300.0)
