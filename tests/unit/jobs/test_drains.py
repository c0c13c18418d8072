"""On-demand drains (`kgp.plans.recompute_due`) against an in-memory due set (tests/unit/jobs/due_redis.py):
what a lost or failing drain leaves behind, and which drain plans its learners after it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

import workers.tasks as tasks
from kgplatform.jobs import due as due_module
from kgplatform.jobs.due import DueLearners
from kgplatform.jobs.on_demand_plans import Outcome
from tests.unit.jobs.due_redis import DueRedis
from workers.celery_app import app
from workers.queues import Queue
from workers.schedule import DUE_SWEEP_ENTRY, beat_schedule

T0 = 1_000_000.0


class Clock:
    """Stands in for the `time` module of the drain and the due set."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now


class Planner:
    """The drain's planner: records each call's learners; raises for the learners in `poisoned`."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []
        self.poisoned: set[str] = set()

    def plan(self, learner_ids: Sequence[str]) -> Outcome:
        self.calls.append(list(learner_ids))
        if self.poisoned & set(learner_ids):
            raise ValueError("a cached plan that no longer parses")
        return Outcome(planned=list(learner_ids))  # type: ignore[arg-type]


class NoDebounce:
    def __init__(self, *_: object) -> None:
        pass

    def clear_many(self, learner_ids: list[str]) -> None:
        pass


class Drains:
    def __init__(self, client: DueRedis, clock: Clock, planner: Planner) -> None:
        self.client, self.clock, self.planner = client, clock, planner
        self.due = DueLearners(client)  # type: ignore[arg-type]
        self.woken: list[float] = []  # countdowns of the drains sent


@pytest.fixture
def drains(monkeypatch: pytest.MonkeyPatch) -> Drains:
    env = Drains(DueRedis(), Clock(T0), Planner())
    monkeypatch.setattr(tasks, "time", env.clock)
    monkeypatch.setattr(due_module, "time", env.clock)
    monkeypatch.setattr(tasks, "get_redis", lambda: env.client)
    monkeypatch.setattr(tasks, "Debouncer", NoDebounce)
    monkeypatch.setattr(tasks, "on_demand_planner", lambda: env.planner)
    monkeypatch.setattr(tasks, "send_drain", env.woken.append)
    return env


def test_learners_held_by_a_drain_lost_with_its_worker_are_planned_by_beats_sweep(drains: Drains) -> None:
    """A drain claimed L, then its worker was killed outright (host lost, or a redeploy's SIGKILL): no
    `finally`, no failure hook, so no wake-up for the lease end; its message, and any wake-up that worker
    had taken, come back after the visibility timeout (an hour). Beat's sweep plans L soon after the
    lease end instead."""
    entry = beat_schedule(tasks.settings.workers)[DUE_SWEEP_ENTRY]
    assert DUE_SWEEP_ENTRY in app.conf.beat_schedule
    interval = float(entry["schedule"])
    assert entry["task"] == "kgp.plans.recompute_due" and interval <= 60
    assert entry["options"] == {"expires": interval, "queue": Queue.ONDEMAND.value}
    drains.due.add(["L"], T0)
    lost = drains.due.claim(T0, 1000, tasks.DRAIN_LEASE_S)  # the lost drain's claim; then the kill
    assert lost.learner_ids == ["L"] and drains.client.values == {}  # nothing will wake for L
    drains.clock.now = lost.lease_until + interval  # the first sweep after the lease end, at the latest
    assert app.tasks[entry["task"]].run() == 1
    assert drains.planner.calls == [["L"]] and drains.due.owed(["L"]) == [None]
