"""The workers' safety nets, without services: failure hooks, the nightly chain's error path and its
per-night guard, the metrics directory per worker, and `--wait`'s timeout. Messages are captured where
Celery hands them to the broker (`app.send_task`)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import workers.tasks as tasks
from kgplatform.errors import PreconditionFailed, ServiceUnavailable
from kgplatform.jobs.models import JobState, JobStatus
from kgplatform.settings import Settings, WorkerSettings
from workers.celery_app import app
from workers.schedule import NIGHTLY_GUARD_TTL_S, claim_nightly


class FakeRedis:
    """The commands the nightly guard uses (and a job lookup that finds none)."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.ttls: dict[str, int] = {}

    def set(
        self,
        key: str,
        value: str,
        nx: bool = False,
        xx: bool = False,
        ex: int | None = None,
        keepttl: bool = False,
    ) -> bool:
        if (nx and key in self.values) or (xx and key not in self.values):
            return False
        self.values[key] = value
        if ex is not None:
            self.ttls[key] = ex
        elif not keepttl:
            self.ttls.pop(key, None)
        return True

    def get(self, key: str) -> bytes | None:
        value = self.values.get(key)
        return None if value is None else value.encode()

    def delete(self, key: str) -> int:
        return int(self.values.pop(key, None) is not None)

    # What the failed-retrain callback's note on the job needs: these tests' jobs are not in Redis.
    def register_script(self, _: str) -> object:
        return object()

    def exists(self, key: str) -> int:
        return int(key in self.values)


class Sent:
    """Messages `app.send_task` would publish: (task name, its keyword options)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, dict[str, Any]]] = []

    def __call__(self, name: str, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        self.messages.append((name, {"args": tuple(args or ()), **options}))

    def names(self) -> list[str]:
        return [name for name, _ in self.messages]


class FakeJobs:
    created: list[str] = []

    def __init__(self, *_: object) -> None:
        pass

    def start_nightly(self, start_by: datetime, send_chain: Callable[[str], object]) -> str:
        job_id = f"job-{len(self.created)}"
        self.created.append(job_id)
        send_chain(job_id)
        return job_id


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    capture = Sent()
    monkeypatch.setattr(app, "send_task", capture)
    return capture


@pytest.fixture
def nightly_env(monkeypatch: pytest.MonkeyPatch, sent: Sent) -> FakeRedis:
    client = FakeRedis()
    FakeJobs.created = []
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    monkeypatch.setattr(tasks, "get_graph", lambda: None)
    monkeypatch.setattr(tasks, "JobService", FakeJobs)
    monkeypatch.setattr(tasks, "nightly_is_late", lambda *_: False)
    return client


def test_a_second_nightly_run_of_the_same_night_is_dropped(nightly_env: FakeRedis, sent: Sent) -> None:
    """Two beats (or the message redelivered after its worker died) start the night once."""
    assert tasks.nightly.apply(kwargs={"scheduled": True}).get() == "job-0"
    assert tasks.nightly.apply(kwargs={"scheduled": True}).get() == "duplicate"
    assert sent.names() == ["kgp.transfer.retrain"] and FakeJobs.created == ["job-0"]
    assert list(nightly_env.ttls.values()) == [NIGHTLY_GUARD_TTL_S]
    # An operator's run is guarded by its own message id: it still goes, once per message.
    assert tasks.nightly.apply(task_id="op-1").get() == "job-1"
    assert tasks.nightly.apply(task_id="op-1").get() == "duplicate"


def test_a_nightly_message_redelivered_after_its_worker_died_before_sending_runs_the_night(
    nightly_env: FakeRedis, sent: Sent
) -> None:
    """The worker was killed between claiming the night and sending its chain: the redelivered message
    (same id) claims the night again, where it used to be dropped as a duplicate until the next night."""
    now = datetime.now(UTC)
    assert (
        claim_nightly(nightly_env, tasks.settings.workers, now, True, "beat-msg") is not None
    )  # then SIGKILL
    assert sent.messages == []
    assert tasks.nightly.apply(kwargs={"scheduled": True}, task_id="other-beat").get() == "duplicate"
    assert tasks.nightly.apply(kwargs={"scheduled": True}, task_id="beat-msg").get() == "job-0"
    assert sent.names() == ["kgp.transfer.retrain"]
    (guard,) = nightly_env.values.values()
    assert guard == "sent:job-0"
    assert list(nightly_env.ttls.values()) == [NIGHTLY_GUARD_TTL_S]  # the mark kept the expiry
    # Once sent, the same message redelivered again sends nothing more.
    assert tasks.nightly.apply(kwargs={"scheduled": True}, task_id="beat-msg").get() == "duplicate"
    assert sent.names() == ["kgp.transfer.retrain"] and FakeJobs.created == ["job-0"]


def test_a_nightly_run_that_could_not_send_its_chain_leaves_the_night_to_its_retry(
    nightly_env: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError

    def broker_away(*_: object, **__: object) -> None:
        raise OperationalError("broker away")

    monkeypatch.setattr(app, "send_task", broker_away)
    with pytest.raises(OperationalError):
        tasks.nightly.run(scheduled=True)
    assert nightly_env.values == {}  # the retry Celery sends must find the night unclaimed


def test_a_nightly_run_that_hangs_past_its_soft_limit_frees_the_night_and_retries(
    nightly_env: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hard limit kills the process without `except` (and Celery acknowledges a timed-out message):
    the soft limit, earlier, must free the guard and raise an error the task retries on."""
    from celery.exceptions import SoftTimeLimitExceeded

    def hangs(*_: object, **__: object) -> str:
        raise SoftTimeLimitExceeded()

    monkeypatch.setattr(FakeJobs, "start_nightly", hangs)
    assert tasks.nightly.soft_time_limit < tasks.nightly.time_limit
    with pytest.raises(ServiceUnavailable):
        tasks.nightly._orig_run(scheduled=True)
    assert nightly_env.values == {}
    assert ServiceUnavailable in tasks.RETRY["autoretry_for"]


