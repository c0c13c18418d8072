"""The API's transaction retry: as the driver's while Neo4j answers, none once it does not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from neo4j import exceptions as neo4j_errors

from kgplatform.api.neo4j_retry import LivenessAwareRetry, neo4j_answers


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def _attempts(*outcomes: BaseException | str) -> Callable[[], str]:
    """An attempt that raises (or returns) each outcome in turn."""
    remaining = list(outcomes)

    def attempt() -> str:
        outcome = remaining.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    return attempt


def _retry(clock: _Clock, alive: bool, probes: list[bool] | None = None) -> LivenessAwareRetry:
    def is_alive() -> bool:
        if probes is not None:
            probes.append(alive)
        return alive

    return LivenessAwareRetry(3.0, is_alive, clock=lambda: clock.now, sleep=clock.sleep)


def test_a_connectivity_failure_while_neo4j_is_down_is_raised_at_once() -> None:
    clock = _Clock()
    with pytest.raises(neo4j_errors.ServiceUnavailable):
        _retry(clock, alive=False).run(_attempts(neo4j_errors.ServiceUnavailable("refused"), "never"))
    assert clock.pauses == []


@pytest.mark.parametrize(
    "blip",
    [neo4j_errors.SessionExpired("leader switched"), neo4j_errors.ServiceUnavailable("connection closed")],
)
def test_a_connectivity_failure_while_neo4j_answers_is_retried_like_the_driver_does(
    blip: neo4j_errors.DriverError,
) -> None:
    clock, probes = _Clock(), []  # type: ignore[var-annotated]
    assert _retry(clock, alive=True, probes=probes).run(_attempts(blip, blip, "done")) == "done"
    assert probes == [True, True]
    assert len(clock.pauses) == 2 and 0.8 <= clock.pauses[0] <= 1.2 and 1.6 <= clock.pauses[1] <= 2.4


def test_a_transient_error_is_retried_without_asking_whether_neo4j_is_up() -> None:
    clock, probes = _Clock(), []  # type: ignore[var-annotated]
    deadlock = neo4j_errors.TransientError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
    )
    assert _retry(clock, alive=False, probes=probes).run(_attempts(deadlock, "done")) == "done"
    assert probes == [] and len(clock.pauses) == 1


def test_a_deadlock_is_retried_after_milliseconds_and_other_transient_errors_after_a_second() -> None:
    # The deadlock's winner commits within milliseconds; 1 s made one-answer POSTs take over a second.
    clock = _Clock()
    deadlock = neo4j_errors.TransientError._hydrate_neo4j(
        code="Neo.TransientError.Transaction.DeadlockDetected", message="deadlock"
    )
    unavailable = neo4j_errors.TransientError._hydrate_neo4j(
        code="Neo.TransientError.General.DatabaseUnavailable", message="starting"
    )
    assert _retry(clock, alive=True).run(_attempts(deadlock, deadlock, unavailable, "done")) == "done"
    first, second, third = clock.pauses
    assert 0.016 <= first <= 0.024 and 0.032 <= second <= 0.048 and 3.2 <= third <= 4.8, clock.pauses


def test_retries_stop_once_the_budget_is_spent() -> None:
    clock = _Clock()
    blip = neo4j_errors.SessionExpired("leader switched")
    retry = LivenessAwareRetry(3.0, lambda: True, jitter=0.0, clock=lambda: clock.now, sleep=clock.sleep)
    with pytest.raises(neo4j_errors.SessionExpired):
        retry.run(_attempts(*[blip] * 10))
    # Like the driver: attempts go on until more than 3 s passed since the first failure.
    assert clock.pauses == [1.0, 2.0, 4.0]


def test_errors_that_are_not_retryable_are_raised_at_once() -> None:
    clock = _Clock()
    with pytest.raises(neo4j_errors.IncompleteCommit):
        _retry(clock, alive=True).run(_attempts(neo4j_errors.IncompleteCommit("cut off"), "never"))
    assert clock.pauses == []


class _Driver:
    def __init__(self, error: BaseException | None) -> None:
        self.error = error

    def verify_connectivity(self) -> None:
        if self.error is not None:
            raise self.error


@pytest.mark.parametrize(
    ("error", "answers"),
    [
        (None, True),
        (neo4j_errors.ServiceUnavailable("refused"), False),
        (ConnectionRefusedError(), False),
        (neo4j_errors.AuthError("wrong password"), True),  # it answered, so it is up
    ],
)
def test_neo4j_answers_when_a_connection_reaches_it(error: BaseException | None, answers: bool) -> None:
    assert neo4j_answers(_Driver(error)) is answers  # type: ignore[arg-type]
