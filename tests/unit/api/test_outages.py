"""The circuit breaker and the 503 it leads to."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.outages import CircuitBreaker, GuardedGraph, database_failed, unavailable
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


# What Neo4j 5.26 answered on a full disk (7 December 2026, docs/operations.md "A full disk"): the commit that
# could not flush the fulltext index, then every transaction after the database panicked.
PANIC_COMMIT = (
    "Neo.DatabaseError.Transaction.TransactionCommitFailed",
    "Could not apply the transaction: Transaction #252 {...} to the store after written to log.",
)
PANIC_START = (
    "Neo.DatabaseError.Transaction.TransactionStartFailed",
    "The database has encountered a critical error, and needs to be restarted. Please see database logs for "
    "more details.",
)


def _raise_in_session(graph: GuardedGraph, code: str, message: str) -> ServiceUnavailable:
    with pytest.raises(ServiceUnavailable) as failed, graph.session():
        error = neo4j_errors.Neo4jError._hydrate_neo4j(code=code, message=message)
        assert isinstance(error, neo4j_errors.DatabaseError)  # the class the driver raised
        raise error
    return failed.value


def test_a_database_panic_is_a_503_naming_the_restart_and_opens_the_breaker() -> None:
    graph = GuardedGraph(_Driver(), "neo4j")  # type: ignore[arg-type]
    failed = _raise_in_session(graph, *PANIC_START)
    assert "needs a restart" in failed.message and "full disk" in failed.message
    assert "nothing was changed" in failed.message
    response = problem_of(failed)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1
    assert graph.breaker.retry_after_s() > 0  # every request fails until the restart: answer at once


def test_the_commit_that_met_the_panic_is_a_503_that_does_not_claim_nothing_changed() -> None:
    # Neo4j wrote it to its transaction log first; the restart's recovery stored it (the live experiment).
    failed = _raise_in_session(GuardedGraph(_Driver(), "neo4j"), *PANIC_COMMIT)  # type: ignore[arg-type]
    assert "needs a restart" in failed.message and "nothing was changed" not in failed.message
    assert "may still apply" in failed.message and problem_of(failed).status_code == 503


def test_other_database_errors_stay_unexpected() -> None:
    code = "Neo.DatabaseError.General.UnknownError"
    unknown = neo4j_errors.Neo4jError._hydrate_neo4j(code=code, message="?")
    with pytest.raises(neo4j_errors.DatabaseError), GuardedGraph(_Driver(), "neo4j").session():  # type: ignore[arg-type]
        raise unknown


def test_while_the_breaker_is_open_requests_and_readyz_hear_of_the_failed_database() -> None:
    # Live, after the panic every request but one each 2 s met the open breaker and read "Neo4j (the graph
    # database) is unavailable", and /readyz "unavailable: ServiceUnavailable": no word of the restart.
    graph = GuardedGraph(_Driver(), "neo4j")  # type: ignore[arg-type]
    _raise_in_session(graph.with_transaction_timeout(2.0), *PANIC_START)  # a request's bounded view met it
    with pytest.raises(ServiceUnavailable) as refused, graph.session():
        pass  # not reached: the breaker refuses before a session opens
    assert "needs a restart" in refused.value.message
    behind = refused.value.__cause__
    assert isinstance(behind, neo4j_errors.DatabaseError) and behind.code == PANIC_START[0]
    assert behind.__traceback__ is None  # a copy: the failed request's frames are not kept


def test_a_transient_error_that_outlasted_the_retries_is_a_503_not_a_500() -> None:
    graph = GuardedGraph(_Driver(), "neo4j")  # type: ignore[arg-type]
    lock_wait = _neo4j_error("Neo.TransientError.Transaction.LockAcquisitionTimeout")
    with pytest.raises(ServiceUnavailable) as busy, graph.session():
        raise lock_wait
    assert "busy" in busy.value.message and busy.value.__cause__ is lock_wait
    assert problem_of(busy.value).status_code == 503
    assert graph.breaker.retry_after_s() == 0  # busy, not down: other requests still go through


def test_an_outage_after_a_failed_database_is_refused_as_an_outage_not_as_the_failure() -> None:
    # After the restart that ended the failure, a later outage's refusals must not send the operator to
    # restart Neo4j again.
    now = [0.0]
    graph = GuardedGraph(_Driver(), "neo4j", CircuitBreaker(cooldown_s=2.0, clock=lambda: now[0]))  # type: ignore[arg-type]
    _raise_in_session(graph, *PANIC_START)
    now[0] = 10.0  # restarted: the breaker lets calls through again
    with pytest.raises(ServiceUnavailable), graph.session():
        raise neo4j_errors.ServiceUnavailable("connection refused")
    with pytest.raises(ServiceUnavailable) as refused, graph.session():
        pass  # not reached: the breaker refuses
    assert "needs a restart" not in refused.value.message and "unavailable" in refused.value.message


def test_retry_after_is_rounded_up_so_a_retry_does_not_meet_the_open_breaker() -> None:
    assert unavailable("Neo4j", 2.2).details["retry_after_s"] == 3
    assert database_failed(True, 2.2).details["retry_after_s"] == 3
    assert database_failed(True, 0.0).details["retry_after_s"] == 1


# What Neo4j 5.26 answered the API started with a wrong KGP_NEO4J__PASSWORD (8 December 2026): each request's
# login was refused, and after a few in a row every login for a while. Both were a 500 with a traceback.
LOGIN_REFUSALS = (
    ("Neo.ClientError.Security.Unauthorized", "The client is unauthorized due to authentication failure."),
    (
        "Neo.ClientError.Security.AuthenticationRateLimit",
        "The client has provided incorrect authentication details too many times in a row.",
    ),
    # A password Neo4j requires changed first (an admin's reset): a plain ClientError, as the rate limit is.
    (
        "Neo.ClientError.Security.CredentialsExpired",
        "The credentials you provided were valid, but must be changed before you can use this instance.",
    ),
)


@pytest.mark.parametrize(("code", "message"), LOGIN_REFUSALS)
def test_a_refused_login_is_a_503_naming_the_credentials_and_opens_the_breaker(
    code: str, message: str
) -> None:
    graph = GuardedGraph(_Driver(), "neo4j", CircuitBreaker(cooldown_s=5.0))  # type: ignore[arg-type]
    refusal = neo4j_errors.ClientError._hydrate_neo4j(code=code, message=message)
    with pytest.raises(ServiceUnavailable) as refused, graph.session():
        raise refusal
    assert "KGP_NEO4J__PASSWORD" in refused.value.message and "nothing was changed" in refused.value.message
    response = problem_of(refused.value)
    # A retry sooner than the breaker's cooldown only meets the open breaker.
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert graph.breaker.retry_after_s() > 0  # no login per request while it lasts
    with pytest.raises(ServiceUnavailable) as meanwhile, graph.session():
        pass  # not reached: the breaker refuses, naming the same reason
    assert "KGP_NEO4J__PASSWORD" in meanwhile.value.message


def test_a_refused_login_is_logged_once_without_a_traceback(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    graph = GuardedGraph(_Driver(), "neo4j", CircuitBreaker(cooldown_s=2.0, clock=lambda: now[0]))  # type: ignore[arg-type]
    for code, message in LOGIN_REFUSALS * 2:
        now[0] += 10.0  # past the breaker: each try logs in again and is refused again
        with pytest.raises(ServiceUnavailable), graph.session():
            raise neo4j_errors.ClientError._hydrate_neo4j(code=code, message=message)
    logged = [r for r in caplog.records if "KGP_NEO4J__PASSWORD" in r.getMessage()]
    assert len(logged) == 1 and logged[0].exc_info is None
    assert "Neo.ClientError.Security.Unauthorized" in logged[0].getMessage()
