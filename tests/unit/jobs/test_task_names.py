"""The workers' contract: stable task names on their queues, late acks, and every task's hard limit
under the broker's visibility timeout (else a slow task would run twice at once)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from kgplatform.settings import Settings, WorkerSettings
from workers.celery_app import app, celery_config
from workers.queues import TASK_QUEUES, Queue, route_task
from workers.schedule import NIGHTLY_ENTRY, beat_schedule, last_nightly_time, nightly_is_late

# A renamed task strands the messages already queued under its old name: change this list knowingly.
TASK_NAMES = {
    "kgp.curriculum.import_file": Queue.DEFAULT,
    "kgp.plans.nightly": Queue.PLANNING,
    "kgp.plans.recompute_all": Queue.PLANNING,
    "kgp.plans.recompute_chunk": Queue.PLANNING,
    "kgp.plans.recompute_learner": Queue.PLANNING,
    "kgp.system.ping": Queue.DEFAULT,
    "kgp.transfer.retrain": Queue.TRAINING,
}


def our_tasks() -> dict[str, object]:
    import workers.tasks  # noqa: F401 - registers the tasks

    return {name: task for name, task in app.tasks.items() if name.startswith("kgp.")}


def test_task_names_and_queues_are_a_snapshot() -> None:
    assert {name: route_task(name)["queue"] for name in our_tasks()} == TASK_NAMES
    assert set(TASK_QUEUES) == set(TASK_NAMES)


def test_every_task_acks_late_and_finishes_before_the_broker_redelivers_it() -> None:
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    for name, task in our_tasks().items():
        assert task.acks_late, name
        assert task.time_limit is not None and task.time_limit < visibility, (
            name,
            task.time_limit,
            visibility,
        )
    chunk = our_tasks()["kgp.plans.recompute_chunk"]
    assert chunk.time_limit == Settings().workers.max_chunk_s < visibility
    assert app.conf.task_reject_on_worker_lost and app.conf.worker_prefetch_multiplier == 1


def test_settings_refuse_a_visibility_timeout_not_above_the_longest_chunk() -> None:
    with pytest.raises(ValidationError, match="visibility_timeout_s"):
        WorkerSettings(max_chunk_s=600, visibility_timeout_s=600)
    assert WorkerSettings(max_chunk_s=10, visibility_timeout_s=15).visibility_timeout_s == 15


def test_settings_refuse_a_lock_or_progress_that_a_redelivered_chunk_would_outlive() -> None:
    """A killed worker's chunk comes back after the visibility timeout: the batch's lock and progress
    must still be there, or a second batch starts beside it and the progress hash expires mid-batch."""
    for name in ("batch_lock_ttl_s", "job_ttl_s"):
        with pytest.raises(ValidationError, match=name):
            WorkerSettings(**{name: 3600})  # the default visibility timeout is 3,600 s
    fast = WorkerSettings(max_chunk_s=10, visibility_timeout_s=15, batch_lock_ttl_s=60, job_ttl_s=60)
    assert (fast.batch_lock_ttl_s, fast.job_ttl_s) == (60, 60)


def test_settings_refuse_an_unknown_time_zone() -> None:
    """A misspelt zone broke beat's crontab and every countdown (so every on-demand recompute)."""
    with pytest.raises(ValidationError, match="Europe/Pariss"):
        WorkerSettings(timezone="Europe/Pariss")
    assert WorkerSettings(timezone="Europe/Paris").timezone == "Europe/Paris"


def test_transient_errors_are_retried_with_exponential_backoff() -> None:
    from neo4j.exceptions import TransientError

    chunk = our_tasks()["kgp.plans.recompute_chunk"]
    assert TransientError in chunk.autoretry_for
    assert chunk.retry_backoff and chunk.retry_jitter and chunk.max_retries >= 3


def test_the_nightly_entry_follows_the_configured_time_zone_and_expires() -> None:
    settings = WorkerSettings(
        nightly_hour=3, nightly_minute=15, timezone="Europe/Paris", nightly_expiry_s=7200
    )
    entry = beat_schedule(settings)[NIGHTLY_ENTRY]
    assert entry["task"] == "kgp.plans.nightly"
    assert entry["schedule"].hour == {3} and entry["schedule"].minute == {15}
    assert entry["options"]["expires"] == 7200
    assert celery_config(Settings(workers=settings))["timezone"] == "Europe/Paris"


def test_a_scheduled_nightly_run_started_past_its_expiry_is_late() -> None:
    """Beat restarted at 09:00 sends the missed 02:30 entry at once (its expiry counts from the send):
    the task sees its slot was 6.5 h ago and drops it. Checked across a DST change in Paris."""
    settings = WorkerSettings(
        nightly_hour=2, nightly_minute=30, timezone="Europe/Paris", nightly_expiry_s=3 * 3600
    )
    paris = ZoneInfo("Europe/Paris")
    on_time = datetime(2026, 3, 29, 4, 0, tzinfo=paris)  # the night summer time starts (02:30 does not exist)
    assert not nightly_is_late(settings, on_time.astimezone(UTC))
    assert last_nightly_time(settings, datetime(2026, 6, 1, 1, 0, tzinfo=paris)).day == 31  # before 02:30
    assert nightly_is_late(settings, datetime(2026, 6, 1, 9, 0, tzinfo=paris))
    assert not nightly_is_late(settings, datetime(2026, 6, 1, 5, 29, tzinfo=paris))
    entry = beat_schedule(settings)[NIGHTLY_ENTRY]
    assert entry["kwargs"] == {"scheduled": True}  # an operator's run (no kwargs) is never dropped


def test_importing_the_workers_touches_no_torch() -> None:
    code = "import sys, workers.tasks; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
