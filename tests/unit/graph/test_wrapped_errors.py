"""A failed managed transaction raises the error it failed on, not the driver's ResultFailedError around
it, so retries and error mappings that choose by type see it (a CI failure, 7 December 2026: an ingest's
deadlock with a learner's erase was a 500)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.neo4j_retry import LivenessAwareRetry, RetryingSession
from kgplatform.curriculum.store import _write
from kgplatform.errors import Conflict, caused_by
from kgplatform.graph.deleted_meanwhile import NODE_DELETED_MEANWHILE, rerun_if_deleted_meanwhile
from kgplatform.graph.driver import Graph


def _deadlock() -> neo4j_errors.Neo4jError:
    return neo4j_errors.TransientError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
    )


def _as_the_driver_wraps(cause: BaseException | None) -> neo4j_errors.ResultFailedError:
    """The driver's rollback after `cause`: a result that met it raises ResultFailedError from it while
    `cause` is being handled."""
    try:
        try:
            if cause is not None:
                raise cause
        except Exception:
            raise neo4j_errors.ResultFailedError(None, "The result has failed.") from cause
        raise neo4j_errors.ResultFailedError(None, "The result has failed.")
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
    cause = _deadlock()
    graph = _graph(_as_the_driver_wraps(cause))
    run = graph.execute_read if kind == "read" else graph.execute_write
    with pytest.raises(neo4j_errors.TransientError) as raised:
        run(lambda tx: "stored")
    assert raised.value is cause
    # The wrapper is not made the cause's context: the chain ends, so walking it does too.
    assert caused_by(raised.value, neo4j_errors.ClientError) is None


def test_the_api_retry_runs_a_transaction_again_after_a_wrapped_deadlock() -> None:
    pauses: list[float] = []
    retry = LivenessAwareRetry(3.0, lambda: True, sleep=pauses.append)
    with _graph(_as_the_driver_wraps(_deadlock())).session() as session:
        assert RetryingSession(session, retry).execute_write(lambda tx: "stored") == "stored"
    assert len(pauses) == 1 and pauses[0] < 0.1, pauses  # the deadlock's short delay


def test_a_wrapped_uniqueness_clash_on_a_curriculum_write_is_a_conflict() -> None:
    clash = neo4j_errors.ConstraintError._hydrate_neo4j(
        code="Neo.ClientError.Schema.ConstraintValidationFailed", message="already exists"
    )
    with pytest.raises(Conflict):
        _write(_graph(_as_the_driver_wraps(clash)), lambda tx: "created")


def test_a_write_that_met_a_deleted_node_behind_a_wrapper_runs_again() -> None:
    gone = neo4j_errors.ClientError._hydrate_neo4j(code=NODE_DELETED_MEANWHILE, message="deleted")
    graph = _graph(_as_the_driver_wraps(gone))
    assert rerun_if_deleted_meanwhile(lambda: graph.execute_write(lambda tx: "written")) == "written"


def test_the_innermost_error_of_nested_wrappers_is_raised() -> None:
    cause = _deadlock()
    with pytest.raises(neo4j_errors.TransientError) as raised:
        _graph(_as_the_driver_wraps(_as_the_driver_wraps(cause))).execute_write(lambda tx: None)
    assert raised.value is cause


@pytest.mark.parametrize("cause", [None, ValueError("not the driver's")], ids=["nothing", "another error"])
def test_a_wrapper_of_no_driver_error_stays_as_it_is(cause: BaseException | None) -> None:
    wrapped = _as_the_driver_wraps(cause)
    with pytest.raises(neo4j_errors.ResultFailedError) as raised:
        _graph(wrapped).execute_write(lambda tx: "stored")
    assert raised.value is wrapped
