"""A plan's tasks carry the task's title and the concept's name (an app showing a plan made a call per
item for them, 5 December 2026): taken from the curriculum when the plan is made, by every planner, and
served as they were stored; a plan of an older planner, without them, is still readable."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from kgplatform.api.plan_serving import next_tasks_body
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import build_graph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.stamps import InputStamps
from tests.unit.planning.conftest import cached_tasks, chain_document, learner_plan, one_learner_plan
from tests.unit.planning.test_batch import random_learners

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


def titled_document() -> dict[str, Any]:
    """The chain curriculum with titles and names unlike their ids, so that neither can pass for the other."""
    document = chain_document()
    for concept in document["concepts"]:
        concept["name"] = f"Concept {concept['id']} named"
    for task in document["tasks"]:
        task["title"] = f"Task {task['id']} titled"
    return document


def test_a_planned_task_carries_its_title_and_its_concepts_name() -> None:
    graph = build_graph(titled_document())
    plan = learner_plan(graph, {"a": 0.9}, goals=("d",))
    assert plan.tasks
    for task in plan.tasks:
        assert task.task_title == f"Task {task.task_id} titled"
        assert task.concept_name == f"Concept {task.concept_id} named"
    record = PlanRecord.of(
        plan,
        plan_id="p1",
        curriculum_id="chain",
        created_at=NOW,
        model_version="m",
        stamps=InputStamps(None, None, None),
    )
    body = next_tasks_body(orjson.loads(record.to_json()), 10, source="computed", now=NOW, stale_because=[])
    assert [(t["task_id"], t["task_title"], t["concept_id"], t["concept_name"]) for t in body["tasks"]] == [
        (t.task_id, t.task_title, t.concept_id, t.concept_name) for t in plan.tasks
    ]


def test_the_batch_planners_write_the_same_names_as_the_one_learner_planner() -> None:
    graph = build_graph(titled_document())
    learners: LearnerMatrix = random_learners(graph, 40, seed=3)
    config = PlanConfig()
    cached = cached_tasks(graph, learners, config)
    for row, tasks in enumerate(cached):
        plan = one_learner_plan(graph, learners, row, config)
        assert [(t["task_title"], t["concept_name"]) for t in tasks] == [
            (t.task_title, t.concept_name) for t in plan.tasks
        ]
    assert any(tasks for tasks in cached)


def test_a_task_without_a_title_shows_its_id() -> None:
    """Documents built elsewhere (the simulator's, Junyi's) may give no title; a name defaults likewise."""
    document = titled_document()
    for task in document["tasks"]:
        del task["title"]
    graph = build_graph(document)
    assert graph.task_titles == graph.task_ids


def test_a_cached_plan_of_an_older_planner_without_names_is_served_with_null_names() -> None:
    """Served only marked stale (a new plan cannot be computed while Neo4j is down): readable, not a 500."""
    old = {
        "id": "p0",
        "learner_id": "l1",
        "curriculum_id": "chain",
        "created_at": NOW.isoformat(),
        "model_version": "planner-12+bkt",
        "placement": False,
        "tasks": [
            {
                "task_id": "a0",
                "rank": 1,
                "reason": "ready to learn",
                "concept_id": "a",
                "predicted_success": 0.7,
                "purpose": "learn",
            }
        ],
    }
    body = next_tasks_body(old, 5, source="cache", now=NOW, stale_because=["the planner changed"])
    assert body["tasks"][0]["task_title"] is None and body["tasks"][0]["concept_name"] is None
    assert PlanRecord.from_mapping(old).tasks[0]["task_id"] == "a0"
