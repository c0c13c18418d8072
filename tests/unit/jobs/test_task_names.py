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
from workers.schedule import (
    NIGHTLY_ENTRY,
    beat_schedule,
    last_nightly_time,
    nightly_guard_key,
    nightly_is_late,
)

# Small timeouts for the settings' checks: every limit under the visibility timeout.
FAST = {"max_chunk_s": 10, "max_retrain_s": 10, "retry_backoff_max_s": 5, "unacked_restore_throttle": 1}
# A renamed task strands the messages already queued under its old name: change this list knowingly.
TASK_NAMES = {
    "kgp.curriculum.import_file": Queue.DEFAULT,
    "kgp.plans.nightly": Queue.PLANNING,
    "kgp.plans.recompute_after_failed_retrain": Queue.PLANNING,
    "kgp.plans.recompute_all": Queue.PLANNING,
    "kgp.plans.recompute_chunk": Queue.PLANNING,
    # Its own queue: behind a fanned-out batch's chunks in `planning` it would wait for the whole batch.
    "kgp.plans.recompute_learner": Queue.ONDEMAND,
    # Drains the due set (kgplatform.jobs.due): a batch of due learners per message.
    "kgp.plans.recompute_due": Queue.ONDEMAND,
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
    # An on-demand drain holds its learners past its hard limit, and its wake-up for the lease end waits
    # unacknowledged, so under the visibility timeout.
    from workers.tasks import DRAIN_LEASE_S

    assert our_tasks()["kgp.plans.recompute_due"].time_limit < DRAIN_LEASE_S < visibility


def test_settings_refuse_a_visibility_timeout_not_above_the_longest_chunk() -> None:
    with pytest.raises(ValidationError, match="visibility_timeout_s"):
        WorkerSettings(max_chunk_s=600, visibility_timeout_s=600)
    assert WorkerSettings(**FAST, visibility_timeout_s=16).visibility_timeout_s == 16


def test_settings_refuse_a_lock_or_progress_that_a_redelivered_chunk_would_outlive() -> None:
    """A killed worker's chunk comes back after the visibility timeout: the batch's lock and progress
    must still be there, or a second batch starts beside it and the progress hash expires mid-batch."""
    for name in ("batch_lock_ttl_s", "job_ttl_s"):
        with pytest.raises(ValidationError, match=name):
            WorkerSettings(**{name: 3600})  # the default visibility timeout is 3,600 s
    fast = WorkerSettings(**FAST, visibility_timeout_s=16, batch_lock_ttl_s=60, job_ttl_s=60)
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
    # A worker whose clock is a little behind beat's gets the message just before 02:30: it is tonight's,
    # not a day late (it was dropped as late, a review found: every night, for a steady skew).
    just_before = datetime(2026, 6, 1, 2, 29, 59, 995000, tzinfo=paris)
    assert not nightly_is_late(settings, just_before)
    assert nightly_guard_key(settings, just_before, True, "m") == "kgp:nightly:2026-06-01T02:30"
    entry = beat_schedule(settings)[NIGHTLY_ENTRY]
    # An operator's run (no kwargs) is never dropped; beat's carries the time it ran the night for.
    assert entry["kwargs"] == {
        "scheduled": True,
        "schedule": {
            "nightly_hour": 2,
            "nightly_minute": 30,
            "timezone": "Europe/Paris",
            "nightly_expiry_s": 10800,
        },
    }


def test_importing_the_workers_touches_no_torch() -> None:
    code = "import sys, workers.tasks; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_the_redelivery_checks_count_kombus_restore_throttle() -> None:
    """kombu scans for a dead worker's messages every interval x throttle seconds (100 s by default),
    not every interval: a lock outliving visibility + interval alone may still expire before the
    chunk comes back."""
    settings = WorkerSettings()
    assert settings.restore_sweep_s == settings.unacked_restore_interval_s * settings.unacked_restore_throttle
    just_past_interval = int(settings.visibility_timeout_s + settings.unacked_restore_interval_s) + 1
    with pytest.raises(ValidationError, match="batch_lock_ttl_s"):
        WorkerSettings(batch_lock_ttl_s=just_past_interval)
    assert settings.stall_after_s > settings.visibility_timeout_s + settings.restore_sweep_s


def test_settings_refuse_a_retrain_limit_or_retry_delay_not_under_the_visibility_timeout() -> None:
    for name in ("max_retrain_s", "retry_backoff_max_s"):
        with pytest.raises(ValidationError, match=name):
            WorkerSettings(**{name: 3600})  # the default visibility timeout is 3,600 s


@pytest.mark.parametrize("limit", ["max_chunk_s", "max_retrain_s"])
def test_a_retry_delay_and_a_run_together_must_stay_under_the_visibility_timeout(limit: str) -> None:
    """kombu dates an unacknowledged message by its delivery and a retry waits its countdown unacknowledged:
    each under 3,600 s alone, 3,000 + 3,000 s let a retried task be redelivered while it ran."""
    values = {
        "visibility_timeout_s": 3600,
        "max_chunk_s": 10,
        "max_retrain_s": 10,
        "retry_backoff_max_s": 3000,
    }
    with pytest.raises(ValidationError, match=f"retry_backoff_max_s \\+ {limit}"):
        WorkerSettings(**{**values, limit: 3000})
    WorkerSettings(**{**values, limit: 590})
    WorkerSettings()  # the defaults: 600 + 1,800 s under 3,600


def test_the_retrain_has_its_own_hard_limit() -> None:
    """The GNN retrain runs longer than a chunk: its limit comes from max_retrain_s, not max_chunk_s."""
    retrain = our_tasks()["kgp.transfer.retrain"]
    settings = Settings().workers
    assert retrain.time_limit == settings.max_retrain_s != settings.max_chunk_s


def retry_delays(task: object) -> list[int]:
    """Celery's countdown before each retry without jitter (celery.utils.time's formula); with full
    jitter each is uniform in [0, that], so half of it on average."""
    from celery.utils.time import get_exponential_backoff_interval

    factor = int(task.retry_backoff)
    return [
        get_exponential_backoff_interval(factor, retries, task.retry_backoff_max, False)
        for retries in range(task.max_retries)
    ]


def test_transient_errors_are_retried_for_longer_than_a_neo4j_restart() -> None:
    """The retries of a chunk span at least half an hour on average (a Neo4j restart or failover),
    and each wait stays under the visibility timeout (a waiting retry is held unacknowledged)."""
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    for name in (
        "kgp.plans.recompute_chunk",
        "kgp.plans.recompute_all",
        "kgp.plans.recompute_learner",
        "kgp.plans.recompute_due",
    ):
        delays = retry_delays(our_tasks()[name])
        assert sum(delays) / 2 >= 30 * 60, (name, sum(delays))
        assert max(delays) < visibility


def test_broker_errors_while_sending_are_retried() -> None:
    """The fan-out's group (and a retry's own message) is sent through kombu, whose connection errors
    are kombu.exceptions.OperationalError, not redis-py's."""
    from kombu.exceptions import OperationalError

    for name in ("kgp.plans.recompute_all", "kgp.plans.recompute_chunk", "kgp.plans.nightly"):
        assert issubclass(OperationalError, our_tasks()[name].autoretry_for), name


def test_a_worker_consumes_on_demand_recomputes_by_default() -> None:
    """`kgplatform worker` with no --queues, and the compose file's worker, consume `ondemand`."""
    import inspect

    import yaml

    from kgplatform.cli.workers import worker
    from kgplatform.settings import PROJECT_ROOT
    from workers.queues import DEFAULT_WORKER_QUEUES

    default = inspect.signature(worker).parameters["queues"].default.default
    assert default.split(",") == [q.value for q in DEFAULT_WORKER_QUEUES]
    assert {Queue.ONDEMAND, Queue.PLANNING} <= set(DEFAULT_WORKER_QUEUES)
    compose = yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text())
    command = compose["services"]["worker"]["command"]
    assert Queue.ONDEMAND.value in command[command.index("--queues") + 1].split(",")


