"""The concept rules as pure functions: the store hands them what it read under lock."""

from __future__ import annotations

import json
from typing import Any

import pytest

from kgplatform.curriculum import service, store
from kgplatform.curriculum.models import Concept, ConceptBody, ConceptIn, ConceptPatch
from kgplatform.errors import Conflict, NotFound, PreconditionFailed


def concept(**overrides: Any) -> dict[str, Any]:
    return {
        "id": "a",
        "curriculum_id": "maths",
        "name": "A",
        "description": "",
        "tags": ["t"],
        "difficulty": 0.5,
        "version": 3,
        **overrides,
    }


def test_creation_needs_the_curriculum_and_a_free_id() -> None:
    body = ConceptIn(id="a", name="A")
    with pytest.raises(NotFound, match="'maths'"):
        service.decide_concept_creation("maths", body, "alice", None, None)
    with pytest.raises(Conflict, match="'a' is already taken"):
        service.decide_concept_creation("maths", body, "alice", {"id": "maths"}, concept())
    write = service.decide_concept_creation("maths", body, "alice", {"id": "maths"}, None)
    assert write.props == {"id": "a", "name": "A", "description": "", "tags": [], "difficulty": None}
    [entry] = write.audit
    assert (entry["action"], entry["actor"], entry["old"]) == ("create", "alice", None)
    assert json.loads(entry["new"])["version"] == 1


def test_patch_keeps_unsent_fields_and_audits_old_and_new() -> None:
    write = service.decide_concept_update("a", {3}, ConceptPatch(name="B"), "bob", concept())
    assert write.props == {"name": "B", "description": "", "tags": ["t"], "difficulty": 0.5}
    [entry] = write.audit
    assert json.loads(entry["old"])["name"] == "A" and json.loads(entry["old"])["version"] == 3
    assert json.loads(entry["new"]) == {
        "name": "B",
        "description": "",
        "tags": ["t"],
        "difficulty": 0.5,
        "version": 4,
    }


def test_put_replaces_all_fields() -> None:
    write = service.decide_concept_update("a", {3}, ConceptBody(name="B"), "bob", concept())
    assert write.props == {"name": "B", "description": "", "tags": [], "difficulty": None}


def test_update_refuses_missing_and_stale() -> None:
    with pytest.raises(NotFound):
        service.decide_concept_update("a", {3}, ConceptPatch(name="B"), "bob", None)
    with pytest.raises(PreconditionFailed):
        service.decide_concept_update("a", {2}, ConceptPatch(name="B"), "bob", concept())


def links(**parts: list[dict[str, Any]]) -> store.ConceptLinks:
    return store.ConceptLinks(concept=concept(), **parts)


TASK = {
    "curriculum_id": "maths",
    "title": "T",
    "kind": "quiz",
    "difficulty": 0.5,
    "estimated_minutes": 10,
    "version": 1,
}


def test_deletion_is_refused_while_dependants_or_orphaned_tasks_remain() -> None:
    blocked = links(
        outgoing=[{"prerequisite": "a", "concept": "b", "weight": 1.0}],
        tasks=[{**TASK, "id": "t1", "concepts": ["a"]}, {**TASK, "id": "t2", "concepts": ["a", "c"]}],
    )
    with pytest.raises(Conflict) as refused:
        service.decide_concept_deletion("a", {3}, False, "bob", blocked)
    assert refused.value.details == {"dependants": ["b"], "tasks": ["t1"], "learners_with_goal": 0}


def test_deletion_is_refused_while_learners_have_it_as_a_goal_and_a_cascade_counts_their_data() -> None:
    goal_of_two = store.ConceptLinks(concept=concept(), learners_with_goal=2, mastery_values=5)
    with pytest.raises(Conflict) as refused:
        service.decide_concept_deletion("a", {3}, False, "bob", goal_of_two)
    assert refused.value.details["learners_with_goal"] == 2
    assert "goals of 2 learners" in refused.value.message
    deletion = service.decide_concept_deletion("a", {3}, True, "bob", goal_of_two)
    old = json.loads(deletion.audit[0]["old"])
    assert (old["learners_with_goal"], old["mastery_values_removed"]) == (2, 5)
    only_mastery = store.ConceptLinks(concept=concept(), mastery_values=3)
    kept = service.decide_concept_deletion("a", {3}, False, "bob", only_mastery)
    assert json.loads(kept.audit[0]["old"])["mastery_values_removed"] == 3


def test_incoming_edges_and_shared_tasks_do_not_block() -> None:
    free = links(
        incoming=[{"prerequisite": "z", "concept": "a", "weight": 1.0}],
        tasks=[{**TASK, "id": "t2", "concepts": ["a", "c"]}],
    )
    deletion = service.decide_concept_deletion("a", {3}, False, "bob", free)
    assert (deletion.delete_task_ids, deletion.bump_task_ids) == ([], ["t2"])
    kinds = [(e["action"], e["entity_type"], e["entity_id"]) for e in deletion.audit]
    assert kinds == [
        ("delete", "concept", "a"),
        ("delete", "prerequisite", "z -> a"),
        ("update", "task", "t2"),
    ]
    assert json.loads(deletion.audit[2]["new"])["concepts"] == ["c"]


def test_cascade_removes_orphans_and_audits_each() -> None:
    blocked = links(
        outgoing=[{"prerequisite": "a", "concept": "b", "weight": 2.0}],
        tasks=[{**TASK, "id": "t1", "concepts": ["a"]}],
    )
    deletion = service.decide_concept_deletion("a", {3}, True, "bob", blocked)
    assert deletion.delete_task_ids == ["t1"]
    edge_entry = next(e for e in deletion.audit if e["entity_type"] == "prerequisite")
    assert (edge_entry["prerequisite"], edge_entry["concept"], json.loads(edge_entry["old"])) == (
        "a",
        "b",
        {"weight": 2.0},
    )


def test_deletion_checks_the_version() -> None:
    with pytest.raises(PreconditionFailed):
        service.decide_concept_deletion("a", {1}, True, "bob", links())
    with pytest.raises(NotFound):
        service.decide_concept_deletion("a", {1}, True, "bob", store.ConceptLinks(concept=None))


def test_neighbourhood_signs_distances_and_dedupes_edges() -> None:
    center = Concept(**concept(id="c", created_at="2026-01-01T00:00:00Z", updated_at="2026-01-01T00:00:00Z"))
    before = [
        {"prerequisite": "b", "concept": "c", "weight": 1.0, "name": "B", "step": 1},
        {"prerequisite": "a", "concept": "b", "weight": 1.0, "name": "A", "step": 2},
        {"prerequisite": "a", "concept": "c", "weight": 0.5, "name": "A", "step": 1},
    ]
    after = [{"prerequisite": "c", "concept": "d", "weight": 1.0, "name": "D", "step": 1}]
    result = service.build_neighbourhood(center, 2, before, after)
    assert [(n.id, n.distance) for n in result.nodes] == [("a", -1), ("b", -1), ("c", 0), ("d", 1)]
    assert [(e.prerequisite, e.concept) for e in result.edges] == [
        ("a", "b"),
        ("a", "c"),
        ("b", "c"),
        ("c", "d"),
    ]
