"""Beat's scheduler with a broker away when an entry falls due (`workers.beat_scheduler`), on Celery's real
scheduler loop with a memory broker; only the send is replaced, to fail as kombu fails while Redis is away.
With Celery's own scheduler the entry below, refused once, would wait an hour for its next run (a Redis
restart at the nightly time skipped the night)."""

from __future__ import annotations

import logging
import shelve
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from celery import Celery
from celery.beat import ScheduleEntry, SchedulingError
from celery.schedules import schedule
from kombu.exceptions import OperationalError

from workers.beat_scheduler import PatientScheduler, broker_away

HOUR = timedelta(hours=1)
RETRY_S = 0.2


class Sends:
    """Stands in for the scheduler's `apply_async`: the first `refusals` sends fail with `error`."""

    def __init__(self, refusals: int, error: Exception) -> None:
        self.refusals, self.error = refusals, error
        self.times: list[float] = []

    def __call__(self, entry: ScheduleEntry, producer: Any = None, advance: bool = True, **_: Any) -> None:
        self.times.append(time.monotonic())
        if len(self.times) <= self.refusals:
            try:
                raise self.error
            except Exception as error:  # wrapped as Celery's apply_async wraps it (the cause as context)
                raise SchedulingError(f"Couldn't apply scheduled task {entry.name}: {error}") from None

    @property
    def count(self) -> int:
        return len(self.times)


def scheduler_with(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sends: Sends, every: timedelta, expires: float | None
) -> PatientScheduler:
    app = Celery("beat-test", broker="memory://")
    options = {} if expires is None else {"expires": expires}
    app.conf.beat_schedule = {"night": {"task": "kgp.test.night", "schedule": every, "options": options}}
    scheduler = PatientScheduler(app=app, schedule_filename=str(tmp_path / "schedule"))
    scheduler.retry_s = RETRY_S
    # Due now: its last run was longer ago than its period.
    scheduler.schedule["night"] = ScheduleEntry(
        name="night",
        task="kgp.test.night",
        schedule=schedule(every, app=app),
        options=options,
        last_run_at=app.now() - 2 * every,
        app=app,
    )
    scheduler._heap = None
    monkeypatch.setattr(scheduler, "apply_async", sends)
    return scheduler


def tick_until(scheduler: PatientScheduler, sends: Sends, count: int, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    while sends.count < count and time.monotonic() < deadline:
        delay = scheduler.tick()
        time.sleep(min(delay, 0.02))


def next_run_in(scheduler: PatientScheduler) -> float:
    assert scheduler._heap is not None
    return next(e.time for e in scheduler._heap if e.entry.name == "night") - time.time()


REFUSED = OperationalError("Error 111 connecting to 127.0.0.1:6440. Connection refused.")


def test_a_send_refused_while_the_broker_is_away_is_tried_again_and_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sends = Sends(refusals=2, error=REFUSED)
    scheduler = scheduler_with(tmp_path, monkeypatch, sends, HOUR, expires=3600)
    before = scheduler.schedule["night"].last_run_at
    with caplog.at_level(logging.INFO, logger="workers.beat_scheduler"):
        tick_until(scheduler, sends, 1, within_s=2)
        # Refused: still due as it was (a restarted beat sends it), tried again in RETRY_S, not in an hour.
        assert scheduler.schedule["night"].last_run_at == before
        # What a beat killed now would start again from.
        with shelve.open(str(tmp_path / "schedule"), flag="r") as stored:
            assert stored["entries"]["night"].last_run_at == before
        assert 0 < next_run_in(scheduler) <= RETRY_S + 0.05
        tick_until(scheduler, sends, 3, within_s=5)
    assert sends.count == 3, sends.times
    gaps = [b - a for a, b in zip(sends.times, sends.times[1:], strict=False)]
    assert all(gap >= RETRY_S - 0.05 for gap in gaps), gaps
    # Sent at the third try: advanced, and its next run is its regular one.
    assert scheduler.schedule["night"].last_run_at > before
    assert next_run_in(scheduler) > HOUR.total_seconds() - 60
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and all(r.exc_info is None for r in warnings)
    assert "the broker is away (Error 111" in warnings[0].getMessage()
    assert "trying again in 0.2 s" in warnings[0].getMessage()
    assert any("sent night after the broker came back" in r.getMessage() for r in caplog.records)


def test_an_entry_refused_past_its_expiry_waits_for_its_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sends = Sends(refusals=100, error=REFUSED)
    scheduler = scheduler_with(tmp_path, monkeypatch, sends, HOUR, expires=0.3)
    with caplog.at_level(logging.INFO, logger="workers.beat_scheduler"):
        tick_until(scheduler, sends, 3, within_s=1.5)
    # The first try and one retry (at 0.2 s); a second retry would come after its 0.3 s expiry.
    assert sends.count == 2, sends.times
    assert next_run_in(scheduler) > HOUR.total_seconds() - 60
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and "not sent: its expiry (0.3 s) has passed" in errors[0], errors


def test_an_entry_due_again_before_a_retry_just_waits_for_its_next_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # The due sweep's case: sent every 30 s, so a retry would only double its next run.
    sends = Sends(refusals=1, error=REFUSED)
    scheduler = scheduler_with(tmp_path, monkeypatch, sends, timedelta(seconds=0.1), expires=None)
    with caplog.at_level(logging.INFO, logger="workers.beat_scheduler"):
        tick_until(scheduler, sends, 1, within_s=1)
    assert 0 < next_run_in(scheduler) <= 0.15
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(messages) == 1 and "it is sent again at its next run" in messages[0], messages


def test_another_error_is_logged_with_its_stack_and_not_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    sends = Sends(refusals=1, error=TypeError("Object of type set is not JSON serializable"))
    scheduler = scheduler_with(tmp_path, monkeypatch, sends, HOUR, expires=3600)
    with caplog.at_level(logging.INFO, logger="workers.beat_scheduler"):
        tick_until(scheduler, sends, 2, within_s=0.6)
    assert sends.count == 1
    assert next_run_in(scheduler) > HOUR.total_seconds() - 60
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1 and errors[0].exc_info is not None


def test_broker_away_finds_the_cause_in_the_chain() -> None:
    try:
        try:
            raise REFUSED
        except OperationalError:
            raise SchedulingError("Couldn't apply scheduled task night") from None
    except SchedulingError as error:
        wrapped = error
    # `from None` hides the context from tracebacks but keeps it: Celery's reraise sets only the context.
    assert broker_away(wrapped) is REFUSED
    assert broker_away(SchedulingError("no cause")) is None