def test_the_night_the_clocks_go_back_is_one_night_for_the_guard() -> None:
    """02:30 happens twice in Paris on 25 October 2026; a redelivery of the night's message in the second
    02:30 (the visibility timeout is about the hour the clocks move) found another guard key and sent the
    night again (a review, 1 December)."""
    settings = WorkerSettings(nightly_hour=2, nightly_minute=30, timezone="Europe/Paris")
    first = datetime(2026, 10, 25, 0, 30, 1, tzinfo=UTC)  # 02:30:01 summer time (UTC+2)
    second = datetime(2026, 10, 25, 1, 30, 1, tzinfo=UTC)  # 02:30:01 again, winter time (UTC+1)
    assert nightly_guard_key(settings, first, True, "m") == nightly_guard_key(settings, second, True, "m")


# Each task's parameters, as messages name them. Messages outlive a deploy: a queued one, or one that an old
# worker takes from a new producer in a rolling upgrade, must still bind. Change this knowingly, and say in
# README ("Upgrading a running deployment") what an older worker does with the new shape.
TASK_PARAMETERS = {
    "kgp.curriculum.import_file": ["path", "curriculum_id", "skip_invalid", "actor"],
    "kgp.plans.nightly": ["scheduled", "schedule"],
    "kgp.plans.recompute_after_failed_retrain": ["job_id"],
    "kgp.plans.recompute_all": ["job_id", "curriculum_id", "chunk_size"],
    "kgp.plans.recompute_chunk": ["message"],
    "kgp.plans.recompute_learner": ["learner_id"],
    "kgp.plans.recompute_due": [],
    "kgp.system.ping": [],
    # job_id since 2 December 2026: a worker from before then fails the nightly retrain that sends it.
    "kgp.transfer.retrain": ["seed", "write", "job_id"],
}


def test_task_parameters_are_a_snapshot() -> None:
    import inspect

    assert {
        name: list(inspect.signature(task.run).parameters) for name, task in our_tasks().items()
    } == TASK_PARAMETERS


def test_messages_the_release_of_1_december_queued_still_bind() -> None:
    """Bodies read from Redis on 3 December 2026, queued by that release while no worker ran, and what its
    nightly chain sent; this release's workers consumed them (README, "Upgrading a running deployment")."""
    import inspect

    queued = {
        "kgp.plans.recompute_all": (["recompute_all-20261203T184820-c1fefaed", None, None], {}),
        "kgp.plans.recompute_due": ([], {}),
        "kgp.plans.recompute_learner": (["learner-00003"], {}),
        "kgp.plans.recompute_chunk": (
            [
                {
                    "job_id": "j",
                    "chunk": 0,
                    "learner_ids": ["a"],
                    "now": "2026-12-01T00:00:00+00:00",
                    "curriculum_id": None,
                }
            ],
            {},
        ),
        "kgp.plans.nightly": ([], {"scheduled": True, "schedule": {"nightly_hour": 2}}),
        "kgp.transfer.retrain": ([], {}),
        "kgp.plans.recompute_after_failed_retrain": (["j"], {}),
    }
    for name, (args, kwargs) in queued.items():
        inspect.signature(our_tasks()[name].run).bind(*args, **kwargs)
