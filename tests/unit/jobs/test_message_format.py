"""Message formats (workers.message_format): what this release stamps on the messages it sends, and what a
worker does with one newer than it knows, without services (sends captured at `app.send_task`, or read
back from an in-memory broker)."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from celery import Celery, chain
from celery.exceptions import Retry

import workers.tasks as tasks
from kgplatform.jobs.models import JobState
from kgplatform.settings import WorkerSettings
from workers.celery_app import app, create_celery
from workers.message_format import (
    BOUNCES_HEADER,
    FORMAT_HEADER,
    TASK_FORMATS,
    FormatCheckedTask,
    MessageFormatTooNew,
    Verdict,
    decide,
    known_formats,
)

RETRAIN = "kgp.transfer.retrain"
NEWER = TASK_FORMATS[RETRAIN] + 1


@pytest.mark.parametrize(
    ("headers", "bounces_allowed", "verdict"),
    [
        (None, 3, Verdict.RUN),  # a release before 4 December 2026: no header, format 1
        ({"other": "x"}, 3, Verdict.RUN),
        ({FORMAT_HEADER: 1}, 3, Verdict.RUN),
        ({FORMAT_HEADER: "1"}, 3, Verdict.RUN),
        ({FORMAT_HEADER: NEWER}, 3, Verdict.BOUNCE),
        ({FORMAT_HEADER: NEWER, BOUNCES_HEADER: 2}, 3, Verdict.BOUNCE),
        ({FORMAT_HEADER: NEWER, BOUNCES_HEADER: 3}, 3, Verdict.REFUSE),
        ({FORMAT_HEADER: NEWER}, 0, Verdict.REFUSE),
        # Unreadable: not run on a guess.
        ({FORMAT_HEADER: "two"}, 3, Verdict.BOUNCE),
        ({FORMAT_HEADER: [2]}, 3, Verdict.BOUNCE),
    ],
)
def test_a_worker_runs_only_the_formats_it_knows(
    headers: dict[str, Any] | None, bounces_allowed: int, verdict: Verdict
) -> None:
    assert decide(RETRAIN, headers, bounces_allowed).verdict is verdict


def test_every_task_has_a_format_and_checks_it() -> None:
    """A task missing from TASK_FORMATS would be sent unstamped and read as format 1 for ever."""
    names = {name for name in app.tasks if name.startswith("kgp.")}
    assert names == set(TASK_FORMATS)
    assert all(isinstance(app.tasks[name], FormatCheckedTask) for name in names)
    assert all(number >= 1 for number in TASK_FORMATS.values())
    assert known_formats().count(" 1-") == len(TASK_FORMATS)


@pytest.fixture
def memory_app() -> Iterator[Celery]:
    celery = create_celery(tasks.settings)
    celery.conf.broker_url = "memory://"
    # A chain's apply_async subscribes to its results: the settings' Redis backend made this unit test
    # need a Redis (it failed, retrying for 20 s, where none listened).
    celery.conf.result_backend = "cache+memory://"
    yield celery
    celery.close()


def published(celery: Celery, queue: str) -> list[dict[str, Any]]:
    """The messages waiting in `queue` of the in-memory broker: headers and decoded body."""
    out = []
    with celery.connection_for_read() as connection:
        simple = connection.SimpleQueue(queue)
        while True:
            try:
                message = simple.get(block=False)
            except simple.Empty:
                break
            out.append({"headers": message.headers, "body": message.decode()})
            message.ack()
        simple.close()
    return out


def test_each_message_sent_carries_its_format_and_so_do_the_nightly_chains_later_steps(
    memory_app: Celery,
) -> None:
    """The chain's recompute and the retrain's error callback are published later by whichever worker ran
    the retrain, maybe an older one: they carry the format of the release that built them."""
    retrain = memory_app.signature(
        RETRAIN,
        kwargs={"job_id": "job-1"},
        immutable=True,
        link_error=memory_app.signature(
            "kgp.plans.recompute_after_failed_retrain", ("job-1",), immutable=True
        ),
    )
    chain(retrain, memory_app.signature("kgp.plans.recompute_all", ("job-1",), immutable=True)).apply_async()
    memory_app.send_task("kgp.plans.recompute_due")
    (message,) = published(memory_app, "training")
    assert message["headers"][FORMAT_HEADER] == TASK_FORMATS[RETRAIN]
    _, _, embed = message["body"]
    (errback,) = embed["errbacks"]
    (rest,) = embed["chain"]
    assert errback["options"]["headers"][FORMAT_HEADER] == TASK_FORMATS[errback["task"]]
    assert rest["options"]["headers"][FORMAT_HEADER] == TASK_FORMATS["kgp.plans.recompute_all"]
    (drain,) = published(memory_app, "ondemand")
    assert drain["headers"][FORMAT_HEADER] == TASK_FORMATS["kgp.plans.recompute_due"]
    # A message that names its format (a retry, a bounce) keeps it.
    memory_app.send_task("kgp.plans.recompute_due", headers={FORMAT_HEADER: NEWER})
    (kept,) = published(memory_app, "ondemand")
    assert kept["headers"][FORMAT_HEADER] == NEWER


class Captured:
    def __init__(self) -> None:
        self.sent: list[tuple[str, tuple[Any, ...], dict[str, Any], dict[str, Any]]] = []

    def __call__(self, name: str, args: Any = None, kwargs: Any = None, **options: Any) -> None:
        self.sent.append((name, tuple(args or ()), dict(kwargs or {}), options))


@pytest.fixture
def retrain_ran(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The retrain's body replaced by a recorder: the check must stop before it."""
    ran: list[dict[str, Any]] = []
    monkeypatch.setattr(tasks.retrain_transfer, "run", lambda *a, **kw: ran.append(kw) or {"ran": True})
    return ran


