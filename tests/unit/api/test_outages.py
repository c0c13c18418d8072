"""The circuit breaker and the 503 it leads to."""

from __future__ import annotations

from kgplatform.api.outages import CircuitBreaker, unavailable


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
