"""A managed transaction that failed on a retryable error raises that error, not the driver's
ResultFailedError around it, so the API's and Celery's retries run it again (a CI failure, 7 December
2026: an ingest's deadlock with a learner's erase was a 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.neo4j_retry import LivenessAwareRetry, RetryingSession
from kgplatform.errors import caused_by
from kgplatform.graph.driver import Graph

DEADLOCK = neo4j_errors.TransientError._hydrate_neo4j(
    code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
)


def _as_the_driver_wraps(cause: Exception) -> neo4j_errors.ResultFailedError:
    """The driver's rollback after `cause`: a result that met it raises ResultFailedError from it while
    `cause` is being handled."""
    try:
        try:
            raise cause
        except Exception:
            raise neo4j_errors.ResultFailedError(None, "The result has failed.") from cause
    except neo4j_errors.ResultFailedError as wrapped:
        return wrapped


class _Session:
    """Raises each of `failures` in turn from a managed transaction, then runs the work."""

    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures

    def _execute(self, work: Callable[..., Any], *args: Any) -> Any:
        if self.failures:
            raise self.failures.pop(0)
        return work(None, *args)

    execute_read = execute_write = _execute


class _Driver:
    def __init__(self, failures: list[Exception]) -> None:
        self.failures = failures

    @contextmanager
    def session(self, **_: Any) -> Iterator[_Session]:
        yield _Session(self.failures)


def _graph(*failures: Exception) -> Graph:
    return Graph(_Driver(list(failures)), "neo4j")  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", ["read", "write"])
def test_a_wrapped_deadlock_is_raised_as_the_deadlock(kind: str) -> None:
    cause = neo4j_errors.TransientError._hydrate_neo4j(code=DEADLOCK.code, message="deadlock")
    graph = _graph(_as_the_driver_wraps(cause))
    run = graph.execute_read if kind == "read" else graph.execute_write
    with pytest.raises(neo4j_errors.TransientError) as raised:
        run(lambda tx: "stored")
    assert raised.value is cause
    # The wrapper is not made the cause's context: the chain ends, so walking it does too.
    assert caused_by(raised.value, neo4j_errors.ClientError) is None


def test_a_wrapped_error_that_is_not_retryable_stays_wrapped() -> None:
    refused = neo4j_errors.ClientError._hydrate_neo4j(
        code="Neo.ClientError.Statement.SyntaxError", message="no"
    )
    wrapped = _as_the_driver_wraps(refused)
    with pytest.raises(neo4j_errors.ResultFailedError) as raised:
        _graph(wrapped).execute_write(lambda tx: "stored")
    assert raised.value is wrapped


def test_the_api_retry_runs_a_transaction_again_after_a_wrapped_deadlock() -> None:
    pauses: list[float] = []
    retry = LivenessAwareRetry(3.0, lambda: True, sleep=pauses.append)
    with _graph(_as_the_driver_wraps(DEADLOCK)).session() as session:
        assert RetryingSession(session, retry).execute_write(lambda tx: "stored") == "stored"
    assert len(pauses) == 1 and pauses[0] < 0.1, pauses  # the deadlock's short delay
