"""On-demand drains (`kgp.plans.recompute_due`) against an in-memory due set (tests/unit/jobs/due_redis.py):
what a lost or failing drain leaves behind, and which drain plans its learners after it."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from redis import exceptions as redis_errors
from redis._parsers.base import BaseParser

import workers.tasks as tasks
from kgplatform.jobs import drain as drain_module
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
    monkeypatch.setattr(drain_module, "time", env.clock)
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


def test_a_learner_whose_plan_always_fails_holds_back_no_one_else(
    drains: Drains, caplog: pytest.LogCaptureFixture
) -> None:
    """P's plan fails every time (say its cached plan no longer parses). Its whole batch used to fail and
    wait for the lease end (150 s), and fail again then, for as long as A and B did not answer again. The
    drain now splits a failing batch down to P: A and B are planned at once, P is tried again after a
    backoff, and after MAX_FAILURES failures in a row it is dropped (logged and counted)."""
    from kgplatform.jobs.drain import MAX_FAILURES
    from kgplatform.jobs.due import RETRY_FIRST_S
    from kgplatform.jobs.metrics import ONDEMAND_DROPPED

    dropped_before = ONDEMAND_DROPPED._value.get()
    drains.planner.poisoned = {"P"}
    drains.due.add(["A", "B", "P"], T0)
    assert tasks.recompute_due.run() == 2
    assert drains.planner.calls == [["A", "B", "P"], ["A"], ["B", "P"], ["B"], ["P"]]
    assert drains.due.owed(["A", "B", "P"]) == [None, None, T0 + RETRY_FIRST_S]
    assert drains.woken == [RETRY_FIRST_S]  # a drain for P's retry was sent
    waits = []
    for _ in range(MAX_FAILURES - 1):
        waits.append(drains.due.earliest() - drains.clock.now)  # type: ignore[operator]
        drains.clock.now = drains.due.earliest()  # type: ignore[assignment]
        assert tasks.recompute_due.run() == 0
    assert drains.planner.calls[-1] == ["P"] and waits == [RETRY_FIRST_S * 2**n for n in range(4)]
    assert drains.due.earliest() is None and drains.client.hashes == {"kgp:ondemand:failures": {}}
    assert ONDEMAND_DROPPED._value.get() == dropped_before + 1
    assert (
        f"learner P dropped from the on-demand due set: its plan failed {MAX_FAILURES} times" in caplog.text
    )


def test_a_drain_failing_on_a_database_blip_is_retried_in_seconds_not_at_its_lease_end(
    drains: Drains,
) -> None:
    """A one-second Neo4j blip failed the drain, and its learners stayed held until the lease end (150 s):
    Celery's retry two seconds later found them held. They are now due again after a backoff that doubles
    with each failure in a row, and a plan made forgets the count."""
    from neo4j.exceptions import ServiceUnavailable

    from kgplatform.jobs.due import RETRY_FIRST_S

    class Blips(Planner):
        def __init__(self, failures: int) -> None:
            super().__init__()
            self.failures = failures

        def plan(self, learner_ids: Sequence[str]) -> Outcome:
            if self.failures:
                self.failures -= 1
                self.calls.append(list(learner_ids))
                raise ServiceUnavailable("Neo4j restarting")
            return super().plan(learner_ids)

    drains.planner = Blips(2)
    drains.due.add(["A", "B"], T0)
    for wait in (RETRY_FIRST_S, 2 * RETRY_FIRST_S):
        with pytest.raises(ServiceUnavailable):  # raised: Celery's autoretry runs the drain again too
            tasks.recompute_due.run()
        assert drains.due.owed(["A", "B"]) == [drains.clock.now + wait] * 2  # not split: no learner's fault
        assert drains.woken[-1] == wait
        drains.clock.now += wait
    assert tasks.recompute_due.run() == 2
    assert drains.planner.calls == [["A", "B"]] * 3
    assert drains.due.earliest() is None and drains.client.hashes["kgp:ondemand:failures"] == {}


@pytest.mark.parametrize(
    "refusal",
    [
        redis_errors.OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
        redis_errors.ReadOnlyError("You can't write against a read only replica."),
        redis_errors.MasterDownError("Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
        # As redis-py reads the reply of a Redis whose disk is too full for its append-only file.
        BaseParser.parse_error("MISCONF Errors writing to the AOF file: No space left on device"),
    ],
    ids=["oom", "readonly", "masterdown", "misconf"],
)
def test_a_redis_refusing_writes_is_retried_whole_not_bisected(drains: Drains, refusal: Exception) -> None:
    """A Redis full under noeviction (or read-only after a failover) was taken for some learner's error:
    the claim was split in halves, each `plan` saving its plans to Neo4j before the refused cache write
    (1,000 learners: 10 calls, the first learner saved 10 times), then the drain failed with no retry.
    It is server state, like an outage: one call, every learner due again after the backoff, and the task
    retried by Celery."""
    from kgplatform.jobs.due import RETRY_FIRST_S

    class Refused(Planner):
        def plan(self, learner_ids: Sequence[str]) -> Outcome:
            self.calls.append(list(learner_ids))
            raise refusal

    drains.planner = Refused()
    learners = [f"l{n:04d}" for n in range(1000)]
    drains.due.add(learners, T0)
    with pytest.raises(type(refusal)):
        tasks.recompute_due.run()
    assert len(drains.planner.calls) == 1
    assert drains.due.owed(learners) == [T0 + RETRY_FIRST_S] * 1000
    assert isinstance(refusal, tuple(tasks.RETRY["autoretry_for"]))


def test_a_drain_that_cannot_even_put_its_learners_back_says_whether_redis_refused_or_is_away(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from kgplatform.jobs.drain import plan_claim
    from kgplatform.jobs.due import Claim

    class RefusingDue:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def retry_later(self, *_: object, **__: object) -> None:
            raise self.error

    oom = redis_errors.OutOfMemoryError("command not allowed when used memory > 'maxmemory'.")

    def plan(_: Sequence[str]) -> Outcome:
        raise oom

    for error, words in [(oom, "Redis refused the write"), (redis_errors.ConnectionError(), "Redis is away")]:
        with pytest.raises(redis_errors.OutOfMemoryError):
            plan_claim(plan, RefusingDue(error), Claim(["A"], T0), tasks.DRAIN_RETRIED_WHOLE, 150.0)  # type: ignore[arg-type]
        assert f"1 learners of a failed drain wait for its lease end: {words}" in caplog.text


def test_a_failed_neo4j_database_is_retried_whole_not_blamed_on_learners(drains: Drains) -> None:
    """Neo4j's database panicked on a full disk (7 December 2026): every plan read failed with this
    DatabaseError, which the drain took for each learner's own, so it split its claim down to single
    learners and dropped all 20 due at their fifth failure, 76 s in. It is server state: retried whole, and
    by Celery."""
    from contextlib import nullcontext

    from neo4j.exceptions import Neo4jError

    from kgplatform.errors import DatabaseFailed
    from kgplatform.graph.driver import Graph
    from kgplatform.jobs.due import RETRY_FIRST_S

    class Driver:
        def session(self, **_: object) -> nullcontext[object]:
            return nullcontext(object())

    class Panicked(Planner):
        def plan(self, learner_ids: Sequence[str]) -> Outcome:
            self.calls.append(list(learner_ids))
            with Graph(Driver(), "neo4j").session():  # type: ignore[arg-type]
                raise Neo4jError._hydrate_neo4j(  # what Neo4j 5.26 answered every transaction
                    code="Neo.DatabaseError.Transaction.TransactionStartFailed",
                    message="The database has encountered a critical error, and needs to be restarted.",
                )

    drains.planner = Panicked()
    learners = [f"l{n:02d}" for n in range(20)]
    drains.due.add(learners, T0)
    with pytest.raises(DatabaseFailed) as failed:
        tasks.recompute_due.run()
    assert len(drains.planner.calls) == 1  # not split: no learner's fault
    assert drains.due.owed(learners) == [T0 + RETRY_FIRST_S] * 20
    assert isinstance(failed.value, tuple(tasks.RETRY["autoretry_for"]))  # chunks and drains retried too


def test_plans_made_before_a_drain_fails_on_an_outage_are_counted(drains: Drains) -> None:
    """P's error split the claim; A was planned and released, then Neo4j went away under B's half. The
    drain counted its plans only when it returned, so A's plan was counted nowhere: its retry plans B and P
    only (a review, 8 December 2026)."""
    from neo4j.exceptions import ServiceUnavailable

    from kgplatform.jobs.metrics import PLANS_RECOMPUTED

    class Outage(Planner):
        def plan(self, learner_ids: Sequence[str]) -> Outcome:
            if len(self.calls) == 2:  # the second half, after A's plan
                self.calls.append(list(learner_ids))
                raise ServiceUnavailable("Neo4j restarting")
            return super().plan(learner_ids)

    counted = PLANS_RECOMPUTED.labels("on_demand")
    before = counted._value.get()
    drains.planner = Outage()
    drains.planner.poisoned = {"P"}
    drains.due.add(["A", "B", "P"], T0)
    with pytest.raises(ServiceUnavailable):
        tasks.recompute_due.run()
    assert drains.planner.calls == [["A", "B", "P"], ["A"], ["B", "P"]]
    assert drains.due.owed(["A"]) == [None]  # planned and released: the retry will not plan A again
    assert counted._value.get() == before + 1
