"""The circuit breaker and the 503 it leads to."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.outages import CircuitBreaker, GuardedGraph, unavailable
from kgplatform.api.problems import problem_of
from kgplatform.errors import ServiceUnavailable


def test_breaker_opens_for_its_cooldown_then_lets_calls_through() -> None:
    now = [0.0]
    breaker = CircuitBreaker(cooldown_s=2.0, clock=lambda: now[0])
    assert breaker.retry_after_s() == 0
    breaker.trip()
    assert breaker.retry_after_s() == 2.0
    now[0] = 1.5
    assert breaker.retry_after_s() == 0.5
    now[0] = 2.0
    assert breaker.retry_after_s() == 0


def test_unavailable_says_what_is_down_nothing_changed_and_when_to_retry() -> None:
    error = unavailable("Neo4j (the graph database) is unavailable", 0.2)
    assert error.status_code == 503 and error.details["retry_after_s"] == 1
    assert "Neo4j" in error.message and "nothing was changed" in error.message


class _Driver:
    def session(self, **_: object) -> nullcontext[object]:
        return nullcontext(object())


def test_a_commit_cut_off_is_a_503_that_does_not_claim_nothing_changed() -> None:
    graph = GuardedGraph(_Driver(), "neo4j")  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailable) as cut_off, graph.session():
        raise neo4j_errors.IncompleteCommit("connection lost during commit")
    assert cut_off.value.status_code == 503 and "nothing was changed" not in cut_off.value.message
    assert "may or may not" in cut_off.value.message and graph.breaker.retry_after_s() > 0
    with pytest.raises(ServiceUnavailable) as down, GuardedGraph(_Driver(), "neo4j").session():  # type: ignore[arg-type]
        raise neo4j_errors.ServiceUnavailable("refused")
    assert "nothing was changed" in down.value.message


def _neo4j_error(code: str) -> neo4j_errors.Neo4jError:
    # How the driver builds the error it raises from the server's failure message.
    return neo4j_errors.Neo4jError._hydrate_neo4j(code=code, message="ended")


@pytest.mark.parametrize(
    "code",
    [
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.LockClientStopped",  # a lock wait cut short by the timeout
    ],
)
def test_a_transaction_neo4j_ended_is_a_503_with_retry_after_that_changed_nothing(code: str) -> None:
    graph = GuardedGraph(_Driver(), "neo4j", transaction_timeout_s=2.5)  # type: ignore[arg-type]
    with pytest.raises(ServiceUnavailable) as ended, graph.session():
        raise _neo4j_error(code)
    assert ended.value.status_code == 503 and "nothing was changed" in ended.value.message
    assert "within 2.5 s" in ended.value.message
    response = problem_of(ended.value)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert graph.breaker.retry_after_s() == 0  # busy, not down: other requests still go through


def test_other_client_errors_are_not_taken_for_timeouts() -> None:
    with pytest.raises(neo4j_errors.ConstraintError), GuardedGraph(_Driver(), "neo4j").session():  # type: ignore[arg-type]
        raise _neo4j_error("Neo.ClientError.Schema.ConstraintValidationFailed")
