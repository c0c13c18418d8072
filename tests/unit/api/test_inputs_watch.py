"""What the cache hit learns from the change poll: plans older than a curriculum's or the model's change."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from kgplatform.api.inputs_watch import CURRICULUM_REASON, TRANSFER_REASON, InputsWatch

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


class Store:
    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)

    def change_stamps(self) -> tuple[dict[str, datetime], datetime | None]:
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer


def plan(curriculum_at: datetime | None, created_at: datetime) -> dict[str, Any]:
    return {
        "curriculum_id": "algebra",
        "curriculum_at": curriculum_at.isoformat() if curriculum_at else None,
        "created_at": created_at.isoformat(),
    }


def test_a_plan_is_stale_only_for_changes_after_what_it_recorded() -> None:
    watch = InputsWatch(Store(({"algebra": T0, "other": T0 + timedelta(days=1)}, None)), 1.0)  # type: ignore[arg-type]
    assert watch.stale_reasons(plan(T0, T0)) == []  # nothing seen yet
    watch.refresh()
    assert watch.stale_reasons(plan(T0, T0 + timedelta(seconds=5))) == []  # the same edit: not stale
    assert watch.stale_reasons(plan(T0 - timedelta(microseconds=1), T0)) == [CURRICULUM_REASON]
    assert watch.stale_reasons(plan(None, T0)) == [CURRICULUM_REASON]
    watch.transfer_at = T0 + timedelta(minutes=1)
    assert watch.stale_reasons(plan(T0, T0)) == [TRANSFER_REASON]
    assert watch.stale_reasons(plan(T0, T0 + timedelta(minutes=2))) == []


def test_an_outage_does_not_end_the_watch() -> None:
    later = T0 + timedelta(days=1)
    store = Store(({"algebra": T0}, None), ConnectionError("neo4j away"), ({"algebra": later}, None))
    watch = InputsWatch(store, 0.01)  # type: ignore[arg-type]

    async def three_polls() -> None:
        task = asyncio.create_task(watch.run())
        while store.answers:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.05)
        watch.stop()
        await asyncio.wait_for(task, 1)

    asyncio.run(three_polls())
    assert watch.curricula == {"algebra": later}