def deliver(task: Any, headers: dict[str, Any] | None, *args: Any, **kwargs: Any) -> Any:
    """Calls `task` as a worker does with a delivered message (not eagerly, not directly)."""
    task.push_request(
        id="msg-1",
        called_directly=False,
        is_eager=False,
        args=args,
        kwargs=kwargs,
        headers=headers,
        delivery_info={"exchange": "", "routing_key": "training"},
        retries=2,
    )
    try:
        return task(*args, **kwargs)
    finally:
        task.pop_request()


def test_a_message_newer_than_the_worker_is_sent_back_with_its_format_not_run(
    monkeypatch: pytest.MonkeyPatch, retrain_ran: list[dict[str, Any]], caplog: pytest.LogCaptureFixture
) -> None:
    """A worker from before a format change ran such a message with the wrong arguments (the retrain's
    `job_id`, 2 December: TypeError). An argument it does not know must not stop the bounce either."""
    captured = Captured()
    monkeypatch.setattr(app, "send_task", captured)
    waits: list[float] = []
    monkeypatch.setattr(tasks.retrain_transfer, "sleep", waits.append)
    with pytest.raises(Retry):
        deliver(tasks.retrain_transfer, {FORMAT_HEADER: NEWER}, job_id="job-1", added_in_a_newer_release=1)
    # Held here, then sent ready to run: sent with a countdown, the same old worker took it back each time.
    assert waits == [tasks.settings.workers.bounce_delay_s]
    assert (captured.sent[0][3]).get("countdown") is None
    assert retrain_ran == []
    ((name, args, kwargs, options),) = captured.sent
    assert name == RETRAIN and args == ()
    assert kwargs == {"job_id": "job-1", "added_in_a_newer_release": 1}
    assert options["headers"][FORMAT_HEADER] == NEWER and options["headers"][BOUNCES_HEADER] == 1
    assert options["task_id"] == "msg-1" and options["queue"] == "training" and options["retries"] == 2
    (line,) = [r.getMessage() for r in caplog.records if r.name == "workers.message_format"]
    assert f"{RETRAIN}[msg-1]: message format {NEWER}, this worker knows formats 1-1" in line
    assert "a newer worker will take it" in line


def test_a_message_bounced_as_often_as_allowed_fails_and_its_night_says_why(
    monkeypatch: pytest.MonkeyPatch, retrain_ran: list[dict[str, Any]]
) -> None:
    from kgplatform.jobs.service import KIND_RECOMPUTE_ALL, JobService
    from tests.unit.jobs.batch_redis import BatchRedis
    from tests.unit.jobs.test_worker_hooks import NoSummaries

    captured = Captured()
    monkeypatch.setattr(app, "send_task", captured)
    client = BatchRedis()
    monkeypatch.setattr(tasks, "get_redis", lambda: client)
    # The failure hook also puts the line on a cancelled night's summary: no summary here, no database.
    monkeypatch.setattr(tasks, "get_graph", lambda: SimpleNamespace(write=lambda *_a, **_k: []))
    jobs = JobService(client, None, WorkerSettings(), store=NoSummaries())  # type: ignore[arg-type]
    jobs.progress.create("job-1", KIND_RECOMPUTE_ALL, None)
    headers = {FORMAT_HEADER: NEWER, BOUNCES_HEADER: tasks.settings.workers.newer_format_bounces}
    monkeypatch.setattr(tasks.retrain_transfer, "sleep", lambda _: pytest.fail("held a message it refuses"))
    with pytest.raises(MessageFormatTooNew, match=f"{RETRAIN} message format {NEWER} is newer"):
        deliver(tasks.retrain_transfer, headers, job_id="job-1")
    assert retrain_ran == [] and captured.sent == []
    # What the worker does next with the failure: the task's hook, then the chain's error callback.
    error = MessageFormatTooNew(f"{RETRAIN} message format {NEWER} is newer than this worker knows")
    tasks.retrain_transfer.on_failure(error, "msg-1", (), {"job_id": "job-1"}, None)
    assert tasks.recompute_after_failed_retrain.apply(args=("job-1",), task_id="errback-1").successful()
    jobs.progress.start("job-1", total=0, chunks_total=0)
    status = jobs.finish("job-1")
    assert status.state is JobState.SUCCEEDED and status.retrain_failed
    assert status.message is not None
    assert f"(MessageFormatTooNew: {RETRAIN} message format {NEWER} is newer" in status.message


