"""POST /jobs/recompute and GET /jobs/{id} on the real app: roles, bad input, the lock, the summary."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.jobs.lock import BatchLock
from kgplatform.jobs.progress import JobProgress
from kgplatform.jobs.service import LOCK_RECOMPUTE_ALL, RECOMPUTE_ALL, JobService
from kgplatform.settings import Settings
from tests.integration.api.harness import Api, running_api


@pytest.fixture
def api(settings: Settings, graph: Graph) -> Iterator[Api]:
    with running_api(settings, graph) as harness:

        def send_task(name: str, args: tuple, *, ignore_result: bool) -> None:
            assert ignore_result, "a batch's message asks for no result (jobs.sending.NO_RESULT)"
            harness.client.app.state.sent.append((name, args))

        harness.client.app.state.send_task = send_task
        harness.client.app.state.sent = []
        yield harness
        redis_client = harness.client.app.state.redis
        for key in redis_client.scan_iter("kgp:job:recompute_all-*"):
            redis_client.delete(key)
        redis_client.delete("kgp:lock:" + LOCK_RECOMPUTE_ALL)


def test_an_admin_starts_a_batch_and_a_service_reads_its_progress(api: Api) -> None:
    response = api.call("POST", "/jobs/recompute", role=Role.ADMIN, json={"chunk_size": 500})
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] == "queued" and job["total"] is None
    assert api.client.app.state.sent == [(RECOMPUTE_ALL, (job["id"], None, 500))]
    read = api.call("GET", f"/jobs/{job['id']}", role=Role.SERVICE)
    assert read.status_code == 200 and read.json()["id"] == job["id"]


def test_roles_and_bad_input_are_refused_and_start_nothing(api: Api) -> None:
    assert api.call("POST", "/jobs/recompute", role=Role.SERVICE, json={}).status_code == 403
    assert api.call("GET", "/jobs/x", role=Role.DESIGNER).status_code == 403
    bad = api.call("POST", "/jobs/recompute", role=Role.ADMIN, json={"chunk_size": 0})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "chunk_size" in bad.text
    for not_an_integer in ("500", 500.0, True):  # a JSON integer only: each was read as one (lax)
        typed = api.call("POST", "/jobs/recompute", role=Role.ADMIN, json={"chunk_size": not_an_integer})
        assert typed.status_code == 422 and typed.json()["field"] == "chunk_size", typed.text
    unknown = api.call("POST", "/jobs/recompute", role=Role.ADMIN, json={"curriculum_id": "no-such"})
    assert unknown.status_code == 404 and unknown.json()["field"] == "curriculum_id"
    assert api.client.app.state.sent == []


def test_an_unknown_job_is_404(api: Api) -> None:
    response = api.call("GET", "/jobs/no-such-job", role=Role.ADMIN)
    assert response.status_code == 404
    assert "no-such-job" in response.json()["detail"]


def test_a_second_batch_while_one_runs_is_409_naming_it(api: Api) -> None:
    BatchLock(api.client.app.state.redis, LOCK_RECOMPUTE_ALL, 60).acquire("recompute_all-running")
    response = api.call("POST", "/jobs/recompute", role=Role.ADMIN)
    assert response.status_code == 409
    assert "recompute_all-running" in response.json()["detail"]
    assert api.client.app.state.sent == []


def test_a_retried_request_while_its_batch_waits_in_the_queue_is_409_naming_it(api: Api) -> None:
    """The lock was taken only when a worker started the batch: a retry (or a second operator) while the
    first waited in the queue got 202 and a second batch, which ran the recomputation again."""
    first = api.call("POST", "/jobs/recompute", role=Role.ADMIN)
    assert first.status_code == 202 and first.json()["state"] == "queued"
    again = api.call("POST", "/jobs/recompute", role=Role.ADMIN)
    assert again.status_code == 409, again.text
    assert again.json()["job_id"] == first.json()["id"] and "queued or running" in again.json()["detail"]
    assert [args[0] for _, args in api.client.app.state.sent] == [first.json()["id"]]


def test_an_admin_cancels_a_queued_batch_and_the_lock_is_free_for_the_next(api: Api) -> None:
    """A batch sent while no worker ran held the batch lock for hours, and only the CLI could end it."""
    queued = api.call("POST", "/jobs/recompute", role=Role.ADMIN).json()["id"]
    assert api.call("POST", f"/jobs/{queued}/cancel", role=Role.SERVICE).status_code == 403
    assert api.call("POST", f"/jobs/{queued}/cancel", role=Role.DESIGNER).status_code == 403
    cancelled = api.call("POST", f"/jobs/{queued}/cancel", role=Role.ADMIN)
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["state"] == "failed"
    assert cancelled.json()["message"] == f"cancelled by {api.actors[Role.ADMIN]}"
    assert api.call("GET", f"/jobs/{queued}", role=Role.SERVICE).json()["state"] == "failed"
    again = api.call("POST", f"/jobs/{queued}/cancel", role=Role.ADMIN)
    assert again.status_code == 409 and "has ended" in again.json()["detail"], again.text
    unknown = api.call("POST", "/jobs/no-such-job/cancel", role=Role.ADMIN)
    assert unknown.status_code == 404 and unknown.json()["field"] == "job_id"
    assert api.call("POST", "/jobs/recompute", role=Role.ADMIN).status_code == 202  # the lock was freed


def test_an_admin_resumes_a_stalled_batch(api: Api, settings: Settings) -> None:
    """POST /jobs/{id}/resume sends a stalled batch's fan-out again under its id (a review, s36)."""
    from kgplatform.jobs.progress import job_key

    job_id = api.call("POST", "/jobs/recompute", role=Role.ADMIN).json()["id"]
    assert api.call("POST", f"/jobs/{job_id}/resume", role=Role.ADMIN).status_code == 409  # queued
    client = api.client.app.state.redis
    jobs = JobService(client, api.graph, settings.workers)
    assert jobs.progress.start(job_id, total=20, chunks_total=2)
    quiet = datetime.fromtimestamp(datetime.now(UTC).timestamp() - 300, UTC)
    client.hset(job_key(job_id), "updated_at", quiet.isoformat())
    from typer.testing import CliRunner

    from kgplatform.cli import app

    shown = CliRunner().invoke(app, ["jobs", "list", "--limit", "1"], terminal_width=250)
    assert shown.exit_code == 0, shown.output
    # "running 0/20" alone read as a batch at work.
    assert "silent 30" in shown.output, shown.output  # 300 s, or 301 on a slow read
    assert f"20 learners not planned (`kgplatform jobs resume {job_id}`)" in shown.output
    silent = datetime.fromtimestamp(datetime.now(UTC).timestamp() - settings.workers.stall_after_s - 60, UTC)
    client.hset(job_key(job_id), "updated_at", silent.isoformat())
    stalled = api.call("GET", f"/jobs/{job_id}", role=Role.SERVICE).json()
    assert stalled["state"] == "failed" and stalled["message"].startswith("stalled:")
    assert api.call("POST", f"/jobs/{job_id}/resume", role=Role.SERVICE).status_code == 403
    api.client.app.state.sent.clear()
    resumed = api.call("POST", f"/jobs/{job_id}/resume", role=Role.ADMIN)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["state"] == "running" and resumed.json()["message"] is None
    assert api.client.app.state.sent == [(RECOMPUTE_ALL, (job_id, None, None))]
    busy = api.call("POST", "/jobs/recompute", role=Role.ADMIN)  # the resumed batch holds the lock
    assert busy.status_code == 409 and busy.json()["job_id"] == job_id, busy.text
    assert api.call("POST", "/jobs/no-such-job/resume", role=Role.ADMIN).status_code == 404


