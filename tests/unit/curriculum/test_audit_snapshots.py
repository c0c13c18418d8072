"""What an audit entry's old/new hold for a concept or a task is one snapshot (`service.concept_snapshot`,
`tasks.task_snapshot`) in every entry that writes one: an edit's, a concept deletion's cascade over its
tasks, and an import's updated and re-created rows. Until 5 December 2026 the cascade and the import each
spelled the fields again (the cascade as a literal list), and a field added to a task would have been
missing from their entries only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kgplatform.curriculum import service, store, tasks
from kgplatform.curriculum.import_report import Entity
from kgplatform.curriculum.import_store import recreate_entries, update_entries

CONCEPT = {"id": "a", "curriculum_id": "m", "name": "A", "description": "d", "tags": ["t"], "difficulty": 0.5}
TASK = {"curriculum_id": "m", "title": "T", "kind": "quiz", "difficulty": 0.5, "estimated_minutes": 10}


def _old(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["old"])


def _new(entry: dict[str, Any]) -> dict[str, Any]:
    return json.loads(entry["new"])


@pytest.fixture
def grown(monkeypatch: pytest.MonkeyPatch) -> None:
    """A field added to concepts and tasks, as a later release may add one."""
    monkeypatch.setattr(service, "CONCEPT_FIELDS", (*service.CONCEPT_FIELDS, "level"))
    monkeypatch.setattr(tasks, "TASK_FIELDS", (*tasks.TASK_FIELDS, "level"))


def test_a_concept_deletion_audits_its_tasks_as_a_task_edit_does() -> None:
    shared = {**TASK, "id": "t1", "concepts": ["b", "a"], "version": 4}
    only = {**TASK, "id": "t2", "concepts": ["a"], "version": 2}
    links = store.ConceptLinks(concept={**CONCEPT, "version": 3}, tasks=[shared, only])
    deletion = service.decide_concept_deletion("a", {3}, True, "bob", links)
    by_task = {e["entity_id"]: e for e in deletion.audit if e["entity_type"] == "task"}
    assert _old(by_task["t2"]) == tasks.task_snapshot(only)
    assert _old(by_task["t1"]) == tasks.task_snapshot(shared)
    assert _new(by_task["t1"]) == {**tasks.task_snapshot(shared), "concepts": ["b"], "version": 5}


@pytest.mark.usefixtures("grown")
def test_a_field_added_to_tasks_reaches_a_concept_deletions_task_entries() -> None:
    task = {**TASK, "id": "t1", "concepts": ["a", "b"], "version": 4, "level": "easy"}
    links = store.ConceptLinks(concept={**CONCEPT, "version": 3, "level": 2}, tasks=[task])
    deletion = service.decide_concept_deletion("a", {3}, True, "bob", links)
    (entry,) = [e for e in deletion.audit if e["entity_type"] == "task"]
    assert _old(entry)["level"] == "easy" and _new(entry)["level"] == "easy"
    (concept_entry,) = [e for e in deletion.audit if e["entity_type"] == "concept"]
    assert _old(concept_entry)["level"] == 2


@pytest.mark.parametrize(
    ("entity", "before", "after"),
    [
        (
            Entity.CONCEPT,
            {**CONCEPT, "version": 3},
            {**CONCEPT, "name": "A2"},
        ),
        (
            Entity.TASK,
            {**TASK, "id": "a", "concepts": ["y", "x"], "version": 3},
            {**TASK, "id": "a", "title": "T2", "concepts": ["z", "x"]},
        ),
    ],
)
def test_an_import_audits_a_changed_row_as_an_edit_does(entity: Entity, before: dict, after: dict) -> None:
    snapshot = service.concept_snapshot if entity is Entity.CONCEPT else tasks.task_snapshot
    (entry,) = update_entries(entity, [{"id": "a", "before": before, "after": after}], [], "bob", "m")
    assert _old(entry) == snapshot(before)
    assert _new(entry) == snapshot({**after, "version": 4})
    (again,) = recreate_entries(entity, [{"id": "a", "after": after, "version": 7}], "bob", "m")
    assert _new(again) == snapshot({**after, "version": 7})


@pytest.mark.usefixtures("grown")
@pytest.mark.parametrize("entity", [Entity.CONCEPT, Entity.TASK])
def test_a_field_added_reaches_an_imports_entries(entity: Entity) -> None:
    row = {**(CONCEPT if entity is Entity.CONCEPT else {**TASK, "id": "a", "concepts": ["x"]}), "level": 1}
    (entry,) = update_entries(
        entity, [{"id": "a", "before": {**row, "version": 1}, "after": row}], [], "b", "m"
    )
    assert _old(entry)["level"] == 1 and _new(entry)["level"] == 1
    (again,) = recreate_entries(entity, [{"id": "a", "after": row, "version": 2}], "b", "m")
    assert _new(again)["level"] == 1
