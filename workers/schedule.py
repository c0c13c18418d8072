"""Celery beat's entries: the nightly chain (retrain the transfer model, then recompute every plan).

The time is local time in `settings.workers.timezone` (the app's timezone, which crontab follows).
Each entry carries an expiry: a night's run that could not start within `nightly_expiry_s` (beat or
all workers down) is dropped rather than run late into the day; the next night runs as usual. The
message's expiry counts from when beat sends it, and a beat restarted at 09:00 sends the missed 02:30
entry at once (its schedule file says the last run was yesterday), so the task itself also checks how
long ago its scheduled time was (`nightly_is_late`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from celery.schedules import crontab

from kgplatform.settings import WorkerSettings

NIGHTLY_ENTRY = "nightly-retrain-then-replan"


def beat_schedule(settings: WorkerSettings) -> dict[str, dict[str, Any]]:
    return {
        NIGHTLY_ENTRY: {
            "task": "kgp.plans.nightly",
            "schedule": crontab(hour=settings.nightly_hour, minute=settings.nightly_minute),
            "kwargs": {"scheduled": True},
            "options": {"expires": settings.nightly_expiry_s, "queue": "planning"},
        },
    }


def last_nightly_time(settings: WorkerSettings, now: datetime) -> datetime:
    """The most recent nightly_hour:nightly_minute in the configured zone, at or before `now` (aware)."""
    local = now.astimezone(ZoneInfo(settings.timezone))
    slot = local.replace(hour=settings.nightly_hour, minute=settings.nightly_minute, second=0, microsecond=0)
    return slot if slot <= local else slot - timedelta(days=1)


def nightly_is_late(settings: WorkerSettings, now: datetime) -> bool:
    """Whether a scheduled nightly run starting at `now` is further from its time than its expiry."""
    return (now - last_nightly_time(settings, now)).total_seconds() > settings.nightly_expiry_s
