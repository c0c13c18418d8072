"""Deleting a concept takes learners' goals and mastery of it along: a goal blocks the delete unless
cascade, and what went is counted in the answer and in the audit trail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tests.integration.api.harness import Api


def learner(learner_id: str, *, mastery: list[str], goals: list[str]) -> dict[str, Any]:
    known = [
        {"concept_id": c, "p": 0.5, "attempts": 1, "correct": 1.0, "as_of_s": 1_700_000_000} for c in mastery
    ]
    return {"learner_id": learner_id, "mastery": known, "goals": goals}


def test_a_learners_goal_blocks_the_delete_and_a_cascade_reports_what_learners_lost(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    rows = [learner("l1", mastery=["a", "b"], goals=["a"]), learner("l2", mastery=["a"], goals=["b"])]
    api.graph.write("testing/create_plan_learners", rows=rows, now=datetime.now(UTC))

    refused = api.call("DELETE", "/concepts/a", if_match=1)
    assert refused.status_code == 409, refused.text
    assert refused.json()["learners_with_goal"] == 1 and "1 learner" in refused.json()["detail"]
    assert api.call("GET", "/concepts/a").status_code == 200

    report = api.call("DELETE", "/concepts/a", params={"cascade": "true"}, if_match=1)
    assert report.status_code == 200, report.text
    assert (report.json()["learners_with_goal"], report.json()["mastery_values_removed"]) == (1, 2)
    entry = api.call("GET", "/concepts/a/audit").json()["items"][0]
    assert entry["action"] == "delete"
    assert (entry["old"]["learners_with_goal"], entry["old"]["mastery_values_removed"]) == (1, 2)
