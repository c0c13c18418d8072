"""Calls made at once for one key share one run (`kgplatform.single_flight`)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from kgplatform.single_flight import SingleFlight
from tests.unit.waiting_calls import CountedFuture, all_running_or_waiting, count_waits

CALLERS = 6


@pytest.fixture(autouse=True)
def counted_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    count_waits(monkeypatch)


def _at_once(flight: SingleFlight[Any], key: str, call: Any) -> tuple[list[threading.Thread], list[Any]]:
    outcomes: list[Any] = []

    def ask() -> None:
        try:
            outcomes.append(flight.run(key, call))
        except LookupError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=ask) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    return threads, outcomes


def test_callers_at_once_share_one_run_its_value_or_its_error_and_the_next_runs_again() -> None:
    flight: SingleFlight[object] = SingleFlight()
    for fails in (False, True):
        runs: list[int] = []
        release = threading.Event()

        def call(runs: list[int] = runs, release: threading.Event = release, fails: bool = fails) -> object:
            runs.append(1)
            assert release.wait(timeout=10)
            if fails:
                raise LookupError("the read failed")
            return object()

        CountedFuture.waits = 0
        threads, outcomes = _at_once(flight, "k", call)
        all_running_or_waiting(lambda runs=runs: len(runs), CALLERS)
        release.set()
        for thread in threads:
            thread.join(timeout=10)
        assert len(runs) == 1 and len(outcomes) == CALLERS
        assert all(outcome is outcomes[0] for outcome in outcomes)  # the same value, or the same error
        assert isinstance(outcomes[0], LookupError) == fails
    assert flight.run("k", lambda: "again") == "again"  # a run that ended is not shared


def test_other_keys_run_beside_a_run_in_progress() -> None:
    flight: SingleFlight[str] = SingleFlight()
    release = threading.Event()
    threads, outcomes = _at_once(flight, "slow", lambda: "slow" if release.wait(timeout=10) else "timed out")
    assert flight.run("quick", lambda: "quick") == "quick"
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert outcomes == ["slow"] * CALLERS


class Stopped(BaseException):
    """Like KeyboardInterrupt or SystemExit: no Exception, yet it ends a run."""


def test_a_run_ended_by_what_is_no_exception_ends_the_waits_on_it_too() -> None:
    """Its waiters wait without a timeout: an error not handed to them would hold their threads for ever."""
    flight: SingleFlight[object] = SingleFlight()
    runs: list[int] = []
    release = threading.Event()
    outcomes: list[BaseException] = []

    def call() -> object:
        runs.append(1)
        assert release.wait(timeout=10)
        raise Stopped

    def ask() -> None:
        try:
            flight.run("k", call)
        except Stopped as stopped:
            outcomes.append(stopped)

    # Daemons: where the error is not handed on, the waiters would keep the test run from exiting.
    threads = [threading.Thread(target=ask, daemon=True) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    all_running_or_waiting(lambda: len(runs), CALLERS)
    release.set()
    deadline = time.monotonic() + 10  # one wait for all: a mutant's hung waiters fail within it
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert len(runs) == 1 and len(outcomes) == CALLERS
    assert flight.run("k", lambda: "again") == "again"
