"""A concept's tasks are read from the concept, not through every task of its curriculum: the web page reads
them each time a concept is opened or saved, and on a 9,000-task curriculum that walk was 40,524 db hits for
3 tasks (a review, 6 December 2026)."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.curriculum import store
from tests.integration.api.harness import Api
from tests.integration.profiles import profiled

OTHER_TASKS = 600


def task(task_id: str, concept: str) -> dict[str, Any]:
    return {"id": task_id, "title": task_id, "kind": "exercise", "concepts": [concept]}


def test_a_concepts_tasks_cost_db_hits_by_its_own_tasks_not_the_curriculums(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = {
        "curriculum": {"id": "maths", "name": "Maths"},
        "concepts": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}],
        "tasks": [task("t-a1", "a"), task("t-a2", "a")]
        + [task(f"t-b{i:04d}", "b") for i in range(OTHER_TASKS)],
    }
    imported = api.call("POST", "/curricula/maths/import", json=document)
    assert imported.status_code == 200, imported.text
    # The statements the store runs for the read, each profiled as run.
    ran: list[tuple[str, dict[str, Any]]] = []
    run = store._run

    def recording(tx: Any, query: str, /, **params: Any) -> list[dict[str, Any]]:
        ran.append((query, params))
        return run(tx, query, **params)

    monkeypatch.setattr(store, "_run", recording)
    response = api.call("GET", "/curricula/maths/tasks", params={"concept": "a", "limit": 100})
    assert response.status_code == 200, response.text
    assert [t["id"] for t in response.json()["items"]] == ["t-a1", "t-a2"]
    assert response.json()["total"] == 2
    hits = {
        name: sum(o.get("dbHits", 0) for o in profiled(api.graph, name, **params)) for name, params in ran
    }
    # Walking the curriculum's tasks costs a hit or more for each of the 600 of b's; a's own, a few dozen.
    assert sum(hits.values()) < OTHER_TASKS, hits
    # The same page, filtered by text too, and a concept with none.
    assert api.call("GET", "/curricula/maths/tasks", params={"concept": "a", "q": "A2"}).json()["total"] == 1
    none = api.call("GET", "/curricula/maths/tasks", params={"concept": "unknown"}).json()
    assert (none["total"], none["items"]) == (0, [])
