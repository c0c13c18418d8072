"""Of two enders of a batch only the first wins: the state was read, then marked, so a cancel that had read
"running" a moment before the last chunk finished overwrote "succeeded" with "failed", and two cancels at
once were both answered as the one that ended the batch (a review, s33)."""

from __future__ import annotations

import pytest
import redis

from kgplatform.errors import Conflict
from kgplatform.graph.driver import Graph
from kgplatform.jobs.models import JobState
from kgplatform.jobs.service import JobService
from kgplatform.settings import WorkerSettings


def test_a_cancel_that_read_the_batch_running_does_not_overwrite_its_end(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobService(redis_client, graph, WorkerSettings())
    queued = jobs.start_recompute_all(lambda *_a, **_k: None)
    jobs.progress.mark(queued, JobState.SUCCEEDED, "every chunk planned")  # the last chunk, just now
    # What the cancel saw an instant earlier: the batch still running.
    monkeypatch.setattr(jobs.progress, "is_finished", lambda _job_id: False)
    with pytest.raises(Conflict, match="has ended"):
        jobs.cancel(queued, by="cli:late")
    status = jobs.status(queued)
    assert status.state is JobState.SUCCEEDED and status.message == "every chunk planned", status


def test_of_two_cancels_at_once_one_ends_the_batch_and_the_other_is_refused(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    jobs = JobService(redis_client, graph, WorkerSettings())
    queued = jobs.start_recompute_all(lambda *_a, **_k: None)
    assert jobs.progress.end(queued, JobState.FAILED, "cancelled by cli:first")  # the other cancel
    monkeypatch.setattr(jobs.progress, "is_finished", lambda _job_id: False)  # read before it landed
    with pytest.raises(Conflict, match="has ended"):
        jobs.cancel(queued, by="cli:second")
    assert jobs.status(queued).message == "cancelled by cli:first"
    jobs.fail(queued, "a stall noticed late")  # a later ender keeps the first one's end too
    assert jobs.status(queued).message == "cancelled by cli:first"
    assert jobs.running_batch() is None
