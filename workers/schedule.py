"""Celery beat's entries: the nightly chain (retrain the transfer model, then recompute every plan).

The time is local time in `settings.workers.timezone` (the app's timezone, which crontab follows).
Each entry carries an expiry: a night's run that could not start within `nightly_expiry_s` (beat or
all workers down) is dropped rather than run late into the day; the next night runs as usual. The
message's expiry counts from when beat sends it, and a beat restarted at 09:00 sends the missed 02:30
entry at once (its schedule file says the last run was yesterday), so the task itself also checks how
long ago its scheduled time was (`nightly_is_late`). And each night runs once (`claim_nightly`): a second
beat finds the night already claimed in Redis, and the message redelivered after its worker died finds
it sent (or, when the worker died before sending, claims it again).

A second entry sends an on-demand drain (`kgp.plans.recompute_due`) every DUE_SWEEP_S: the drains'
own wake-ups are messages too, and a worker lost outright (host gone, container killed) takes with it the
ones it held, and its drain's wake-up for its learners' lease end, until the broker hands its messages out
again an hour later (the visibility timeout). The sweep finds those learners due at their lease end; with
nothing due it reads one key and sends nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import redis
from celery.schedules import crontab

from kgplatform.settings import WorkerSettings
from workers.queues import Queue

NIGHTLY_ENTRY = "nightly-retrain-then-replan"
DUE_SWEEP_ENTRY = "ondemand-due-sweep"
# Learners a lost drain held wait at most this long past their lease end. Each sweep expires when the next
# is sent, so sweeps do not pile up while no worker consumes `ondemand`.
DUE_SWEEP_S = 30.0
NIGHTLY_GUARD_PREFIX = "kgp:nightly:"
# Longer than any redelivery of the message (visibility timeout) and than a night's expiry.
NIGHTLY_GUARD_TTL_S = 2 * 86400
# The guard's value once the night's chain was sent: "sent:" + the job id.
SENT_PREFIX = "sent:"


# The settings that say when a night is: beat sends its own with each night's message, so a worker on
# another machine (or started with other settings) judges the night by the time beat ran it for.
SCHEDULE_FIELDS = ("nightly_hour", "nightly_minute", "timezone", "nightly_expiry_s")


def beat_schedule(settings: WorkerSettings) -> dict[str, dict[str, Any]]:
    return {
        NIGHTLY_ENTRY: {
            "task": "kgp.plans.nightly",
            "schedule": crontab(hour=settings.nightly_hour, minute=settings.nightly_minute),
            "kwargs": {"scheduled": True, "schedule": {f: getattr(settings, f) for f in SCHEDULE_FIELDS}},
            "options": {"expires": settings.nightly_expiry_s, "queue": "planning"},
        },
        DUE_SWEEP_ENTRY: {
            "task": "kgp.plans.recompute_due",
            "schedule": DUE_SWEEP_S,
            "options": {"expires": DUE_SWEEP_S, "queue": Queue.ONDEMAND.value},
        },
    }


def as_scheduled(settings: WorkerSettings, schedule: dict[str, Any] | None) -> WorkerSettings:
    """The worker's settings with the schedule beat sent (a message from before beat sent one: its own).
    Without it, a worker whose nightly time differed from beat's dropped every night as late."""
    if not schedule:
        return settings
    return settings.model_copy(update={f: schedule[f] for f in SCHEDULE_FIELDS if f in schedule})


def last_nightly_time(settings: WorkerSettings, now: datetime) -> datetime:
    """The most recent nightly_hour:nightly_minute in the configured zone, at or before `now` (aware)."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    slot = local.replace(hour=settings.nightly_hour, minute=settings.nightly_minute, second=0, microsecond=0)
    return slot if slot <= local else slot - timedelta(days=1)


# Beat sends the night's message at its time by beat's clock; a worker whose clock is a few milliseconds
# behind found it before today's slot, took yesterday's as the night's, and dropped it as a day late
# (a review, 1 December). Clocks of machines behind one broker differ by less than this.
CLOCK_SKEW = timedelta(minutes=5)


def nightly_slot(settings: WorkerSettings, now: datetime) -> datetime:
    """The night a scheduled run received at `now` (the worker's clock) is for: the latest slot at or before
    `now` + CLOCK_SKEW."""
    return last_nightly_time(settings, now + CLOCK_SKEW)


def nightly_is_late(settings: WorkerSettings, now: datetime) -> bool:
    """Whether a scheduled nightly run starting at `now` is further from its time than its expiry."""
    return (now - nightly_slot(settings, now)).total_seconds() > settings.nightly_expiry_s


def nightly_guard_key(settings: WorkerSettings, now: datetime, scheduled: bool, task_id: str | None) -> str:
    """The night's slot for beat's runs (two beats share it); an operator's run is guarded by its message
    id only (redeliveries), so it may run beside the night's. The slot is named by its local date and time
    without the UTC offset: on the night the clocks go back, 02:30 happens twice, and a redelivery landing
    in the second one (the visibility timeout is about the hour the clocks move) found a key of its own and
    sent the night again."""
    if scheduled or not task_id:
        return f"{NIGHTLY_GUARD_PREFIX}{nightly_slot(settings, now):%Y-%m-%dT%H:%M}"
    return f"{NIGHTLY_GUARD_PREFIX}task:{task_id}"


def claim_nightly(
    client: redis.Redis, settings: WorkerSettings, now: datetime, scheduled: bool, task_id: str | None
) -> str | None:
    """The guard's key when this run may go, None when the night is already claimed.

    The guard holds the claiming message's id until `mark_nightly_sent` replaces it. A message
    redelivered after its worker died between the claim and the send finds its own id there and
    claims the night again: without that, the night would be dropped. A worker that died after the
    send but before the mark makes the redelivery send the night twice; plans are idempotent, a lost
    night is not recovered until the next one."""
    key = nightly_guard_key(settings, now, scheduled, task_id)
    return key if claim_guard(client, key, task_id, task_id or f"unnamed@{now.isoformat()}") else None


def claim_guard(client: redis.Redis, key: str, task_id: str | None, claimer: str) -> bool:
    """Whether message `task_id` may send what `key` guards: the key was free (it now holds `claimer`,
    for NIGHTLY_GUARD_TTL_S), or it holds this message's own id, left by a run of it that died or failed
    between its claim and its send (a redelivery, and Celery's retry, keep the message's id)."""
    if client.set(key, claimer, nx=True, ex=NIGHTLY_GUARD_TTL_S):
        return True
    held = client.get(key)
    return bool(task_id) and held is not None and _text(held) == task_id


def mark_nightly_sent(client: redis.Redis, key: str, job_id: str) -> None:
    """Records that the night's chain (or its fallback recompute) was sent for job `job_id`: no
    redelivery sends it again."""
    client.set(key, f"{SENT_PREFIX}{job_id}", xx=True, keepttl=True)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