def test_a_batch_that_could_not_be_queued_leaves_the_lock_free(api: Api) -> None:
    def broker_down(name: str, args: tuple[object, ...], **_options: object) -> None:
        raise ConnectionError("broker unreachable")

    api.client.app.state.send_task = broker_down
    with pytest.raises(ConnectionError):
        api.call("POST", "/jobs/recompute", role=Role.ADMIN)
    assert BatchLock(api.client.app.state.redis, LOCK_RECOMPUTE_ALL, 60).holder() is None


class _Chain:
    """A nightly chain whose send is recorded (the job id it was made for), or fails."""

    def __init__(self, tried: list[str], job_id: str, fails: bool) -> None:
        self.tried, self.job_id, self.fails = tried, job_id, fails

    def apply_async(self) -> None:
        self.tried.append(self.job_id)
        if self.fails:
            raise ConnectionError("broker unreachable")


def _start_night(
    api: Api, graph: Graph, settings: Settings, monkeypatch: pytest.MonkeyPatch, tried: list[str], fails: bool
) -> JobService:
    """`start_nightly_job` as beat and `kgplatform nightly` call it; `tried` gets the job id its chain was
    made for."""
    from workers import tasks

    monkeypatch.setattr(tasks, "nightly_chain", lambda job_id, expires: _Chain(tried, job_id, fails))
    jobs = JobService(api.client.app.state.redis, graph, settings.workers)
    tasks.start_nightly_job(jobs, settings.workers, datetime.now(UTC))
    return jobs


