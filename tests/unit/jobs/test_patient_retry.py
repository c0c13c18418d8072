"""`PatientRetryTask.retry` sends again while the broker is away, within its window, and only then."""

from __future__ import annotations

import pytest
from celery import Task
from celery.exceptions import Reject, Retry, SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from workers import tasks
from workers.patient_retry import PatientRetryTask


def _sends(monkeypatch: pytest.MonkeyPatch, outcomes: list[BaseException]) -> list[float]:
    """Celery's own retry answers with `outcomes` in turn; returns the pauses taken between them."""

    def retry(self: Task, *args: object, **kwargs: object) -> None:
        raise outcomes.pop(0)

    pauses: list[float] = []
    monkeypatch.setattr(Task, "retry", retry)
    monkeypatch.setattr(PatientRetryTask, "sleep", staticmethod(pauses.append))
    return pauses


def test_a_retry_refused_while_the_broker_is_away_is_sent_again() -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        away = Reject(OperationalError("Error 111 connecting to 127.0.0.1:6379"), requeue=False)
        pauses = _sends(monkeypatch, [away, away, Retry()])
        with pytest.raises(Retry):
            tasks.recompute_chunk.retry(exc=RuntimeError("Redis is restarting"))
        assert pauses == [0.5, 1.0]


def test_other_refusals_and_a_broker_away_too_long_end_as_before() -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        other = Reject(ValueError("cannot serialise"), requeue=False)
        pauses = _sends(monkeypatch, [other])
        with pytest.raises(Reject):
            tasks.recompute_chunk.retry(exc=RuntimeError("x"))
        assert pauses == []
    with pytest.MonkeyPatch.context() as monkeypatch:
        away = Reject(OperationalError("refused"), requeue=False)
        pauses = _sends(monkeypatch, [away] * 100)
        monkeypatch.setattr(PatientRetryTask, "send_window_s", 0.0)
        with pytest.raises(Reject):
            tasks.recompute_chunk.retry(exc=RuntimeError("x"))
        assert pauses == []


def test_every_task_that_retries_waits_for_the_broker() -> None:
    ours = [t for t in tasks.app.tasks.values() if t.name.startswith("kgp.")]
    retrying = [t for t in ours if getattr(t, "autoretry_for", ())]
    assert retrying and all(isinstance(t, PatientRetryTask) for t in retrying), [
        t.name for t in retrying if not isinstance(t, PatientRetryTask)
    ]


def test_a_retry_dropped_after_the_window_is_counted_and_logged_as_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Only warnings per attempt said it before: no metric told an operator that a run was gone (s36)."""
    from kgplatform.jobs.metrics import RETRIES_DROPPED

    counted = RETRIES_DROPPED.labels(tasks.recompute_due.name)
    before = counted._value.get()
    with pytest.MonkeyPatch.context() as monkeypatch:
        away = Reject(OperationalError("refused"), requeue=False)
        _sends(monkeypatch, [away] * 100)
        monkeypatch.setattr(PatientRetryTask, "send_window_s", 0.0)
        with pytest.raises(Reject) as given_up, caplog.at_level("ERROR"):
            tasks.recompute_due.retry(exc=RuntimeError("x"))
    assert counted._value.get() == before + 1
    assert any("goes back to the broker" in r.getMessage() for r in caplog.records if r.levelname == "ERROR")
    # Handed back to the broker, not dropped: dropped, a batch chunk's learners waited for `jobs resume`
    # (3 December); and without the chain of connection errors, which Celery logged with the reject.
    assert given_up.value.requeue is True
    assert given_up.value.__suppress_context__
    # Another refusal (not the broker away) is not such a drop.
    with pytest.MonkeyPatch.context() as monkeypatch:
        _sends(monkeypatch, [Reject(ValueError("cannot serialise"), requeue=False)])
        with pytest.raises(Reject):
            tasks.recompute_due.retry(exc=RuntimeError("x"))
    assert counted._value.get() == before + 1


def test_a_retry_whose_send_the_soft_limit_cut_into_hands_its_message_back(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Whether the retry went is not known: Celery's reject without requeue dropped the run's message, and a
    batch chunk whose retry had not gone was counted nowhere (a review, 6 December 2026). Handed back, it
    runs again (twice at worst: a chunk is counted once)."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        # Celery wraps an error of the send in Reject(requeue=False).
        _sends(monkeypatch, [Reject(SoftTimeLimitExceeded(), requeue=False)])
        with pytest.raises(Reject) as handed_back, caplog.at_level("WARNING"):
            tasks.recompute_chunk.retry(exc=RuntimeError("Redis timed out"))
    assert handed_back.value.requeue is True and isinstance(handed_back.value.reason, SoftTimeLimitExceeded)
    assert "soft time limit fired while its retry was sent" in caplog.text

    # Fired in the pause between two tries of the send (the broker away).
    def pause_cut_short(_: float) -> None:
        raise SoftTimeLimitExceeded()

    with pytest.MonkeyPatch.context() as monkeypatch:
        _sends(monkeypatch, [Reject(OperationalError("refused"), requeue=False)])
        monkeypatch.setattr(PatientRetryTask, "sleep", staticmethod(pause_cut_short))
        with pytest.raises(Reject) as handed_back:
            tasks.recompute_chunk.retry(exc=RuntimeError("Redis timed out"))
    assert handed_back.value.requeue is True
