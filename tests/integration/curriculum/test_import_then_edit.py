"""Imported rows are edited like any other: readable with an ETag, and an import's change to a concept
bumps its version, so an editor holding the pre-import ETag gets 412 instead of overwriting it."""

from __future__ import annotations

from typing import Any

from tests.integration.api.harness import Api

DOCUMENT: dict[str, Any] = {
    "curriculum": {"id": "maths", "name": "Maths", "description": ""},
    "concepts": [
        {"id": "a", "name": "A", "description": "", "tags": ["t"], "difficulty": 0.2},
        {"id": "b", "name": "B", "description": "", "tags": [], "difficulty": None},
    ],
    "prerequisites": [{"prerequisite": "a", "concept": "b", "weight": 1.0}],
    "tasks": [
        {
            "id": "t",
            "title": "T",
            "kind": "quiz",
            "difficulty": 0.5,
            "estimated_minutes": 10,
            "concepts": ["a", "b"],
        }
    ],
}


def test_imported_concepts_read_edit_and_round_trip(api: Api) -> None:
    imported = api.call("POST", "/curricula/maths/import", json=DOCUMENT)
    assert imported.status_code == 200, imported.text
    read = api.call("GET", "/concepts/a")
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert read.json()["updated_at"] is not None
    assert api.call("GET", "/tasks/t").status_code == 200
    assert api.call("GET", "/curricula/maths").json() == DOCUMENT

    edited = api.call("PATCH", "/concepts/a", json={"name": "A edited"}, if_match=read.headers["ETag"])
    assert edited.status_code == 200 and edited.headers["ETag"] == '"2"'
    # Re-importing the original file changes the concept back, as a new version.
    assert api.call("POST", "/curricula/maths/import", json=DOCUMENT).status_code == 200
    current = api.call("GET", "/concepts/a")
    assert (current.json()["name"], current.headers["ETag"]) == ("A", '"3"')
    stale = api.call("PATCH", "/concepts/a", json={"name": "lost"}, if_match=edited.headers["ETag"])
    assert stale.status_code == 412