def test_a_batch_asked_for_while_the_nights_retrain_runs_is_409_naming_the_night(
    api: Api, graph: Graph, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly job took the batch lock only at its fan-out, after the retrain: a batch an operator
    started meanwhile was accepted and took the lock, and the night's recompute was then skipped."""
    tried: list[str] = []
    _start_night(api, graph, settings, monkeypatch, tried, fails=False)
    response = api.call("POST", "/jobs/recompute", role=Role.ADMIN)
    assert response.status_code == 409, response.text
    assert response.json()["job_id"] == tried[0]
    assert api.client.app.state.sent == []


def test_a_night_whose_chain_could_not_be_sent_is_failed_with_the_reason_and_frees_the_lock(
    api: Api, graph: Graph, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It read "queued" for hours, then failed with "the step before it (the nightly transfer retrain)
    failed", though nothing had been sent; the next batch is accepted at once."""
    tried: list[str] = []
    with pytest.raises(ConnectionError):
        _start_night(api, graph, settings, monkeypatch, tried, fails=True)
    assert BatchLock(api.client.app.state.redis, LOCK_RECOMPUTE_ALL, 60).holder() is None
    status = JobService(api.client.app.state.redis, graph, settings.workers).status(tried[0])
    assert status.state.value == "failed", status
    assert "never sent: ConnectionError: broker unreachable" in (status.message or ""), status
    assert api.call("POST", "/jobs/recompute", role=Role.ADMIN).status_code == 202


def test_the_newest_jobs_are_listed_live_or_from_their_stored_summary(
    api: Api, graph: Graph, settings: Settings
) -> None:
    """A nightly job's id was in the worker's log alone: "did last night's batch succeed?" needed a grep
    or a Cypher query (a review, s34)."""
    redis_client = api.client.app.state.redis
    older = api.call("POST", "/jobs/recompute", role=Role.ADMIN).json()["id"]
    assert api.call("POST", f"/jobs/{older}/cancel", role=Role.ADMIN).status_code == 200
    for key in redis_client.scan_iter(f"kgp:job:{older}*"):  # as after the progress's TTL: Neo4j's alone
        redis_client.delete(key)
    newer = api.call("POST", "/jobs/recompute", role=Role.ADMIN).json()["id"]

    listed = api.call("GET", "/jobs", role=Role.SERVICE)
    assert listed.status_code == 200, listed.text
    first, second = listed.json()[:2]
    assert (first["id"], first["state"], first["source"]) == (newer, "queued", "redis")
    assert (second["id"], second["state"], second["source"]) == (older, "failed", "graph")
    assert second["message"] == f"cancelled by {api.actors[Role.ADMIN]}"
    assert [job["id"] for job in api.call("GET", "/jobs?limit=1", role=Role.SERVICE).json()] == [newer]

    bad = api.call("GET", "/jobs?limit=0", role=Role.SERVICE)
    assert bad.status_code == 422 and "limit" in bad.text
    assert api.call("GET", "/jobs", role=Role.DESIGNER).status_code == 403

    from typer.testing import CliRunner

    from kgplatform.cli import app

    shown = CliRunner().invoke(app, ["jobs", "list", "--limit", "2"], terminal_width=250)
    assert shown.exit_code == 0, shown.output
    assert newer in shown.output and older in shown.output, shown.output
    assert shown.output.index(newer) < shown.output.index(older) and "cancelled" in shown.output
    as_json = CliRunner().invoke(app, ["jobs", "list", "--limit", "2", "--json"])
    assert [job["id"] for job in json.loads(as_json.output)] == [newer, older], as_json.output


def test_a_nights_retrain_outcome_is_one_member_of_the_job_live_and_from_its_summary(
    api: Api, graph: Graph, settings: Settings
) -> None:
    """GET /jobs/{id} gives the retrain's line as `jobs show` prints it, from Redis and, once its progress
    has expired, from the summary kept in Neo4j."""
    job_id = api.call("POST", "/jobs/recompute", role=Role.ADMIN).json()["id"]
    redis_client = api.client.app.state.redis
    progress = JobProgress(redis_client, settings.workers.job_ttl_s)
    line = "published transfer model v-2026 with 42 edges"
    assert progress.note_retrain_outcome(job_id, line)
    JobService(redis_client, graph, settings.workers).finish(job_id)
    live = api.call("GET", f"/jobs/{job_id}", role=Role.SERVICE).json()
    assert live["retrain"] == line and live["source"] == "redis"
    for key in redis_client.scan_iter(f"kgp:job:{job_id}*"):
        redis_client.delete(key)
    stored = api.call("GET", f"/jobs/{job_id}", role=Role.SERVICE).json()
    assert stored["retrain"] == line and stored["source"] == "graph"
    assert not progress.note_retrain_outcome(job_id, line), "no hash made for a job Redis no longer holds"
