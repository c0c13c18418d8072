"""Tasks whose retry waits for the broker: a retry that cannot be sent is not a dropped task.

Celery sends a task's retry as a new message; when that send fails (Redis, the broker, restarting) it raises
`Reject(requeue=False)` and the task is gone: a chunk whose run failed because Redis was away (the very
outage that made it retry) had its retry refused and was lost for good, its batch holding the batch lock
until the stall check failed it (72 min by default), and a night starting in that window was skipped (a
review, 2 December). Here the send is tried again, with backoff, for `RETRY_SEND_WINDOW_S`: a Redis restart
takes seconds. A longer outage drops the run as before, now logged as an error and counted
(`kgp_task_retries_dropped_total{task}`): an on-demand drain loses nothing (its learners stay in the due set,
which beat's sweep drains), a batch chunk's learners are held back until `kgplatform jobs resume` (the job's
`waiting` row says so, and the stall check fails it later).

kombu's own publish retry (`retry_policy`) was measured and not used: after Redis came back its reconnect
failed with `AttributeError: 'NoneType' object has no attribute 'client'` (kombu 5.7's Redis transport
reviving a closed channel), while a new send after a failed one connects afresh.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import redis
from celery import Task
from celery.exceptions import Reject
from kombu.exceptions import OperationalError

log = logging.getLogger(__name__)

# How long a retry's send is tried again; under every task's soft time limit (the nightly task's 50 s).
RETRY_SEND_WINDOW_S = 30.0
# The errors of a broker that is away; anything else refusing the send is raised as it was.
BROKER_AWAY = (OperationalError, ConnectionError, redis.ConnectionError, redis.TimeoutError)


class PatientRetryTask(Task):
    """A task whose `retry` sends its message again while the broker is away, for `RETRY_SEND_WINDOW_S`."""

    # Seams for tests.
    send_window_s: float = RETRY_SEND_WINDOW_S
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        # Half the soft limit at most, in case the limits were set short: the hard limit would kill the
        # process mid-wait, and Celery acknowledges a message whose run hit it (lost again).
        window = min(self.send_window_s, 0.5 * (self.soft_time_limit or float("inf")))
        deadline = time.monotonic() + window
        pause = 0.5
        while True:
            try:
                # Raises `Retry` once the message is sent (the worker's signal to end this run), or the
                # task's error once max_retries is spent: both pass through.
                return super().retry(*args, **kwargs)
            except Reject as refused:
                if not isinstance(refused.reason, BROKER_AWAY):
                    raise
                if time.monotonic() + pause > deadline:
                    self.dropped(refused.reason, window)
                    raise
                log.warning(
                    "%s[%s]: its retry could not be sent (%s); trying again in %.1f s",
                    self.name,
                    self.request.id,
                    refused.reason,
                    pause,
                )
                self.sleep(pause)
                pause = min(pause * 2, 4.0)

    def dropped(self, reason: BaseException, window: float) -> None:
        """Said and counted (`kgp_task_retries_dropped_total`): only a warning per attempt said it before, and
        an operator could not tell from the metrics that a run was gone (a review, s36)."""
        from kgplatform.jobs.metrics import RETRIES_DROPPED

        RETRIES_DROPPED.labels(self.name).inc()
        log.error(
            "%s[%s]: its retry could not be sent for %.0f s (%s): Celery drops this run. An on-demand "
            "drain's learners stay due (beat's sweep drains them); a batch chunk's wait for `kgplatform jobs "
            "resume`",
            self.name,
            self.request.id,
            window,
            reason,
        )
