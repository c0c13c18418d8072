"""What the cache hit learns from the change poll: plans older than a curriculum's or the model's change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from kgplatform.api.inputs_watch import CURRICULUM_REASON, TRANSFER_REASON, UNREAD_REASON, InputsWatch
from kgplatform.planning.store import ChangeStamps

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Store:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def change_stamps(self) -> ChangeStamps:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def stamps(
    curricula: dict[str, datetime],
    version: str | None = None,
    at: datetime | None = None,
    with_edges: frozenset[str] = frozenset({"algebra"}),
) -> ChangeStamps:
    """`with_edges`: the curricula holding edges of the current model (by default the plans' own)."""
    return ChangeStamps(curricula, version, at, with_edges)


def plan(
    curriculum_at: datetime | None, created_at: datetime, transfer_version: str | None = None
) -> dict[str, Any]:
    return {
        "curriculum_id": "algebra",
        "curriculum_at": curriculum_at.isoformat() if curriculum_at else None,
        "created_at": created_at.isoformat(),
        "transfer_version": transfer_version,
    }


def test_a_plan_is_stale_only_for_changes_after_what_it_recorded() -> None:
    watch = InputsWatch(Store(stamps({"algebra": T0, "other": T0 + timedelta(days=1)})), 1.0)  # type: ignore[arg-type]
    assert watch.stale_reasons(plan(T0, T0)) == [UNREAD_REASON]  # nothing read yet: not known fresh
    watch.refresh()
    assert watch.stale_reasons(plan(T0, T0 + timedelta(seconds=5))) == []  # the same edit: not stale
    assert watch.stale_reasons(plan(T0 - timedelta(microseconds=1), T0)) == [CURRICULUM_REASON]
    assert watch.stale_reasons(plan(None, T0)) == [CURRICULUM_REASON]


def test_a_plan_made_with_another_transfer_model_is_stale_whenever_it_was_made() -> None:
    switched = T0 + timedelta(minutes=1)
    watch = InputsWatch(Store(stamps({}, "v2", switched)), 1.0)  # type: ignore[arg-type]
    watch.refresh()
    assert watch.stale_reasons(plan(T0, T0, "v2")) == []
    assert watch.stale_reasons(plan(T0, T0, "v1")) == [TRANSFER_REASON]
    assert watch.stale_reasons(plan(T0, T0, None)) == [TRANSFER_REASON]
    # Made after the switch, but with the model its worker read just before it: still stale (the hit path
    # judged by time alone once served such a plan as fresh until the night).
    assert watch.stale_reasons(plan(T0, switched + timedelta(seconds=1), "v1")) == [TRANSFER_REASON]


def test_a_plan_of_a_curriculum_without_edges_of_the_model_is_judged_as_its_planner_judged_it() -> None:
    """A plan records the model's version only when the model has edges in its curriculum (an idle or a
    very small curriculum has none): compared with the model's own version, every such plan read as stale
    on every cache hit, while the Neo4j path served it as fresh."""
    watch = InputsWatch(Store(stamps({}, "v2", T0, with_edges=frozenset({"other"}))), 1.0)  # type: ignore[arg-type]
    watch.refresh()
    later = T0 + timedelta(minutes=5)
    assert watch.stale_reasons(plan(T0, later, None)) == []
    # Made when the model still had edges there, which it has no longer: stale, as the planner says.
    assert watch.stale_reasons(plan(T0, later, "v1")) == [TRANSFER_REASON]
    assert watch.stale_reasons(plan(T0, later, "v2")) == [TRANSFER_REASON]


def test_a_plan_newer_than_the_poll_is_not_judged_by_a_model_the_poll_had_not_seen() -> None:
    watch = InputsWatch(Store(stamps({}, "v1", T0), stamps({}, "v2", T0)), 1.0)  # type: ignore[arg-type]
    watch.refresh()
    after_the_poll = datetime.now(UTC) + timedelta(seconds=1)
    assert watch.stale_reasons(plan(T0, after_the_poll, "v2")) == []
    watch.refresh()
    assert watch.stale_reasons(plan(T0, after_the_poll - timedelta(seconds=2), "v1")) == [TRANSFER_REASON]


def test_an_outage_does_not_end_the_watch() -> None:
    later = T0 + timedelta(days=1)
    store = Store(stamps({"algebra": T0}), ConnectionError("neo4j away"), stamps({"algebra": later}))
    watch = InputsWatch(store, 0.01)  # type: ignore[arg-type]

    async def three_polls() -> None:
        task = asyncio.create_task(watch.run())
        while store.answers:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        watch.stop()
        await asyncio.wait_for(task, 1)

    asyncio.run(three_polls())
    assert watch.stamps.curricula == {"algebra": later}


def test_until_a_poll_answers_no_plan_is_known_fresh() -> None:
    """An API started while Neo4j was down served plans older than an edit as fresh (stale_because [])
    until its first poll answered: the empty stamps it starts with read as "nothing changed"."""
    watch = InputsWatch(Store(ConnectionError("neo4j away"), stamps({})), 0.01)  # type: ignore[arg-type]
    newest = plan(T0, datetime.now(UTC) + timedelta(days=1))
    assert watch.stale_reasons(newest) == [UNREAD_REASON]
    with pytest.raises(ConnectionError):
        watch.refresh()
    assert watch.stale_reasons(newest) == [UNREAD_REASON]
    watch.refresh()
    assert watch.stale_reasons(newest) == []


def test_the_first_poll_can_be_awaited_whether_it_answers_or_fails() -> None:
    async def first(store: Store, within_s: float) -> tuple[bool, float]:
        watch = InputsWatch(store, 60.0)  # type: ignore[arg-type]
        task = asyncio.create_task(watch.run())
        started = asyncio.get_running_loop().time()
        answered = await watch.first_poll(within_s)
        waited = asyncio.get_running_loop().time() - started
        watch.stop()
        await asyncio.wait_for(task, 1)
        return answered, waited

    answered, waited = asyncio.run(first(Store(stamps({"algebra": T0})), 5.0))
    assert answered and waited < 1.0
    answered, waited = asyncio.run(first(Store(ConnectionError("neo4j away")), 5.0))
    assert not answered and waited < 1.0  # a failed poll ends the wait too: the start goes on
