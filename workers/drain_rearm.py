"""Each time a worker's consumer connects to the broker (at start, and after every reconnect), it sends a
drain for the learners owed an on-demand plan (`kgplatform.jobs.due`).

Why: a drain's wake-up is a message a worker holds unacknowledged while it waits out its countdown. When the
broker connection goes (a Redis restart), Celery drops what it held, or kombu's channel close kills the
worker and `kgplatform worker` starts it again (workers/supervisor.py); either way the message comes back
only after the broker's visibility timeout, an hour by default. The due set outlives the restart (Redis's
append-only file), but nothing woke a drain for it: its learners waited for beat's due sweep (30 s), or
someone's next answer, and where no beat runs for the hour (a review, 8 December 2026, measured with a real
`kgplatform worker`: tests/integration/workers/test_on_demand_redis_restart.py).
"""

from __future__ import annotations

import logging

from celery import bootsteps
from celery.worker.consumer.tasks import Tasks

log = logging.getLogger(__name__)


class RearmDrainOnConnect(bootsteps.StartStopStep):
    """A consumer step: Celery starts the consumer's steps again after each reconnect."""

    requires = (Tasks,)  # the worker consumes its queues again before the drain is sent

    def start(self, c: object) -> None:
        from kgplatform.jobs.due import DueLearners
        from kgplatform.redis_client import open_redis
        from workers.celery_app import settings
        from workers.tasks import send_drain

        client = open_redis(settings.redis.url)
        try:
            DueLearners(client, settings.workers.debounce_s).wake_anew(send_drain)
        except Exception as error:  # noqa: BLE001 - the broker gone again: its next connect tries again
            # Never fatal: a failed start step would stop the consumer; beat's sweep and the next answer's
            # drain still plan these learners.
            log.warning("could not wake a drain for the learners owed a plan (%r)", error)
        finally:
            client.close()
