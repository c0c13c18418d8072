"""The API's retry of Neo4j transactions: the driver's, except that it gives up at once while Neo4j is down.

The driver retries a failed managed transaction (a transient error, a leader switch, a dropped connection)
with growing delays (1 s, 2 s, 4 s, +-20 %) for `max_transaction_retry_time`, without asking whether the
server is there at all: during an outage every request that reached the driver waited 3 to 7.5 s for its
503, the probe request of each circuit-breaker window included. Here the driver tries once
(`SINGLE_ATTEMPT`) and `LivenessAwareRetry` (tenacity) retries the same way, but after a connectivity
failure it first asks whether Neo4j answers a fresh connection (`neo4j_answers`, bounded by the API
driver's short connection timeout): if not, the error is raised at once and `GuardedGraph` turns it
into a 503; if it does (a leader blip, a connection the server closed), the transaction is retried as the
driver would have.
Transient errors come from a server that is up, so they are retried without asking.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import neo4j
import tenacity
from neo4j import Driver
from neo4j import exceptions as neo4j_errors

from kgplatform.graph.driver import SessionWrapper

T = TypeVar("T")
log = logging.getLogger(__name__)

# Session options that make the driver run a managed transaction once: a zero retry budget, and no
# delay in the (theoretical) case that the clock did not move between its first failure and its check.
SINGLE_ATTEMPT: dict[str, float] = {"max_transaction_retry_time": 0.0, "initial_retry_delay": 0.0}
# Failures that may mean "the server is gone" rather than "the server said no": worth a liveness check.
CONNECTIVITY_ERRORS: tuple[type[BaseException], ...] = (
    neo4j_errors.ServiceUnavailable,
    neo4j_errors.SessionExpired,
)
# A deadlock's loser is rolled back by Neo4j while the winner goes on, and commits within milliseconds: the
# driver's first delay of 1 s (made for leader switches and restarts) made about 0.2% of one-answer POSTs at
# 16 concurrent apps take over a second (5 December 2026; docs/services.md, "One answer per request").
DEADLOCK = "Neo.TransientError.Transaction.DeadlockDetected"


def neo4j_answers(driver: Driver) -> bool:
    """Whether the server (a router, for a cluster) takes a connection now. Any reply from it, even a
    refusal of our credentials, means it is up; only a connection that fails means it is not."""
    try:
        driver.verify_connectivity()
    except (*CONNECTIVITY_ERRORS, OSError):
        return False
    except (neo4j_errors.Neo4jError, neo4j_errors.DriverError):
        return True
    return True


@dataclass
class LivenessAwareRetry:
    """Runs an attempt again on retryable errors for up to `max_retry_s` after the first failure (delays
    as the driver's defaults: 1 s, 2 s, 4 s, ... +-20 %; after a deadlock 20 ms, 40 ms, ...), except that a
    connectivity failure while
    `is_alive()` says no is raised at once. The loop is tenacity's; this class says when and how long."""

    max_retry_s: float
    is_alive: Callable[[], bool]
    initial_delay_s: float = 1.0
    # The first delay after a deadlock (DEADLOCK), growing as the others do; the jitter keeps the two
    # transactions from meeting again in step.
    deadlock_delay_s: float = 0.02
    multiplier: float = 2.0
    jitter: float = 0.2
    clock: Callable[[], float] = field(default=time.monotonic)
    sleep: Callable[[float], None] = field(default=time.sleep)

    def run(self, attempt: Callable[[], T]) -> T:
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(self._worth_retrying),
            stop=self._budget_spent(),
            wait=self._delay,
            sleep=self.sleep,
            reraise=True,  # the caller sees Neo4j's own error, not tenacity's RetryError
            before_sleep=tenacity.before_sleep_log(log, logging.WARNING),
        )
        return retrying(attempt)

    def _worth_retrying(self, error: BaseException) -> bool:
        if not isinstance(error, (neo4j_errors.Neo4jError, neo4j_errors.DriverError)):
            return False
        if not error.is_retryable():
            return False
        return not isinstance(error, CONNECTIVITY_ERRORS) or self.is_alive()

    def _budget_spent(self) -> Callable[[tenacity.RetryCallState], bool]:
        """As the driver: attempts go on until more than `max_retry_s` passed since the first failure
        (measured on `clock`, so tests can move time)."""
        first_failure: list[float] = []

        def spent(state: tenacity.RetryCallState) -> bool:
            now = self.clock()
            if not first_failure:
                first_failure.append(now)
            return now - first_failure[0] > self.max_retry_s

        return spent

    def _delay(self, state: tenacity.RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome is not None else None
        deadlock = isinstance(error, neo4j_errors.Neo4jError) and error.code == DEADLOCK
        first = self.deadlock_delay_s if deadlock else self.initial_delay_s
        base = first * self.multiplier ** (state.attempt_number - 1)
        return base * random.uniform(1 - self.jitter, 1 + self.jitter)  # noqa: S311 - jitter only


class RetryingSession(SessionWrapper):
    """A driver session (opened with `SINGLE_ATTEMPT`) whose managed transactions go through `retry`."""

    def __init__(self, session: neo4j.Session, retry: LivenessAwareRetry) -> None:
        super().__init__(session)
        self._retry = retry

    def _execute(self, execute: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._retry.run(lambda: execute(*args, **kwargs))