def test_a_message_with_no_format_runs_and_its_retries_say_format_1(monkeypatch: pytest.MonkeyPatch) -> None:
    """Queued by a release before 4 December 2026 (no header): run as format 1, as before; a retry of it
    (Celery sends the request's headers again) says format 1, not this release's number."""
    seen: list[Any] = []
    monkeypatch.setattr(
        tasks.retrain_transfer, "run", lambda **kw: seen.append((kw, tasks.retrain_transfer.request.headers))
    )
    deliver(tasks.retrain_transfer, None, job_id="job-1")
    assert seen == [({"job_id": "job-1"}, {FORMAT_HEADER: 1})]


def test_a_bounce_waits_no_longer_than_a_retry_may() -> None:
    """A bounced message waits in a worker unacknowledged, as a retry does: a longer wait than the one
    Settings checks against the visibility timeout would have the broker hand it out twice."""
    fast = {"max_chunk_s": 10, "max_retrain_s": 10, "retry_backoff_max_s": 5, "unacked_restore_throttle": 1}
    assert WorkerSettings(visibility_timeout_s=16, **fast).bounce_delay_s == 5
    assert WorkerSettings(visibility_timeout_s=16, newer_format_delay_s=2, **fast).bounce_delay_s == 2
    assert WorkerSettings().bounce_delay_s == 30


def test_a_bounce_keeps_the_nightly_chain_and_its_error_callback(
    monkeypatch: pytest.MonkeyPatch, retrain_ran: list[dict[str, Any]]
) -> None:
    """The retrain bounced to a newer worker still sends the night's recompute after it, or its fallback."""
    captured = Captured()
    monkeypatch.setattr(app, "send_task", captured)
    monkeypatch.setattr(tasks.retrain_transfer, "sleep", lambda _: None)
    rest = [dict(tasks.recompute_all.si("job-1"))]
    errbacks = [dict(tasks.recompute_after_failed_retrain.si("job-1"))]
    tasks.retrain_transfer.push_request(
        id="msg-1",
        called_directly=False,
        is_eager=False,
        kwargs={"job_id": "job-1"},
        headers={FORMAT_HEADER: NEWER, BOUNCES_HEADER: 3},
        delivery_info={"exchange": "", "routing_key": "training"},
        chain=rest,
        errbacks=errbacks,
        expires="2026-12-05T05:30:00+00:00",
    )
    try:
        with pytest.raises(Retry):
            tasks.retrain_transfer(job_id="job-1")
    finally:
        tasks.retrain_transfer.pop_request()
    ((_, _, _, options),) = captured.sent
    assert options["chain"] == rest and options["link_error"] == errbacks
    assert options["expires"] == "2026-12-05T05:30:00+00:00"
    assert options["headers"][BOUNCES_HEADER] == 4 and retrain_ran == []


def test_a_nightly_fallback_that_fails_for_good_fails_its_job_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Nothing else would recompute the night: left alone, the job waited for the stall check."""
    failed: list[tuple[str, str]] = []

    class Runner:
        def abandon(self, job_id: str, reason: str) -> None:
            failed.append((job_id, reason))

    monkeypatch.setattr(tasks, "batch_runner", Runner)
    error = MessageFormatTooNew("kgp.plans.recompute_after_failed_retrain message format 2 is newer")
    tasks.recompute_after_failed_retrain.on_failure(error, "msg-1", ("job-1",), {}, None)
    assert failed == [
        (
            "job-1",
            "nightly fallback recompute failed: MessageFormatTooNew: "
            "kgp.plans.recompute_after_failed_retrain message format 2 is newer",
        )
    ]


def test_a_refused_chunk_this_worker_cannot_read_fails_its_job_with_the_reason(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A newer chunk message may name its learners otherwise: the hook raised KeyError, and the batch waited
    for the stall check (72 min by default) with no word of why."""
    failed: list[tuple[str, str]] = []

    class Runner:
        def abandon(self, job_id: str, reason: str) -> None:
            failed.append((job_id, reason))

    monkeypatch.setattr(tasks, "batch_runner", Runner)
    error = MessageFormatTooNew("kgp.plans.recompute_chunk message format 2 is newer")
    message = {"job_id": "job-1", "chunk": 3, "learners_by_curriculum": {"c": ["l-1"]}}
    tasks.recompute_chunk.on_failure(error, "msg-1", (message,), {}, None)
    assert failed == [
        ("job-1", "chunk failed: MessageFormatTooNew: kgp.plans.recompute_chunk message format 2 is newer")
    ]


def test_a_task_with_a_short_limit_holds_a_newer_message_half_its_limit_at_most(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ping's hard limit is 30 s: held the full delay (30 s), its pool process would be killed mid-wait."""
    monkeypatch.setattr(app, "send_task", Captured())
    waits: list[float] = []
    monkeypatch.setattr(tasks.ping, "sleep", waits.append)
    with pytest.raises(Retry):
        deliver(tasks.ping, {FORMAT_HEADER: TASK_FORMATS["kgp.system.ping"] + 1})
    assert waits == [min(tasks.settings.workers.bounce_delay_s, 0.5 * tasks.ping.time_limit)]
    assert waits[0] < tasks.ping.time_limit
