"""On-demand recomputation: after answers are stored, each affected learner's plan is recomputed by a
worker within seconds, at most once per debounce window (see `debounce`)."""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterable
from typing import Any

import redis

from kgplatform.jobs.debounce import Debouncer
from kgplatform.planning.cache import mark_answered
from kgplatform.settings import WorkerSettings

log = logging.getLogger(__name__)
RECOMPUTE_LEARNER = "kgp.plans.recompute_learner"
# Celery's `send_task(name, args=..., countdown=...)`, or anything shaped like it.
SendTask = Callable[..., Any]


def request_recomputes(
    client: redis.Redis, learner_ids: Iterable[str], settings: WorkerSettings, send: SendTask
) -> int:
    """Schedules one recomputation per learner with none pending; returns how many were scheduled.

    Never raises for Redis or broker trouble: the answers are already stored. A plan not recomputed now
    is served marked stale (its answer stamp is newer than the plan) until the learner's next answer or
    the nightly batch recomputes it; serving never recomputes a cached plan itself. Known gap: when Redis
    itself was unreachable here, the answer stamp was lost too, and the old plan reads as fresh until
    then."""
    debouncer = Debouncer(client, settings.debounce_s)
    learners = sorted(set(learner_ids))
    try:
        # Whatever happens to the recomputation, a cached plan older than these answers is now stale.
        mark_answered(client, learners, time.time())
    except Exception as error:  # noqa: BLE001 - as below: the answers are stored, serving says the plan's age
        log.warning("answer stamps for %d learners not written: %s", len(learners), error)
    scheduled = 0
    for learner_id in learners:
        claimed = False
        try:
            claimed = debouncer.claim(learner_id)
            if claimed:
                send(RECOMPUTE_LEARNER, args=(learner_id,), countdown=settings.debounce_s)
                scheduled += 1
        except Exception as error:  # noqa: BLE001 - see the docstring: a missed request is harmless
            log.warning("plan recomputation for %s not requested: %s", learner_id, error)
            if claimed:  # nothing is pending after all: the next answer must be able to ask again
                with contextlib.suppress(Exception):
                    debouncer.clear(learner_id)
    return scheduled
