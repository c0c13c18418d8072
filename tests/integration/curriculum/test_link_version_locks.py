"""The lock order of the writers that move a concept's version for a change of its links (a task edit or
delete, a concept delete: they write concepts they did not lock up front). Within a curriculum they are
serialised by its lock, taken first; a writer outside the curriculum's lock order (a learner's mastery,
written on the concept's relationships) can deadlock with them, which Neo4j detects, and the managed
transaction that lost reruns: both changes land once (a review, s37)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from kgplatform.curriculum import service, store, tasks
from kgplatform.curriculum.models import TaskPatch
from tests.integration.api.harness import Api
from tests.integration.locks import hold_after_audit, wait_until_blocked

TASK = {"title": "Old", "kind": "quiz"}


def _version(api: Api, concept_id: str) -> int:
    return int(api.call("GET", f"/concepts/{concept_id}").json()["version"])


def test_a_concept_delete_waits_for_a_task_edit_that_moved_its_neighbours(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task edit has moved y and z (its concepts) and holds its transaction; a cascade delete of x,
    which removes x → y and so moves y too, starts meanwhile. It waits (the curriculum's lock), then
    moves y once more: no deadlock, and neither move is lost."""
    api.curriculum("maths", "x", "y", "z")
    assert api.edge("x", "y").status_code == 201
    created = api.call("POST", "/curricula/maths/tasks", json={"id": "t", **TASK, "concepts": ["y", "z"]})
    assert created.status_code == 201, created.text
    before = {c: _version(api, c) for c in ("y", "z")}
    x_etag = api.etag("/concepts/x")
    held, release = hold_after_audit(monkeypatch, "edit")
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            tasks.update_task(api.graph, "t", '"1"', TaskPatch(title="New"), "A")
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    editor = threading.Thread(target=edit, name="edit")
    editor.start()
    assert held.wait(timeout=10)
    deleted: dict[str, Any] = {}
    deleter = threading.Thread(
        target=lambda: deleted.setdefault("r", service.delete_concept(api.graph, "x", x_etag, True, "B"))
    )
    deleter.start()
    wait_until_blocked(api.graph)
    release.set()
    editor.join(timeout=20)
    deleter.join(timeout=20)
    assert not errors and "r" in deleted
    assert {c: _version(api, c) - before[c] for c in ("y", "z")} == {"y": 2, "z": 1}
    assert api.call("GET", "/tasks/t").json()["title"] == "New"
    assert api.call("GET", "/concepts/x").status_code == 404


def test_a_task_edit_deadlocked_with_a_mastery_write_is_resolved_by_the_retry(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A title edit of task t (concepts a, b) now writes a, then b. A mastery write (no curriculum lock)
    holds b's lock (its MASTERY relationship) and then needs a's: the edit waits on b holding a. Neo4j
    detects the deadlock and fails one; its managed transaction reruns, and both land, once."""
    api.curriculum("maths", "a", "b")
    created = api.call("POST", "/curricula/maths/tasks", json={"id": "t", **TASK, "concepts": ["a", "b"]})
    assert created.status_code == 201, created.text
    now = datetime.now(UTC)
    api.graph.write(
        "testing/create_plan_learners", rows=[{"learner_id": "L", "mastery": [], "goals": []}], now=now
    )
    before = {c: _version(api, c) for c in ("a", "b")}
    holds_b, go_on = threading.Event(), threading.Event()
    attempts = {"mastery": 0, "edit": 0}
    real_run = store._run

    def counting_run(tx: Any, query: str, /, **params: Any) -> Any:
        if query == "curriculum/lock_task":
            attempts["edit"] += 1
        return real_run(tx, query, **params)

    monkeypatch.setattr(store, "_run", counting_run)

    def merge(tx: Any, concept_id: str) -> None:
        columns: dict[str, list[Any]] = {
            "learner_ids": ["L"],
            "concept_ids": [concept_id],
            "p_mastery": [0.5],
        }
        columns |= {"attempts": [1], "correct": [1.0], "p_practised": [None], "last_task_ids": [None]}
        columns |= {name: [None] for name in ("last_s", "last_ns", "as_of_s", "as_of_ns")}
        real_run(tx, "mastery/write_mastery", **columns, updated_at=now, model_version="m")

    def mastery(tx: Any) -> None:
        # Out of the real writer's (concept, learner) order on purpose: b, then a.
        attempts["mastery"] += 1
        merge(tx, "b")
        holds_b.set()
        go_on.wait(timeout=10)
        merge(tx, "a")

    errors: list[BaseException] = []

    def run(work: Any) -> None:
        try:
            work()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    writer = threading.Thread(target=run, args=(lambda: api.graph.execute_write(mastery),))
    writer.start()
    assert holds_b.wait(timeout=10)
    editor = threading.Thread(
        target=run, args=(lambda: tasks.update_task(api.graph, "t", '"1"', TaskPatch(title="New"), "A"),)
    )
    editor.start()
    wait_until_blocked(api.graph)  # the edit waits for b, holding a
    go_on.set()  # the mastery write now asks for a: a deadlock
    writer.join(timeout=30)
    editor.join(timeout=30)
    assert not errors, errors
    assert {c: _version(api, c) - before[c] for c in ("a", "b")} == {"a": 1, "b": 1}
    stored = api.call("GET", "/tasks/t").json()
    assert (stored["title"], stored["version"]) == ("New", 2)
    assert [(r["learner_id"], r["concept_id"]) for r in api.graph.read("testing/list_all_mastery")] == [
        ("L", "a"),
        ("L", "b"),
    ]
    # One of the two ran twice: the deadlock happened, and the rerun resolved it.
    assert attempts["mastery"] + attempts["edit"] == 3, attempts
