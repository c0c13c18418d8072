from __future__ import annotations

import json

import pytest

from kgplatform.curriculum import store, tasks
from kgplatform.curriculum.models import TaskIn, TaskPatch
from kgplatform.errors import Conflict, NotFound, PreconditionFailed, ValidationFailed

CURRENT = {
    "id": "t",
    "curriculum_id": "maths",
    "title": "T",
    "kind": "quiz",
    "difficulty": 0.5,
    "estimated_minutes": 10,
    "version": 2,
    "concepts": ["b", "a"],
}


def test_creation_checks_curriculum_id_and_concepts() -> None:
    body = TaskIn(id="t", title="T", kind="quiz", concepts=["a", "ghost"])
    found = store.TaskContext(task=None, found_concepts={"a": "maths"})
    with pytest.raises(NotFound):
        tasks.decide_task_creation("maths", body, "al", None, found)
    with pytest.raises(NotFound) as unknown:
        tasks.decide_task_creation("maths", body, "al", {"id": "maths"}, found)
    assert unknown.value.details["unknown_ids"] == ["ghost"]
    with pytest.raises(Conflict):
        tasks.decide_task_creation("maths", body, "al", {"id": "maths"}, store.TaskContext(CURRENT, {}))
    with pytest.raises(ValidationFailed):
        tasks.decide_task_creation(
            "maths",
            TaskIn(id="t", title="T", kind="quiz", concepts=["p"]),
            "al",
            {"id": "maths"},
            store.TaskContext(None, {"p": "physics"}),
        )


def test_patch_merges_and_sorts_concepts() -> None:
    write = tasks.decide_task_update(
        "t",
        {2},
        TaskPatch(concepts=["c", "a"]),
        "al",
        store.TaskContext(CURRENT, {"a": "maths", "c": "maths"}),
    )
    assert write.concepts == ["a", "c"]
    assert write.props == {"title": "T", "kind": "quiz", "difficulty": 0.5, "estimated_minutes": 10}
    entry = write.audit[0]
    assert json.loads(entry["old"])["concepts"] == ["a", "b"] and json.loads(entry["new"])["version"] == 3


def test_update_and_delete_check_versions() -> None:
    with pytest.raises(PreconditionFailed):
        tasks.decide_task_update("t", {1}, TaskPatch(title="x"), "al", store.TaskContext(CURRENT, {}))
    with pytest.raises(PreconditionFailed):
        tasks.decide_task_deletion("t", {1}, "al", CURRENT)
    [entry] = tasks.decide_task_deletion("t", {2}, "al", CURRENT)
    assert entry["action"] == "delete" and json.loads(entry["old"])["title"] == "T"


def test_unknown_and_foreign_concepts_are_listed_as_ids_not_a_python_list() -> None:
    """The detail read "unknown concept ids: ['zz']" (a list's repr) where the goals route says "nope"."""
    with pytest.raises(NotFound) as unknown:
        tasks.check_concepts(["a", "zz", "yy"], {"a": "c"}, "c")
    assert unknown.value.message == "unknown concept ids: zz, yy" and unknown.value.details[
        "unknown_ids"
    ] == ["zz", "yy"]
    with pytest.raises(ValidationFailed) as foreign:
        tasks.check_concepts(["a", "b"], {"a": "c", "b": "other"}, "c")
    assert foreign.value.message == "concepts b are not in curriculum 'c'"
