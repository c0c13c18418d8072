"""The workers' /metrics show the on-demand due set: how many learners are owed a plan and how long the
earliest waits past its time. A backlog that nothing drains (no worker on `ondemand`, beat's sweep not
running) left the queue depth at 0 and nothing else to see (a review, s36)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, generate_latest

from kgplatform.jobs.due import DUE_KEY
from kgplatform.jobs.metrics import QueueDepthCollector


class Pipe:
    def __init__(self, due: dict[bytes, float]) -> None:
        self.due = due
        self.calls: list[Any] = []

    def llen(self, _: str) -> None:
        self.calls.append(0)

    def hlen(self, _: str) -> None:
        self.calls.append(2)

    def zcard(self, key: str) -> None:
        assert key == DUE_KEY
        self.calls.append(len(self.due))

    def zrange(self, key: str, start: int, end: int, withscores: bool = False) -> None:
        assert key == DUE_KEY and withscores
        self.calls.append(sorted(self.due.items(), key=lambda item: item[1])[start : end + 1])

    def execute(self) -> list[Any]:
        return self.calls


class Client:
    def __init__(self, due: dict[bytes, float]) -> None:
        self.due = due

    def pipeline(self, transaction: bool = True) -> Pipe:
        return Pipe(self.due)


def scrape(due: dict[bytes, float], now: float) -> str:
    registry = CollectorRegistry()
    registry.register(QueueDepthCollector(Client(due), ["ondemand"], clock=lambda: now))  # type: ignore[arg-type]
    return generate_latest(registry).decode()


def test_the_due_set_and_its_most_overdue_learner_are_shown() -> None:
    text = scrape({b"a": 1000.0, b"b": 1003.0, b"c": 1200.0}, now=1100.0)
    assert "kgp_ondemand_due_learners 3.0" in text
    assert "kgp_ondemand_overdue_seconds 100.0" in text
    assert 'kgp_queue_depth{queue="ondemand"} 0.0' in text and "kgp_queue_unacked 2.0" in text


def test_an_empty_or_not_yet_due_set_is_not_overdue() -> None:
    assert "kgp_ondemand_overdue_seconds 0.0" in scrape({}, now=1100.0)
    assert "kgp_ondemand_overdue_seconds 0.0" in scrape({b"a": 1102.0}, now=1100.0)
