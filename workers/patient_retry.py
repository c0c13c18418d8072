"""Tasks whose retry waits for the broker: a retry that cannot be sent is not a dropped task.

Celery sends a task's retry as a new message; when that send fails (Redis, the broker, restarting) it raises
`Reject(requeue=False)` and the task is gone: a chunk whose run failed because Redis was away (the very
outage that made it retry) had its retry refused and was lost for good, its batch holding the batch lock
until the stall check failed it (72 min by default), and a night starting in that window was skipped (a
review, 2 December). Here the send is tried again, with backoff, for `RETRY_SEND_WINDOW_S`: a Redis restart
takes seconds. After a longer outage the run's message is handed back to the broker (rejected with requeue),
logged as an error and counted (`kgp_task_retries_dropped_total{task}`): the worker requeues it once it has
reconnected, and it runs again. Until 3 December it was dropped (Celery's `requeue=False`), and a batch
chunk's learners waited for `kgplatform jobs resume`.

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
import tenacity
from celery.exceptions import Reject, SoftTimeLimitExceeded
from kombu.exceptions import OperationalError

from workers.message_format import FormatCheckedTask

log = logging.getLogger(__name__)

# How long a retry's send is tried again; under every task's soft time limit (the nightly task's 50 s).
RETRY_SEND_WINDOW_S = 30.0
# The errors of a broker that is away; anything else refusing the send is raised as it was.
BROKER_AWAY = (OperationalError, ConnectionError, redis.ConnectionError, redis.TimeoutError)


def send_retry_policy(window_s: float = RETRY_SEND_WINDOW_S) -> dict[str, float]:
    """A message's `retry_policy` (kombu's publish retry) whose waits add up to `window_s` (each try's connect
    adds its own: about 6 s against a stopped Redis, measured): for the messages Celery
    sends on a task's behalf after its body ran (a chain's next step, an error callback), which no retry of
    ours can send again. With Celery's default (3 tries in 0.6 s) a Redis restart as the night's retrain
    ended dropped the chain's recompute: the retrain, which had published its model, was failed, and the
    night read "retrain failed" (5 December 2026). Celery 5.7 revives the producer's connection between
    these tries (`amqp.send_task_message`), unlike the kombu reconnect `PatientRetryTask` avoids."""
    start, step, most = 0.5, 1.0, 4.0
    waits, total = 0, 0.0
    while total < window_s:
        total += min(start + waits * step, most + start)
        waits += 1
    return {"max_retries": waits, "interval_start": start, "interval_step": step, "interval_max": most}


def patiently(call: Callable[[], Any], window_s: float = RETRY_SEND_WINDOW_S) -> Any:
    """`call()`, tried again while Redis is away (a connection refused or timed out) for about `window_s`,
    after 0.5 s, 1 s, 2 s, then every 4 s; its last error is raised after that, any other at once."""
    retrying = tenacity.Retrying(
        retry=tenacity.retry_if_exception_type((redis.ConnectionError, redis.TimeoutError)),
        stop=tenacity.stop_after_delay(window_s),
        wait=tenacity.wait_exponential(multiplier=0.5, max=4.0),
        reraise=True,
    )
    return retrying(call)


class PatientRetryTask(FormatCheckedTask):
    """A task whose `retry` sends its message again while the broker is away, for `RETRY_SEND_WINDOW_S`."""

    # Seams for tests.
    send_window_s: float = RETRY_SEND_WINDOW_S
    sleep: Callable[[float], None] = staticmethod(time.sleep)

    def retry(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._send_retry(*args, **kwargs)
        except SoftTimeLimitExceeded as error:
            # The soft time limit fired while the retry was being sent, or between two tries of its send:
            # whether it went is not known. Celery rejects the run's message without requeue then, and a
            # batch chunk whose retry had not gone was counted nowhere, its batch silent until the stall
            # check (a review, 6 December 2026). Handed back instead: run twice at worst, which every
            # task here tolerates (a chunk is counted once).
            raise self.handed_back_at_soft_limit(error) from None

    def _send_retry(self, *args: Any, **kwargs: Any) -> Any:
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
                if isinstance(refused.reason, SoftTimeLimitExceeded):
                    raise refused.reason from None  # Celery's reject of a send the limit cut into
                if not isinstance(refused.reason, BROKER_AWAY):
                    raise
                if time.monotonic() + pause > deadline:
                    self.dropped(refused.reason, window)
                    # Handed back, not dropped: the worker's main process requeues the message once it
                    # has reconnected (it reconnects before it handles this run's end), so the run comes
                    # back by itself; a requeue refused too leaves it unacknowledged, and the broker hands
                    # it out after the visibility timeout. Dropped (`requeue=False`, Celery's), a batch's
                    # chunk was gone for good: its batch sat "running" until someone ran `jobs resume`
                    # (an operator's 60 s Redis restart, 3 December). `from None`: Celery logs a reject
                    # with its traceback, and the chain of connection errors behind it ran to about 200
                    # lines per run.
                    raise Reject(refused.reason, requeue=True) from None
                log.warning(
                    "%s[%s]: its retry could not be sent (%s); trying again in %.1f s",
                    self.name,
                    self.request.id,
                    refused.reason,
                    pause,
                )
                self.sleep(pause)
                pause = min(pause * 2, 4.0)

    def handed_back_at_soft_limit(self, error: SoftTimeLimitExceeded) -> Reject:
        """The run's message, handed back to the broker (requeued) because the soft time limit cut into its
        retry's send; said once in the log."""
        log.warning(
            "%s[%s]: the soft time limit fired while its retry was sent: not known whether it went, so "
            "its message goes back to the broker (run again, twice at worst)",
            self.name,
            self.request.id,
        )
        return Reject(error, requeue=True)

    def dropped(self, reason: BaseException, window: float) -> None:
        """Said and counted (`kgp_task_retries_dropped_total`): only a warning per attempt said it before, and
        an operator could not tell from the metrics that a retry was given up (a review, s36). The run's
        message is requeued (`retry`), not lost."""
        from kgplatform.jobs.metrics import RETRIES_DROPPED

        RETRIES_DROPPED.labels(self.name).inc()
        log.error(
            "%s[%s]: its retry could not be sent for %.0f s (%s): its message goes back to the broker, "
            "requeued once the worker has reconnected (else handed out again after the visibility timeout)",
            self.name,
            self.request.id,
            window,
            reason,
        )