def test_the_nightly_recompute_is_sent_even_when_the_retrain_fails(
    nightly_env: FakeRedis, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh install has no answers: the retrain fails every night, and the plans must still be
    recomputed. The chain's retrain carries an error callback; run eagerly, its failure sends the
    recompute."""
    job_id = tasks.nightly.run(scheduled=True)
    ((name, options),) = sent.messages
    assert name == "kgp.transfer.retrain" and options["link_error"], options
    sent.messages.clear()

    retrain = app.tasks["kgp.transfer.retrain"]

    def no_answers(*_: object, **__: object) -> None:
        raise PreconditionFailed("no answers to train on")

    monkeypatch.setattr(retrain, "_orig_run", no_answers)
    result = tasks.nightly_chain(job_id, 60).tasks[0].apply()
    assert result.failed()
    assert sent.names() == ["kgp.plans.recompute_all"]
    assert sent.messages[0][1]["args"] == (job_id,)


def test_the_fallback_recompute_is_sent_once_per_job(nightly_env: FakeRedis, sent: Sent) -> None:
    """A retrain killed at its hard time limit has its failure recorded twice (pool timeout, then the
    request), so the error callback arrives twice: the night's recompute must still be sent once."""
    tasks.recompute_after_failed_retrain.run("job-5")
    tasks.recompute_after_failed_retrain.run("job-5")
    assert sent.names() == ["kgp.plans.recompute_all"]
    tasks.recompute_after_failed_retrain.run("job-6")
    assert sent.names() == ["kgp.plans.recompute_all"] * 2


def test_a_fallback_recompute_whose_send_failed_is_sent_by_its_retry_or_redelivery(
    nightly_env: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard was marked sent before the send: a send that failed (the broker away) was retried by
    Celery, and the retry found the job "already sent"; so did the redelivery of a message whose worker
    died between the two. The night's recompute was never sent. The guard now holds the message's id
    until the send returned."""
    from kombu.exceptions import OperationalError

    attempts: list[str] = []
    capture = Sent()

    def broker_away_once(name: str, *args: Any, **options: Any) -> None:
        attempts.append(name)
        if len(attempts) == 1:
            raise OperationalError("broker away")
        capture(name, *args, **options)

    monkeypatch.setattr(app, "send_task", broker_away_once)
    # Run as Celery runs it: the failed send raises, and the autoretry runs the retry (same message id).
    result = tasks.recompute_after_failed_retrain.apply(args=("job-8",), task_id="errback-1")
    assert result.successful()
    assert capture.names() == ["kgp.plans.recompute_all"] and capture.messages[0][1]["args"] == ("job-8",)
    assert nightly_env.values == {"kgp:nightly:fallback:job-8": "sent:job-8"}
    # A second error callback for the job (another message) or a redelivery of this one sends no more.
    tasks.recompute_after_failed_retrain.apply(args=("job-8",), task_id="errback-2")
    tasks.recompute_after_failed_retrain.apply(args=("job-8",), task_id="errback-1")
    assert capture.names() == ["kgp.plans.recompute_all"]
    # A worker killed between the claim and the send: the redelivered message (same id) sends it.
    nightly_env.set("kgp:nightly:fallback:job-9", "errback-3", nx=True, ex=NIGHTLY_GUARD_TTL_S)
    tasks.recompute_after_failed_retrain.apply(args=("job-9",), task_id="errback-4")
    assert capture.names() == ["kgp.plans.recompute_all"]  # another message: the claim is not its own
    tasks.recompute_after_failed_retrain.apply(args=("job-9",), task_id="errback-3")
    assert capture.names() == ["kgp.plans.recompute_all"] * 2
    assert nightly_env.values["kgp:nightly:fallback:job-9"] == "sent:job-9"


def test_a_fan_out_that_failed_for_good_fails_its_job_and_frees_the_lock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    abandoned: list[tuple[str, str]] = []

    class Runner:
        def abandon(self, job_id: str, reason: str) -> None:
            abandoned.append((job_id, reason))

    monkeypatch.setattr(tasks, "batch_runner", Runner)
    tasks.recompute_all.on_failure(RuntimeError("listing failed"), "t-1", ("job-7", None, None), {}, None)
    assert abandoned == [("job-7", "fan-out failed: RuntimeError: listing failed")]


def test_a_failure_hook_that_cannot_record_does_not_raise(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Redis still away when the chunk's failure is recorded: logged, and the stall check ends the job."""
    import redis

    def unreachable() -> None:
        raise redis.ConnectionError("Redis away")

    monkeypatch.setattr(tasks, "batch_runner", unreachable)
    message = {"job_id": "job-8", "chunk": 0, "learner_ids": ["a"], "now": datetime.now(UTC).isoformat()}
    tasks.recompute_chunk.on_failure(RuntimeError("boom"), "t-2", (message,), {}, None)
    assert "stall check" in caplog.text


def soft_limit_while_handling(retry_sent: bool) -> BaseException:
    """A SoftTimeLimitExceeded raised as Celery's trace raises it: while the run's `Retry` (sent) is handled,
    or while its Redis error is (no retry sent)."""
    from celery.exceptions import Retry, SoftTimeLimitExceeded

    try:
        try:
            raise Retry(exc=RuntimeError("Redis timed out"), when=1) if retry_sent else TimeoutError("read")
        except (Retry, TimeoutError):
            raise SoftTimeLimitExceeded()  # noqa: B904 - the implicit context is what the hook reads
    except SoftTimeLimitExceeded as error:
        return error


def test_a_chunk_whose_soft_limit_fired_after_its_retry_was_sent_is_left_to_its_retry(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Counted failed here, its retry then planned its learners and found it counted: the batch ended failed
    with them planned (a review, 6 December 2026). A soft limit with no retry sent still fails the chunk."""
    failed: list[tuple[str, int, str]] = []

    class Runner:
        def fail_chunk(self, job_id: str, chunk: Any, reason: str) -> None:
            failed.append((job_id, chunk.index, reason))

    monkeypatch.setattr(tasks, "batch_runner", Runner)
    message = {"job_id": "job-9", "chunk": 3, "learner_ids": ["a"], "now": datetime.now(UTC).isoformat()}
    tasks.recompute_chunk.on_failure(soft_limit_while_handling(True), "t-3", (message,), {}, None)
    assert failed == []
    assert (
        "job-9 chunk 3: SoftTimeLimitExceeded" in caplog.text and "the retry counts the chunk" in caplog.text
    )
    tasks.recompute_chunk.on_failure(soft_limit_while_handling(False), "t-4", (message,), {}, None)
    assert failed == [("job-9", 3, "SoftTimeLimitExceeded: SoftTimeLimitExceeded()")]


def test_two_workers_with_the_same_pid_on_other_hosts_keep_their_metrics_dirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under `docker compose up --scale worker=3` every worker is pid 1 on the shared volume: a worker
    starting must not empty another's live directory."""
    import socket

    from workers import run

    monkeypatch.delenv(run.MULTIPROC_ENV, raising=False)  # restored after the test
    settings = Settings(_env_file=None, workers=WorkerSettings(metrics_dir=tmp_path))
    monkeypatch.setattr(socket, "gethostname", lambda: "worker-a")
    first = Path(run.prepare_metrics_dir(settings))
    (first / "counter_1.db").write_bytes(b"live samples")
    monkeypatch.setattr(socket, "gethostname", lambda: "worker-b")
    second = Path(run.prepare_metrics_dir(settings))
    assert first != second
    assert (first / "counter_1.db").exists()


class RunningJobs:
    def __init__(self) -> None:
        self.polls = 0

    def status(self, job_id: str) -> JobStatus:
        self.polls += 1
        return JobStatus(
            id=job_id, kind="recompute_all", state=JobState.RUNNING, created_at=datetime.now(UTC)
        )


def test_waiting_on_a_batch_stops_at_the_timeout_with_its_own_exit_code() -> None:
    from kgplatform.cli.workers import EXIT_STILL_RUNNING, wait_exit_code, watch_job

    jobs = RunningJobs()
    status = watch_job(jobs, "job-9", poll_s=0.01, timeout_s=0.2)  # type: ignore[arg-type]
    assert status.state is JobState.RUNNING and jobs.polls >= 1
    assert wait_exit_code(status) == EXIT_STILL_RUNNING
    done = status.model_copy(update={"state": JobState.SUCCEEDED})
    assert wait_exit_code(done) == 0
    assert wait_exit_code(status.model_copy(update={"state": JobState.FAILED})) == 1


def test_a_night_is_judged_by_the_time_beat_ran_it_for_not_the_workers_own_settings(
    nightly_env: FakeRedis, sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator set the nightly time for beat only: the worker (default 02:30) dropped every night
    as late. Beat's message now carries its schedule, and the worker uses it."""
    from workers.schedule import NIGHTLY_ENTRY, beat_schedule, nightly_is_late

    monkeypatch.setattr(tasks, "nightly_is_late", nightly_is_late)  # the real check (the fixture stubs it)
    now = datetime.now(UTC)
    beat = tasks.settings.workers.model_copy(
        update={"nightly_hour": now.hour, "nightly_minute": now.minute, "timezone": "UTC"}
    )
    worker = tasks.settings.workers.model_copy(
        update={"nightly_hour": (now.hour + 12) % 24, "nightly_minute": 0, "timezone": "UTC"}
    )
    monkeypatch.setattr(tasks.settings, "workers", worker)
    assert nightly_is_late(worker, now), "by the worker's own time this night is half a day late"
    kwargs = beat_schedule(beat)[NIGHTLY_ENTRY]["kwargs"]
    assert tasks.nightly.apply(kwargs=kwargs).get() == "job-0"
    assert sent.names() == ["kgp.transfer.retrain"]
    # A message without a schedule (sent before beats sent one) is judged by the worker's settings.
    assert tasks.nightly.apply(kwargs={"scheduled": True}, task_id="old-msg").get() == "late"


def test_a_worker_whose_metrics_port_is_taken_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The warning went through Celery's logger before it had a handler: a worker said nothing."""
    import socket

    import workers.celery_app as celery_app

    holder = socket.socket()
    holder.bind(("0.0.0.0", 0))
    holder.listen()
    port = holder.getsockname()[1]
    workers_settings = celery_app.settings.workers.model_copy(update={"metrics_port": port})
    monkeypatch.setattr(celery_app.settings, "workers", workers_settings)
    try:
        with caplog.at_level("WARNING", logger="workers.celery_app"):
            celery_app.start_metrics()
    finally:
        holder.close()
    assert any(f"port {port} is held by another process" in r.getMessage() for r in caplog.records)


def test_a_pool_child_does_not_inherit_curricula_arrays_built_on_the_parents_driver(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """At a hard time limit Celery runs the failure hook in the main process, whose `batch_runner()` cached
    ConceptGraphs on the parent's driver; every child forked after it reused that driver (a review,
    1 December). Each child's start now drops them, as it opens its own clients."""
    from celery.signals import worker_process_init

    import workers.celery_app as celery_app

    monkeypatch.setattr(celery_app.Graph, "connect", staticmethod(lambda *_: object()))
    monkeypatch.setattr(celery_app.redis.Redis, "from_url", staticmethod(lambda *_, **__: object()))
    monkeypatch.setattr(celery_app, "_graph", None)
    monkeypatch.setattr(celery_app, "_redis", None)
    monkeypatch.setattr(tasks, "_graphs", "built in the parent")
    worker_process_init.send(sender=None)
    assert tasks._graphs is None


def test_a_drain_killed_at_its_hard_time_limit_wakes_a_drain_for_its_learners(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Celery acknowledges a message that hit its hard limit and runs only the task's failure hook (in the
    main process): the drain's `finally` never ran, so its learners waited for someone's next answer."""
    from celery.exceptions import TimeLimitExceeded

    woken: list[object] = []

    class Due:
        def __init__(self, client: object, debounce_s: float) -> None:
            pass

        def wake_for_rest(self, send: object) -> bool:
            woken.append(send)
            return True

    monkeypatch.setattr(tasks, "DueLearners", Due)
    monkeypatch.setattr(tasks, "get_redis", lambda: FakeRedis())
    tasks.recompute_due.on_failure(TimeLimitExceeded(120.0), "drain-1", (), {}, None)
    assert woken == [tasks.send_drain]


def test_a_retrain_whose_pool_process_is_killed_fails_and_sends_the_nights_recompute(
    sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The OOM killer ends the retrain's pool process (WorkerLostError). Requeued, as every other task's
    message is, the retrain was killed again on each delivery until its message expired, and its error
    callback never ran: no plans were recomputed that night. The worker's own failure handling (Celery's
    Request, as the pool calls it) must now acknowledge the message and send the fallback recompute."""
    from unittest.mock import Mock

    from billiard.einfo import ExceptionInfo
    from billiard.exceptions import WorkerLostError
    from celery.contrib.testing.mocks import task_message_from_sig
    from celery.worker.request import Request

    retrain = app.tasks["kgp.transfer.retrain"]
    # No result backend here: the failure is recorded nowhere, and no SUCCESS was stored before the kill.
    monkeypatch.setattr(app.backend, "_store_result", lambda *_, **__: None)
    monkeypatch.setattr(app.backend, "_get_task_meta_for", lambda *_, **__: {"status": "STARTED"})
    monkeypatch.setattr(app.backend, "add_pending_result", lambda *_, **__: None)
    signature = tasks.nightly_chain("job-3", 60).tasks[0]
    signature.options["link_error"] = [signature.options["link_error"]]  # as apply_async sends it
    message = task_message_from_sig(app, signature)
    message.ack, message.reject = Mock(), Mock()
    acked: list[object] = []
    requeued: list[bool] = []
    request = Request(
        message,
        app=app,
        task=retrain,
        on_ack=lambda *args: acked.append(args),
        on_reject=lambda _log, _errors, requeue: requeued.append(requeue),
    )
    try:
        raise WorkerLostError("Worker exited prematurely: signal 9 (SIGKILL) Job: 0.")
    except WorkerLostError:
        request.on_failure(ExceptionInfo(), send_failed_event=False, return_ok=False)
    assert requeued == [] and len(acked) == 1
    assert sent.names() == ["kgp.plans.recompute_after_failed_retrain"]
    assert sent.messages[0][1]["args"] == ("job-3",)


class NoSummaries:
    def save_summary(self, status: JobStatus) -> None:
        pass


def test_a_night_whose_retrain_failed_says_so_on_its_job_and_in_the_exit_code_of_wait(
    sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GNN was OOM-killed; the recompute ran with the old model and the job read "succeeded", message
    "N learners planned ...", and `nightly --wait` exited 0: only the training worker's log knew."""
    from kgplatform.cli.base import EXIT_RETRAIN_FAILED
    from kgplatform.cli.workers import wait_exit_code
    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
    from tests.unit.jobs.batch_redis import BatchRedis

    client = BatchRedis()
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    jobs = JobService(client, None, WorkerSettings(), store=NoSummaries())  # type: ignore[arg-type]
    jobs.progress.create("job-10", KIND_RECOMPUTE_ALL, None)
    assert tasks.recompute_after_failed_retrain.apply(args=("job-10",), task_id="errback-10").successful()
    assert sent.names() == ["kgp.plans.recompute_all"]
    jobs.progress.start("job-10", total=0, chunks_total=0)
    status = jobs.finish("job-10")
    assert status.state is JobState.SUCCEEDED and status.retrain_failed
    assert status.message is not None and status.message.startswith("the nightly transfer retrain failed")
    assert wait_exit_code(status) == EXIT_RETRAIN_FAILED not in (0, 1)
    assert wait_exit_code(status.model_copy(update={"state": JobState.FAILED})) == 1
    # A night whose retrain worked is as before.
    jobs.progress.create("job-11", KIND_RECOMPUTE_ALL, None)
    jobs.progress.start("job-11", total=0, chunks_total=0)
    assert wait_exit_code(jobs.finish("job-11")) == 0


def test_a_failed_retrain_of_a_job_gone_from_redis_still_sends_the_recompute(
    sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.unit.jobs.batch_redis import BatchRedis

    client = BatchRedis()
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    assert tasks.recompute_after_failed_retrain.apply(args=("job-12",), task_id="errback-12").successful()
    assert sent.names() == ["kgp.plans.recompute_all"] and "kgp:job:job-12" not in client.hashes


def test_a_night_cancelled_while_its_retrain_ran_publishes_nothing(
    sent: Sent, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobs cancel` of a nightly job during its retrain ended the job, but the retrain went on and
    published a new transfer model 22 s after the cancel, switching every plan's transfer (a review, s34)."""
    from types import SimpleNamespace

    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
    from kgplatform.transfer import pipeline
    from tests.unit.jobs.batch_redis import BatchRedis

    client = BatchRedis()
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    # Records what the retrain writes to Neo4j itself (its line on a cancelled night's summary).
    written: list[tuple[str, dict[str, Any]]] = []
    graph = SimpleNamespace(write=lambda name, **params: written.append((name, params)) or [])
    monkeypatch.setattr(tasks, "get_graph", lambda: graph)
    asked: list[bool] = []

    def retrain(*_: Any, still_wanted: Callable[[], bool] | None = None, **__: Any) -> tuple[Any, Path, Any]:
        assert still_wanted is not None
        asked.append(still_wanted())
        report = SimpleNamespace(edges=3) if asked[-1] else None  # None: nothing written
        return SimpleNamespace(model_version="v1", metrics={}), Path("checkpoint"), report

    monkeypatch.setattr(pipeline, "retrain_from_graph", retrain)
    jobs = JobService(client, None, WorkerSettings(), store=NoSummaries())  # type: ignore[arg-type]
    jobs.progress.create("job-13", KIND_RECOMPUTE_ALL, None)
    night = tasks.nightly_chain("job-13", 60).tasks[0]
    assert night.kwargs == {"job_id": "job-13"}
    assert tasks.retrain_transfer.run(**night.kwargs)["published"] is True
    # Its start is on the job, for a night waiting on it to say it runs or was lost (not "not taken up").
    assert jobs.progress.get_field("job-13", "retrain_started_at")
    assert (jobs.progress.get_field("job-13", "retrain_runner") or "").startswith("this process pid ")
    jobs.cancel("job-13", by="cli:tester")
    assert tasks.retrain_transfer.run(**night.kwargs)["published"] is False
    # The cancel saved the job's summary before this ended: the "not published" line goes there too.
    name, params = written[-1]
    assert name == "jobs/set_job_retrain" and params["job_id"] == "job-13", written
    assert "not published" in params["retrain"], params
    assert tasks.retrain_transfer.run()["published"] is True  # an operator's retrain, for no job
    assert asked == [True, False, True]


def test_a_worker_starting_deletes_the_metrics_dirs_of_this_hosts_exited_workers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each `kgplatform worker` run made a directory of its own (host and pid) that nothing deleted after it
    exited: a year of deploys and restarts kept every one. A live worker's, and another host's (which
    cannot be checked from here), stay."""
    import socket

    from workers import run

    monkeypatch.delenv(run.MULTIPROC_ENV, raising=False)  # restored after the test
    settings = Settings(_env_file=None, workers=WorkerSettings(metrics_dir=tmp_path))
    monkeypatch.setattr(socket, "gethostname", lambda: "host-a")
    exited = _exited_pid()
    dirs = {
        "dead": tmp_path / f"worker-host-a-{exited}",
        "live": tmp_path / f"worker-host-a-{os.getppid()}",
        "other host": tmp_path / f"worker-host-b-{exited}",
        "longer host name": tmp_path / f"worker-host-a-1-{exited}",
    }
    for folder in dirs.values():
        folder.mkdir()
        (folder / "counter_7.db").write_bytes(b"samples")

    mine = Path(run.prepare_metrics_dir(settings))

    assert mine.is_dir() and not dirs["dead"].exists()
    assert all(dirs[k].exists() for k in ("live", "other host", "longer host name"))


def _exited_pid() -> int:
    """The pid of a child that has exited and been reaped: no process holds it (barring reuse)."""
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def test_a_retrain_records_its_start_before_it_loads_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loading torch and torch-geometric takes seconds in a fresh pool process (one replaced after the last
    night's retrain outgrew its memory bound). The start was recorded after that import: a worker killed
    meanwhile left the night's `waiting` asking whether any worker consumed training while one had taken
    the retrain and died with it (a review's SIGKILL, 5 December 2026). Here the import fails, as a kill
    during it would stop the task: the start must be on record by then."""
    noted: list[tuple[str, str]] = []

    class Progress:
        def __init__(self, *_: object) -> None:
            pass

        def note_retrain_started(self, job_id: str, runner: str) -> bool:
            noted.append((job_id, runner))
            return True

    monkeypatch.setattr(tasks, "get_redis", lambda: None)
    monkeypatch.setattr(tasks, "JobProgress", Progress)
    monkeypatch.setitem(sys.modules, "kgplatform.transfer.pipeline", None)  # importing it raises
    with pytest.raises(ImportError):
        tasks.retrain_transfer.run(job_id="night-1")
    assert [job for job, _ in noted] == ["night-1"]


def test_the_nightly_retrain_of_unchanged_data_keeps_the_current_model(
    nightly_env: FakeRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A night without new answers published a new version of the same data (every plan stale, the
    rollback target a copy of the current model): the retrain asks to skip unchanged data, and a skip is
    a success, not a failed retrain (the night's job would read `retrain_failed`)."""
    import kgplatform.transfer.pipeline as pipeline

    asked: list[object] = []

    def unchanged(*_: object, **kwargs: object) -> None:
        asked.append(kwargs.get("skip_unchanged"))
        raise pipeline.DataUnchanged("transfer-20261205T000000000000Z-0123abcd", "0123abcd" * 8)

    monkeypatch.setattr(pipeline, "retrain_from_graph", unchanged)
    result = tasks.retrain_transfer.run()
    assert asked == [True]
    assert result == {
        "model_version": "transfer-20261205T000000000000Z-0123abcd",
        "published": False,
        "unchanged": True,
        "edges": 0,
    }


def test_the_retrain_logs_why_its_model_has_no_edge(
    nightly_env: FakeRedis, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A night whose model published no edge switches transfer off in every plan; the worker's log said
    only "writing 0 edges", where `train-transfer` prints why (the tracer gained nothing from it)."""
    import logging
    from types import SimpleNamespace

    import kgplatform.transfer.pipeline as pipeline

    metrics = {
        "valid_spearman": 0.487,
        "valid_pairs": 39,
        "train_pairs": 1226,
        "train_learners": 409,
        "valid_learners": 91,
        "seeds": 3,
        "best_epochs": [13, 46, 56],
        "train_seconds": 7.9,
        "alpha": 0.0,
        "valid_auc_without_transfer": 0.6738,
        "valid_auc_with_transfer": 0.6738,
        "best_alpha": 0.5,
        "valid_auc_best_alpha": 0.6741,
        "gain_confidence": 0.72,
    }
    trained = SimpleNamespace(model_version="transfer-20261205T000000000000Z-0123abcd", metrics=metrics)
    report = SimpleNamespace(edges=0)
    monkeypatch.setattr(pipeline, "retrain_from_graph", lambda *_, **__: (trained, Path("/x"), report))
    with caplog.at_level(logging.INFO, logger=tasks.log.name):
        tasks.retrain_transfer.run()
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "no edge, because transfer did not clearly raise the tracer's next-answer AUC" in logged
    assert "ahead in only 72% of learner resamples" in logged


def test_a_retrain_retried_on_an_outage_puts_its_retry_on_the_night(monkeypatch: pytest.MonkeyPatch) -> None:
    """Celery's retry hook gets the Retry wrapped by billiard with its traceback: the countdown is read
    through that wrapper, and the night's job says when the retrain is tried again and why (5 December)."""
    from billiard.einfo import ExceptionInfo
    from celery.exceptions import Retry

    from kgplatform.errors import ServiceUnavailable
    from kgplatform.jobs.progress import JobProgress, PendingRetry, job_key
    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL
    from tests.unit.jobs.batch_redis import BatchRedis

    client = BatchRedis()
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    progress = JobProgress(client, 3600)
    progress.create("job-1", KIND_RECOMPUTE_ALL, None)
    outage = ServiceUnavailable("Neo4j is away")
    try:
        raise Retry(exc=outage, when=40)
    except Retry:
        einfo = ExceptionInfo(sys.exc_info())
    before = datetime.now(UTC)
    tasks.retrain_transfer.on_retry(outage, "msg-1", (), {"job_id": "job-1"}, einfo)
    retry = PendingRetry.read(
        {k.decode(): v.decode() for k, v in client.hgetall(job_key("job-1")).items()}, "retrain"
    )
    assert retry is not None
    assert retry.error == "ServiceUnavailable: Neo4j is away"
    assert retry.count == f"1/{tasks.retrain_transfer.max_retries}"
    assert before + timedelta(seconds=39) < retry.at < datetime.now(UTC) + timedelta(seconds=41)
