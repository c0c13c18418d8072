from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from kgplatform.planning.policy import Plan, PlannedTask
from kgplatform.planning.records import PlanRecord, stale_reasons
from kgplatform.planning.stamps import InputStamps

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def record(stamps: InputStamps) -> PlanRecord:
    plan = Plan(
        "l1", (PlannedTask(1, "t1", "c1", "ready to learn", 0.7, "learn", "Task one", "Concept one"),)
    )
    return PlanRecord.of(
        plan, plan_id="p1", curriculum_id="cur", created_at=T0, model_version="m1", stamps=stamps
    )


def test_plan_is_fresh_until_an_input_changes_after_it() -> None:
    stamps = InputStamps(T0, T0, "gnn-1")
    assert stale_reasons(record(stamps), stamps, "m1") == []
    later = T0 + timedelta(seconds=1)
    assert stale_reasons(record(stamps), InputStamps(later, T0, "gnn-1"), "m1") == [
        "the learner's mastery, goals or interests changed"
    ]
    assert stale_reasons(record(stamps), InputStamps(T0, later, "gnn-1"), "m1") == ["the curriculum changed"]
    assert stale_reasons(record(stamps), InputStamps(T0, T0, "gnn-2"), "m1") == ["the transfer model changed"]
    assert stale_reasons(record(stamps), stamps, "m2") == ["the planner changed"]


def test_first_mastery_after_a_cold_start_plan_makes_it_stale() -> None:
    assert stale_reasons(record(InputStamps(None, T0, None)), InputStamps(T0, T0, None), "m1") == [
        "the learner's mastery, goals or interests changed"
    ]


def test_json_round_trip_keeps_everything() -> None:
    original = record(InputStamps(T0, None, None))
    assert PlanRecord.from_mapping(json.loads(original.to_json())) == original
