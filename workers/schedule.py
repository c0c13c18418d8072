"""Celery beat's entries: the nightly chain (retrain the transfer model, then recompute every plan).

The time is local time in `settings.workers.timezone` (the app's timezone, which crontab follows).
Each entry carries an expiry: a night's run that could not start within `nightly_expiry_s` (beat or
all workers down) is dropped rather than run late into the day; the next night runs as usual.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from kgplatform.settings import WorkerSettings

NIGHTLY_ENTRY = "nightly-retrain-then-replan"


def beat_schedule(settings: WorkerSettings) -> dict[str, dict[str, Any]]:
    return {
        NIGHTLY_ENTRY: {
            "task": "kgp.plans.nightly",
            "schedule": crontab(hour=settings.nightly_hour, minute=settings.nightly_minute),
            "options": {"expires": settings.nightly_expiry_s, "queue": "planning"},
        },
    }
