"""audit.explain: which entry a concept's trail lists for each move of its version."""

from __future__ import annotations

from kgplatform.curriculum import audit
from kgplatform.curriculum.models import AuditAction, EntityType


def _task(task_id: str, old: list[str] | None, new: list[str] | None) -> dict[str, object]:
    return audit.entry(
        actor="x",
        action=AuditAction.UPDATE,
        entity_type=EntityType.TASK,
        entity_id=task_id,
        curriculum_id="m",
        old=None if old is None else {"concepts": old},
        new=None if new is None else {"concepts": new},
    )


def test_a_task_entry_explains_the_concepts_it_exercised_or_now_exercises() -> None:
    entries = [_task("t", ["a", "b"], ["a", "c"])]
    explained = audit.explain(entries, {"a": ["task t changed"], "b": ["x"], "c": ["y"]})
    assert explained[0]["links"] == ["a", "b", "c"]
    assert "links" not in entries[0]  # the caller's rows are left as they were


def test_concepts_in_the_trail_already_are_not_linked_and_others_fall_to_the_first_entry() -> None:
    summary = audit.entry(
        actor="x",
        action=AuditAction.IMPORT,
        entity_type=EntityType.CURRICULUM,
        entity_id="m",
        curriculum_id="m",
        new={"concepts": {"created": 1}},
    )
    edge = audit.edge_entry(
        actor="x", action=AuditAction.IMPORT, prerequisite="a", concept="b", curriculum_id="m", new_weight=1.0
    )
    explained = audit.explain([summary, edge], {"a": ["edge"], "b": ["edge"], "d": ["task u added"]})
    # a and b: the edge's entry is in their trails; d: only the summary can say it (its task is new).
    assert explained[0]["links"] == ["d"] and "links" not in explained[1]


def test_nothing_moved_links_nothing() -> None:
    entries = [_task("t", None, ["a"])]
    assert audit.explain(entries, {}) == entries
    assert audit.explain([], {"a": ["x"]}) == []


def test_a_task_entry_is_linked_to_its_concepts_even_when_their_own_entries_are_in_the_change() -> None:
    """An import that renamed concept a and took it off task t left a's trail with the rename alone: a's
    own entry counted as explaining its version, so the task change that detached it was in b's and c's
    trails but never in a's, and a designer reading a's history could not learn that t no longer
    exercises it."""
    rename = audit.entry(
        actor="x",
        action=AuditAction.IMPORT,
        entity_type=EntityType.CONCEPT,
        entity_id="a",
        curriculum_id="m",
        old={"name": "A"},
        new={"name": "A renamed"},
    )
    edge = audit.edge_entry(
        actor="x", action=AuditAction.IMPORT, prerequisite="b", concept="d", curriculum_id="m", new_weight=1.0
    )
    entries = [rename, edge, _task("t", ["a", "b"], ["c"])]
    moved = {"a": ["task t changed"], "b": ["task t changed", "edge"], "c": ["task t changed"], "d": ["edge"]}
    explained = audit.explain(entries, moved)
    assert explained[2]["links"] == ["a", "b", "c"]
    assert "links" not in explained[0] and "links" not in explained[1]  # d: the edge's entry is in its trail
