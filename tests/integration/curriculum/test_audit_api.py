"""The audit trail: who changed what, when, with old and new values; per concept, task and curriculum."""

from __future__ import annotations

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api


def test_each_change_leaves_one_entry_with_actor_old_and_new(api: Api) -> None:
    api.curriculum("maths")
    api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "A", "difficulty": 0.2})
    api.call("PATCH", "/concepts/a", json={"name": "A2"}, if_match=1)
    trail = api.call("GET", "/concepts/a/audit").json()
    assert trail["total"] == 2
    update, create = trail["items"]
    assert (update["action"], update["actor"], update["entity_type"], update["curriculum_id"]) == (
        "update",
        api.actors[Role.DESIGNER],
        "concept",
        "maths",
    )
    assert update["old"] == {"name": "A", "description": "", "tags": [], "difficulty": 0.2, "version": 1}
    assert update["new"] == {"name": "A2", "description": "", "tags": [], "difficulty": 0.2, "version": 2}
    assert create["action"] == "create" and create["old"] is None and create["new"]["version"] == 1
    assert update["at"] >= create["at"]


def test_an_id_created_again_after_a_delete_is_audited_at_the_version_it_gets(api: Api) -> None:
    """The create entry said version 1 while the concept (or task) was stored continuing from the deleted
    one's version: the trail read delete (v2), create (v1), update (v3 -> v4)."""
    api.curriculum("maths", "a", "b")
    assert api.call("PATCH", "/concepts/a", json={"name": "A2"}, if_match=1).status_code == 200
    assert api.call("DELETE", "/concepts/a", if_match=2).status_code == 200
    again = api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "A again"})
    assert again.status_code == 201 and again.json()["version"] == 3, again.text
    created = api.call("GET", "/concepts/a/audit").json()["items"][0]
    assert (created["action"], created["new"]["version"]) == ("create", 3)
    task = {"id": "t", "title": "T", "kind": "exercise", "concepts": ["b"]}
    assert api.call("POST", "/curricula/maths/tasks", json=task).status_code == 201
    assert api.call("DELETE", "/tasks/t", if_match=1).status_code in (200, 204)
    again = api.call("POST", "/curricula/maths/tasks", json=task)
    assert again.status_code == 201 and again.json()["version"] == 2, again.text
    created = api.call("GET", "/tasks/t/audit").json()["items"][0]
    assert (created["action"], created["new"]["version"]) == ("create", 2)


def test_refused_changes_leave_no_entry(api: Api) -> None:
    api.curriculum("maths", "a")
    api.call("PATCH", "/concepts/a", json={"name": "x"}, if_match=7)
    api.call("PATCH", "/concepts/a", json={"name": "x"})
    api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "dup"})
    assert api.call("GET", "/concepts/a/audit").json()["total"] == 1


def test_concept_trail_includes_its_edges_and_curriculum_trail_everything(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.edge("a", "b", 0.5)
    api.call("DELETE", "/prerequisites", params={"prerequisite": "a", "concept": "b"})
    api.call(
        "POST", "/curricula/maths/tasks", json={"id": "t", "title": "T", "kind": "quiz", "concepts": ["b"]}
    )
    for concept_id in ("a", "b"):
        entries = api.call("GET", f"/concepts/{concept_id}/audit").json()["items"]
        edge_entries = [(e["action"], e["entity_id"]) for e in entries if e["entity_type"] == "prerequisite"]
        assert sorted(edge_entries) == [("create", "a -> b"), ("delete", "a -> b")]
    deleted = next(e for e in api.call("GET", "/concepts/a/audit").json()["items"] if e["action"] == "delete")
    assert deleted["old"] == {"weight": 0.5} and deleted["new"] is None
    task_trail = api.call("GET", "/tasks/t/audit").json()
    assert [e["action"] for e in task_trail["items"]] == ["create"]
    assert task_trail["items"][0]["new"]["concepts"] == ["b"]
    curriculum = api.call("GET", "/curricula/maths/audit").json()
    # curriculum + 2 concepts + edge create + edge delete + task
    assert curriculum["total"] == 6
    assert {e["entity_type"] for e in curriculum["items"]} == {
        "curriculum",
        "concept",
        "prerequisite",
        "task",
    }


def test_trail_pages_newest_first(api: Api) -> None:
    api.curriculum("maths", "a")
    for version in range(1, 5):
        api.call("PATCH", "/concepts/a", json={"name": f"v{version + 1}"}, if_match=version)
    first = api.call("GET", "/concepts/a/audit", params={"limit": 2}).json()
    second = api.call("GET", "/concepts/a/audit", params={"limit": 2, "offset": 2}).json()
    last = api.call("GET", "/concepts/a/audit", params={"limit": 2, "offset": 4}).json()
    assert first["total"] == second["total"] == last["total"] == 5
    names = [e["new"]["name"] for e in first["items"] + second["items"] + last["items"]]
    assert names == ["v5", "v4", "v3", "v2", "A"]


def test_cascade_delete_is_audited_entity_by_entity(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.edge("a", "b")
    api.call(
        "POST", "/curricula/maths/tasks", json={"id": "t", "title": "T", "kind": "quiz", "concepts": ["a"]}
    )
    api.call("DELETE", "/concepts/a", params={"cascade": "true"}, if_match=api.etag("/concepts/a"))
    latest = api.call("GET", "/curricula/maths/audit", params={"limit": 3}).json()["items"]
    assert sorted((e["action"], e["entity_type"], e["entity_id"]) for e in latest) == [
        ("delete", "concept", "a"),
        ("delete", "prerequisite", "a -> b"),
        ("delete", "task", "t"),
    ]
    task_entry = next(e for e in latest if e["entity_type"] == "task")
    assert task_entry["old"]["concepts"] == ["a"]
