"""Tasks over HTTP: they exercise at least one existing concept; versions and If-Match as concepts."""

from __future__ import annotations

import pytest

from tests.integration.api.harness import Api


def task(task_id: str, *concepts: str, **extra: object) -> dict[str, object]:
    return {"id": task_id, "title": task_id.title(), "kind": "exercise", "concepts": list(concepts), **extra}


def test_create_read_and_list(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    created = api.call(
        "POST", "/curricula/maths/tasks", json=task("t1", "b", "a", difficulty=0.2, estimated_minutes=15)
    )
    assert created.status_code == 201 and created.headers["ETag"] == '"1"'
    body = created.json()
    assert (body["concepts"], body["difficulty"], body["estimated_minutes"], body["kind"]) == (
        ["a", "b"],
        0.2,
        15,
        "exercise",
    )
    api.call("POST", "/curricula/maths/tasks", json=task("t2", "b"))
    listed = api.call("GET", "/curricula/maths/tasks", params={"concept": "a"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == "t1"
    assert api.call("GET", "/curricula/maths/tasks").json()["total"] == 2
    found = api.call("GET", "/curricula/maths/tasks", params={"q": "T2"}).json()
    assert [t["id"] for t in found["items"]] == ["t2"]
    page = api.call("GET", "/curricula/maths/tasks", params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [t["id"] for t in page["items"]]) == (2, ["t2"])


def test_unknown_concepts_are_404_naming_them_and_nothing_is_written(api: Api) -> None:
    api.curriculum("maths", "a")
    response = api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", "ghost", "nope"))
    assert response.status_code == 404
    assert response.json()["unknown_ids"] == ["ghost", "nope"]
    assert api.call("GET", "/tasks/t1").status_code == 404


def test_a_task_must_exercise_a_concept_of_its_own_curriculum(api: Api) -> None:
    api.curriculum("maths", "a")
    api.curriculum("physics", "p")
    empty = api.call("POST", "/curricula/maths/tasks", json=task("t1"))
    assert empty.status_code == 422 and [e["field"] for e in empty.json()["errors"]] == ["concepts"]
    foreign = api.call("POST", "/curricula/maths/tasks", json=task("t1", "p"))
    assert foreign.status_code == 422 and foreign.json()["foreign_ids"] == ["p"]
    bad_kind = api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", kind="lecture"))
    assert bad_kind.status_code == 422
    minutes = api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", estimated_minutes=0))
    assert [e["field"] for e in minutes.json()["errors"]] == ["estimated_minutes"]
    assert api.call("GET", "/curricula/maths/tasks").json()["total"] == 0


def test_duplicate_task_id_is_409(api: Api) -> None:
    api.curriculum("maths", "a")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a"))
    assert api.call("POST", "/curricula/maths/tasks", json=task("t1", "a")).status_code == 409


def test_patch_replaces_concepts_and_checks_versions(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a"))
    assert api.call("PATCH", "/tasks/t1", json={"title": "x"}).status_code == 428
    patched = api.call("PATCH", "/tasks/t1", json={"concepts": ["b", "c"], "kind": "quiz"}, if_match=1)
    assert patched.status_code == 200 and patched.headers["ETag"] == '"2"'
    assert (patched.json()["concepts"], patched.json()["kind"]) == (["b", "c"], "quiz")
    stale = api.call("PATCH", "/tasks/t1", json={"title": "lost"}, if_match=1)
    assert stale.status_code == 412
    unknown = api.call("PATCH", "/tasks/t1", json={"concepts": ["zz"]}, if_match=2)
    assert unknown.status_code == 404 and unknown.json()["unknown_ids"] == ["zz"]
    assert api.call("PATCH", "/tasks/t1", json={"concepts": []}, if_match=2).status_code == 422
    current = api.call("GET", "/tasks/t1").json()
    assert (current["title"], current["concepts"], current["version"]) == ("T1", ["b", "c"], 2)


def test_a_save_that_changes_nothing_keeps_the_task_version(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a"))
    api.call("PATCH", "/tasks/t1", json={"concepts": ["b", "a"]}, if_match=1)
    same = api.call("PATCH", "/tasks/t1", json={"concepts": ["a", "b"], "title": "T1"}, if_match=2)
    assert same.status_code == 200 and same.headers["ETag"] == '"2"'
    assert same.json()["concepts"] == ["a", "b"]
    changed = api.call("PATCH", "/tasks/t1", json={"concepts": ["a"]}, if_match=2)
    assert changed.headers["ETag"] == '"3"'


def test_put_and_delete(api: Api) -> None:
    api.curriculum("maths", "a")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", difficulty=0.9))
    put = api.call("PUT", "/tasks/t1", json={"title": "New", "kind": "video", "concepts": ["a"]}, if_match=1)
    assert (put.json()["title"], put.json()["difficulty"], put.json()["version"]) == ("New", 0.5, 2)
    assert api.call("DELETE", "/tasks/t1", if_match=1).status_code == 412
    assert api.call("DELETE", "/tasks/t1", if_match=2).status_code == 204
    assert api.call("GET", "/tasks/t1").status_code == 404


# A JSON number only, and whole minutes as a JSON integer: each of these was read as a number until
# 6 December 2026 (pydantic's lax mode), against the documented types.
WRONG_TYPES = [
    ({"difficulty": "0.3"}, "difficulty"),
    ({"difficulty": True}, "difficulty"),
    ({"estimated_minutes": "12"}, "estimated_minutes"),
    ({"estimated_minutes": 12.0}, "estimated_minutes"),
    ({"estimated_minutes": True}, "estimated_minutes"),
]


@pytest.mark.parametrize(("change", "field"), WRONG_TYPES)
def test_a_new_task_with_a_number_of_the_wrong_json_type_is_refused_naming_it(
    api: Api, change: dict[str, object], field: str
) -> None:
    api.curriculum("maths", "a")
    response = api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", **change))
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert api.call("GET", "/curricula/maths/tasks").json()["total"] == 0


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize(("change", "field"), WRONG_TYPES)
def test_an_edit_with_a_number_of_the_wrong_json_type_is_refused_and_changes_nothing(
    api: Api, method: str, change: dict[str, object], field: str
) -> None:
    api.curriculum("maths", "a")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a", difficulty=0.9, estimated_minutes=7))
    body = {"title": "T1", "kind": "exercise", "concepts": ["a"], **change}
    response = api.call(method, "/tasks/t1", json=body, if_match=1)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    stored = api.call("GET", "/tasks/t1").json()
    assert (stored["difficulty"], stored["estimated_minutes"], stored["version"]) == (0.9, 7, 1)


def test_a_stale_if_match_comes_after_checks_of_the_body_alone_and_before_those_against_the_curriculum(
    api: Api,
) -> None:
    """The order docs/api.md gives ("Preconditions and refusals"), as the import's: a body that breaks the
    schema is refused whatever If-Match says; a stale If-Match is a 412 before the body is judged against
    what is stored (here its concepts, which must exist in the task's curriculum)."""
    api.curriculum("maths", "a")
    api.call("POST", "/curricula/maths/tasks", json=task("t1", "a"))
    assert api.call("PATCH", "/tasks/t1", json={"title": "Moved on"}, if_match=1).status_code == 200
    for method in ("PATCH", "PUT"):
        body = {"title": "T", "kind": "exercise", "concepts": ["a"], "estimated_minutes": 0}
        broken = api.call(method, "/tasks/t1", json=body, if_match=1)
        assert broken.status_code == 422 and broken.json()["field"] == "estimated_minutes", broken.text
        unknown = api.call(
            method, "/tasks/t1", json={**body, "estimated_minutes": 5, "concepts": ["zz"]}, if_match=1
        )
        assert unknown.status_code == 412 and unknown.json()["field"] == "If-Match", unknown.text
    stored = api.call("GET", "/tasks/t1").json()
    assert (stored["title"], stored["concepts"], stored["version"]) == ("Moved on", ["a"], 2)
