"""Teacher keys scoped to classes, against the real graph: a scoped key reads only its classes' members
(another learner is the unknown learner's 404), an unscoped one every learner, and a roster change or an
erasure applies at the next request."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.classes import service as classes
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api
from tests.integration.locks import wait_until_blocked

NOW = "2026-11-02T10:00:00Z"
READS = ["mastery", "goals", "interests", "report", "report.png", "next-tasks"]


def _answer(learner_id: str, task_id: str) -> dict[str, Any]:
    event = f"{learner_id}-1"
    return {
        "event_id": event,
        "learner_id": learner_id,
        "task_id": task_id,
        "correct": True,
        "answered_at": NOW,
    }


def _roster(api: Api, class_id: str, learner_ids: list[str]) -> dict[str, Any]:
    response = api.call(
        "PUT", f"/classes/{class_id}/learners", role=Role.SERVICE, json={"learner_ids": learner_ids}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _listed(api: Api, secret: str, **params: Any) -> list[str]:
    response = api.client.get("/learners", params=params, headers={"X-API-Key": secret})
    assert response.status_code == 200, response.text
    return [item["learner_id"] for item in response.json()["items"]]


def _read(api: Api, secret: str, learner_id: str, what: str) -> Any:
    return api.client.get(f"/learners/{learner_id}/{what}", headers={"X-API-Key": secret})


@pytest.fixture
def school(api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis) -> dict[str, str]:
    """Learners a1 and a2 in class 7B, b1 in 7C, c1 in none; a teacher key scoped to 7B."""
    task = curriculum.tasks[0]["id"]
    answers = [_answer(learner, task) for learner in ("a1", "a2", "b1", "c1")]
    assert api.call("POST", "/answers", role=Role.SERVICE, json={"answers": answers}).status_code == 200
    assert _roster(api, "7B", ["a2", "a1", "a1"]) == {
        "class_id": "7B",
        "members": 2,
        "added": 2,
        "removed": 0,
        "created": 0,
    }
    assert _roster(api, "7C", ["b1"])["members"] == 1
    key = auth.issue_key(api.graph, role=Role.TEACHER, name="ms-7b", classes=["7B"], actor="tests")
    return {"scoped": key.secret, "unscoped": api.secrets[Role.TEACHER]}


def test_a_scoped_key_reads_its_classes_learners_and_no_other(api: Api, school: dict[str, str]) -> None:
    scoped, unscoped = school["scoped"], school["unscoped"]
    for what in READS:
        assert _read(api, scoped, "a1", what).status_code == 200, what
        for other in ("b1", "c1", "nobody"):
            response = _read(api, scoped, other, what)
            # The unknown learner's own answer, word for word: a 403 would tell the key that b1 exists.
            assert response.status_code == 404, (what, other, response.text)
            assert response.json()["field"] == "learner_id"
            assert response.json()["detail"] == f"learner {other!r} does not exist", (what, other)
        for other in ("b1", "c1"):
            assert _read(api, unscoped, other, what).status_code == 200, (what, other)
    assert _listed(api, scoped) == ["a1", "a2"]
    assert _listed(api, scoped, prefix="a", limit=1) == ["a1"]
    assert _listed(api, scoped, after="a1") == ["a2"]
    assert _listed(api, scoped, prefix="b") == []
    assert _listed(api, unscoped) == ["a1", "a2", "b1", "c1"]


def test_a_key_of_two_classes_lists_a_learner_in_both_once(api: Api, school: dict[str, str]) -> None:
    _roster(api, "7C", ["b1", "a1"])
    both = auth.issue_key(
        api.graph, role=Role.TEACHER, name="head of year", classes=["7B", "7C"], actor="tests"
    ).secret
    assert _listed(api, both) == ["a1", "a2", "b1"]
    assert _listed(api, both, limit=2) == ["a1", "a2"]


def test_a_cached_plan_is_not_served_to_a_scoped_key_outside_its_classes(
    api: Api, school: dict[str, str]
) -> None:
    """The next-tasks fast path answers a cache hit for a key checked moments ago without the route: it
    served c1's plan to a key scoped to 7B."""
    assert api.call("GET", "/learners/c1/next-tasks", role=Role.SERVICE).status_code == 200  # cached now
    for _ in range(2):  # the second request finds the key checked, as the fast path needs
        assert _read(api, school["scoped"], "c1", "next-tasks").status_code == 404
        assert _read(api, school["scoped"], "a1", "next-tasks").status_code == 200


def test_a_picture_etag_outside_a_scoped_keys_classes_is_the_unknown_learners_404(
    api: Api, school: dict[str, str]
) -> None:
    """report.png's 304 comes from the learner's stamps alone (no report read): the scope is checked
    before it, so neither `*` nor the learner's own ETag gets a 304 that tells a scoped key the id exists
    (checked in a review, 4 December)."""
    etag = api.call("GET", "/learners/b1/report.png", role=Role.SERVICE).headers["ETag"]
    for sent in ("*", etag, f"W/{etag}"):
        response = api.client.get(
            "/learners/b1/report.png", headers={"X-API-Key": school["scoped"], "If-None-Match": sent}
        )
        assert response.status_code == 404, (sent, response.status_code)
        assert response.json()["detail"] == "learner 'b1' does not exist"
    # Its own learner: a 304, with the headers a 200 would carry (RFC 9110 15.4.5).
    mine = api.client.get(
        "/learners/a1/report.png", headers={"X-API-Key": school["scoped"], "If-None-Match": "*"}
    )
    assert mine.status_code == 304 and mine.headers["ETag"].startswith('"report-png-')
    assert mine.headers["Cache-Control"] == "no-store"


def test_a_roster_change_and_an_erasure_apply_at_the_next_request(api: Api, school: dict[str, str]) -> None:
    scoped = school["scoped"]
    assert _read(api, scoped, "a1", "mastery").status_code == 200  # the key is now in the process's cache
    assert _roster(api, "7B", ["a2", "b1", "new-pupil"]) == {
        "class_id": "7B",
        "members": 3,
        "added": 2,
        "removed": 1,
        "created": 1,
    }
    assert _read(api, scoped, "a1", "mastery").status_code == 404
    assert _read(api, scoped, "b1", "mastery").status_code == 200
    assert _listed(api, scoped) == ["a2", "b1", "new-pupil"]
    # The same roster again changes nothing.
    assert _roster(api, "7B", ["new-pupil", "b1", "a2"])["added"] == 0

    assert api.call("DELETE", "/learners/a2", role=Role.SERVICE).status_code == 200
    roster = api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()
    assert roster["learner_ids"] == ["b1", "new-pupil"]
    # An erased learner is gone from the members' counts too; b1's answer is counted.
    assert [(m["learner_id"], m["answers"]) for m in roster["members"]] == [("b1", 1), ("new-pupil", 0)]
    assert _listed(api, scoped) == ["b1", "new-pupil"]

    # The class is deleted once no live key holds it (below): the key moves to 7C at the next request.
    key_id = next(
        k["id"] for k in api.call("GET", "/api-keys", role=Role.ADMIN).json() if k["name"] == "ms-7b"
    )
    moved = api.call("PATCH", f"/api-keys/{key_id}", role=Role.ADMIN, json={"classes": ["7C"]})
    assert moved.status_code == 200, moved.text
    assert _listed(api, scoped) == ["b1"]
    deleted = api.call("DELETE", "/classes/7B", role=Role.SERVICE)
    assert deleted.status_code == 200 and deleted.json() == {"class_id": "7B", "members": 2}
    assert _read(api, scoped, "new-pupil", "mastery").status_code == 404
    assert api.call("GET", "/learners/b1/mastery", role=Role.SERVICE).status_code == 200, "learners stay"
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).status_code == 404
    assert api.call("DELETE", "/classes/7B", role=Role.SERVICE).status_code == 404


def test_a_class_live_teacher_keys_are_scoped_to_is_not_deleted_until_none_is(
    api: Api, school: dict[str, str]
) -> None:
    """Deleted, the class stayed on the keys scoped to it, unsaid: they read none of its learners, then those
    of the next class given its id (a roster PUT makes one: a new year's 7B). Now the deletion is a 409 naming
    the keys and the way on, nothing changed; a revoked key holding it does not count."""
    both = auth.issue_key(api.graph, role=Role.TEACHER, name="mr-lee", classes=["7C", "7B"], actor="tests")
    gone = auth.issue_key(api.graph, role=Role.TEACHER, name="old", classes=["7B"], actor="tests")
    auth.revoke_key(api.graph, gone.id, actor="tests")
    only = next(k.id for k in auth.list_keys(api.graph) if k.name == "ms-7b")

    refused = api.call("DELETE", "/classes/7B", role=Role.SERVICE)
    assert refused.status_code == 409, refused.text
    problem = refused.json()
    assert problem["field"] == "class_id"
    assert problem["keys"] == [{"key_id": both.id, "name": "mr-lee"}, {"key_id": only, "name": "ms-7b"}]
    assert problem["detail"].startswith(
        f"class '7B' is a class of live teacher keys mr-lee ({both.id}), ms-7b ({only}, its only class): "
    )
    assert "`kgplatform keys update KEY_ID --remove-class 7B`" in problem["detail"]
    assert "`kgplatform keys revoke KEY_ID`" in problem["detail"]
    assert problem["detail"].endswith("nothing changed")
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()["learner_ids"] == ["a1", "a2"]
    assert _listed(api, school["scoped"]) == ["a1", "a2"]
    trail = api.call("GET", "/classes/7B/audit", role=Role.ADMIN).json()["items"]
    assert [entry["action"] for entry in trail] == ["replace"], "no delete entry"

    # One key left: its words in the singular. Its deletion then goes through.
    removed = api.call("PATCH", f"/api-keys/{both.id}", role=Role.ADMIN, json={"remove_classes": ["7B"]})
    assert removed.status_code == 200, removed.text
    refused = api.call("DELETE", "/classes/7B", role=Role.SERVICE)
    assert refused.status_code == 409 and refused.json()["keys"] == [{"key_id": only, "name": "ms-7b"}]
    assert refused.json()["detail"].startswith(f"class '7B' is a class of live teacher key ms-7b ({only}, ")
    assert api.call("DELETE", f"/api-keys/{only}", role=Role.ADMIN).status_code == 200
    deleted = api.call("DELETE", "/classes/7B", role=Role.SERVICE)
    assert deleted.status_code == 200 and deleted.json() == {"class_id": "7B", "members": 2}


def test_a_bad_roster_is_a_422_naming_the_field_and_changes_nothing(api: Api, school: dict[str, str]) -> None:
    for path, body, field in [
        ("/classes/7B/learners", {"learner_ids": ["a1", "jane doe"]}, "learner_ids.1"),
        ("/classes/7B/learners", {"learner_ids": ["a1", "x" * 201]}, "learner_ids.1"),
        ("/classes/7B/learners", {"learners": ["a1"]}, "learner_ids"),
        ("/classes/7%20B/learners", {"learner_ids": ["a1"]}, "class_id"),
    ]:
        response = api.call("PUT", path, role=Role.SERVICE, json=body)
        assert response.status_code == 422, (path, body, response.text)
        assert response.json()["field"] == field, (body, response.json())
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()["learner_ids"] == ["a1", "a2"]
    assert _listed(api, school["unscoped"]) == ["a1", "a2", "b1", "c1"], "no learner created"
    refused = api.call("PUT", "/classes/7B/learners", role=Role.TEACHER, json={"learner_ids": []})
    assert refused.status_code == 403


def test_classes_are_listed_a_page_at_a_time(api: Api, school: dict[str, str]) -> None:
    _roster(api, "8A", [])
    first = api.call("GET", "/classes", role=Role.SERVICE, params={"limit": 2}).json()
    assert first == {
        "items": [
            {"class_id": "7B", "name": None, "members": 2},
            {"class_id": "7C", "name": None, "members": 1},
        ],
        "next_after": "7C",
    }
    second = api.call("GET", "/classes", role=Role.SERVICE, params={"limit": 2, "after": "7C"}).json()
    assert second == {"items": [{"class_id": "8A", "name": None, "members": 0}], "next_after": None}


def test_keys_are_scoped_over_http_and_show_their_classes(api: Api, school: dict[str, str]) -> None:
    body = {"name": "mr-lee", "role": "teacher", "classes": ["7C", "7C"]}
    issued = api.call("POST", "/api-keys", role=Role.ADMIN, json=body)
    assert issued.status_code == 201 and issued.json()["classes"] == ["7C"]
    assert issued.json()["classes_without_roster"] == []
    secret = issued.json()["secret"]
    assert _listed(api, secret) == ["b1"]
    me = api.client.get("/api-keys/me", headers={"X-API-Key": secret}).json()
    assert me["classes"] == ["7C"]
    listed = {k["name"]: k["classes"] for k in api.call("GET", "/api-keys", role=Role.ADMIN).json()}
    assert listed["mr-lee"] == ["7C"] and listed["teacher-tester"] == []
    for refused_body in [
        {"name": "svc", "role": "service", "classes": ["7C"]},
        {"name": "t", "role": "teacher", "classes": []},
        {"name": "t", "role": "teacher", "classes": ["7/C"]},
    ]:
        response = api.call("POST", "/api-keys", role=Role.ADMIN, json=refused_body)
        assert response.status_code == 422, (refused_body, response.text)
        assert response.json()["field"].startswith("classes"), response.json()


def test_a_keys_own_answer_names_its_classes_in_one_read(
    api: Api, school: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A teacher's client showed bare class ids: the names came only from `GET /classes`. A null name is an
    unnamed class or one without a roster, which `classes_without_roster` tells apart; every class is read
    at once, not one query each (a key holds up to 100)."""
    assert api.call("PUT", "/classes/7B", role=Role.SERVICE, json={"name": "Year 7 maths"}).status_code == 200
    key = auth.issue_key(api.graph, role=Role.TEACHER, name="ms-x", classes=["9Z", "7C", "7B"], actor="tests")
    read: list[str] = []
    plain_read = Graph.read

    def counted_read(graph: Graph, name: str, /, **params: Any) -> Any:
        read.append(name)
        return plain_read(graph, name, **params)

    monkeypatch.setattr(Graph, "read", counted_read)
    me = api.client.get("/api-keys/me", headers={"X-API-Key": key.secret})
    assert me.status_code == 200, me.text
    assert me.json()["classes"] == ["9Z", "7C", "7B"]
    assert me.json()["class_names"] == {"9Z": None, "7C": None, "7B": "Year 7 maths"}
    assert list(me.json()["class_names"]) == ["9Z", "7C", "7B"]  # the key's order, as `classes`
    assert me.json()["classes_without_roster"] == ["9Z"]
    assert read.count("classes/find_classes") == 1

    # A class the key holds is not deleted (409), so its name stays.
    assert api.call("DELETE", "/classes/7B", role=Role.SERVICE).status_code == 409
    me = api.client.get("/api-keys/me", headers={"X-API-Key": key.secret}).json()
    assert me["class_names"] == {"9Z": None, "7C": None, "7B": "Year 7 maths"}
    assert me["classes_without_roster"] == ["9Z"]
    # An unscoped key has no classes to name and reads none.
    read.clear()
    me = api.client.get("/api-keys/me", headers={"X-API-Key": school["unscoped"]}).json()
    assert (me["classes"], me["class_names"], me["classes_without_roster"]) == ([], {}, [])
    assert "classes/find_classes" not in read


def test_a_class_with_no_roster_is_named_in_the_new_keys_answer(api: Api, school: dict[str, str]) -> None:
    """`keys create --class` said so on stderr, `POST /api-keys` not at all: a misspelt class (ids are
    case-sensitive) gave a key that reads nobody, and a 201 that looked like success."""
    body = {"name": "mr-lee", "role": "teacher", "classes": ["7c", "7C", "8A"]}
    issued = api.call("POST", "/api-keys", role=Role.ADMIN, json=body)
    assert issued.status_code == 201, issued.text
    assert issued.json()["classes"] == ["7c", "7C", "8A"]
    assert issued.json()["classes_without_roster"] == ["7c", "8A"]
    _roster(api, "8A", [])
    again = api.call("POST", "/api-keys", role=Role.ADMIN, json=body).json()
    assert again["classes_without_roster"] == ["7c"]
    unscoped = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": "t", "role": "teacher"}).json()
    assert unscoped["classes"] == [] and unscoped["classes_without_roster"] == []


def _patch(api: Api, key_id: str, body: dict[str, Any], role: Role = Role.ADMIN) -> Any:
    return api.call("PATCH", f"/api-keys/{key_id}", role=role, json=body)


def test_a_key_narrowed_from_two_classes_to_one_no_longer_reads_the_other_at_once(
    api: Api, school: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    """A teacher moving class at term change keeps their key (it was: issue a new one, revoke the old).
    The process that takes the change reads the new classes at the next request, although it had the key's
    old ones cached a moment before; a learner of the dropped class is then the unknown learner's 404, word
    for word."""
    body = {"name": "mr-lee", "role": "teacher", "classes": ["7B", "7C"]}
    issued = api.call("POST", "/api-keys", role=Role.ADMIN, json=body).json()
    key_id, secret = issued["id"], issued["secret"]
    assert _read(api, secret, "a1", "mastery").status_code == 200  # the key is now in the process's cache
    assert _read(api, secret, "b1", "mastery").status_code == 200

    with caplog.at_level(logging.INFO, logger="kgplatform.api.routes.api_keys"):
        changed = _patch(api, key_id, {"classes": ["7C"]})
    assert changed.status_code == 200, changed.text
    # Who changed whose reach, as roster changes are logged.
    said = f"API key {key_id} ('mr-lee') changed by key admin-tester: classes 7B, 7C -> classes 7C"
    assert said in caplog.messages
    assert {k: changed.json()[k] for k in ("id", "role", "classes", "revoked", "classes_without_roster")} == {
        "id": key_id,
        "role": "teacher",
        "classes": ["7C"],
        "revoked": False,
        "classes_without_roster": [],
    }
    for what in READS:
        response = _read(api, secret, "a1", what)
        assert response.status_code == 404, (what, response.text)
        assert response.json()["detail"] == "learner 'a1' does not exist", what
        assert response.json()["field"] == "learner_id", what
    assert _read(api, secret, "b1", "mastery").status_code == 200
    assert _listed(api, secret) == ["b1"]
    me = api.client.get("/api-keys/me", headers={"X-API-Key": secret}).json()
    assert me["classes"] == ["7C"]
    listed = {k["id"]: k["classes"] for k in api.call("GET", "/api-keys", role=Role.ADMIN).json()}
    assert listed[key_id] == ["7C"]

    # Back to 7B by the changes to the list; then every learner, said in so many words; then scoped again.
    moved = _patch(api, key_id, {"add_classes": ["7B", "9Z"], "remove_classes": ["7C"]})
    assert moved.status_code == 200, moved.text
    assert moved.json()["classes"] == ["7B", "9Z"] and moved.json()["classes_without_roster"] == ["9Z"]
    assert _listed(api, secret) == ["a1", "a2"]
    assert _read(api, secret, "b1", "mastery").status_code == 404
    widened = _patch(api, key_id, {"unscoped": True})
    assert widened.status_code == 200 and widened.json()["classes"] == []
    assert _listed(api, secret) == ["a1", "a2", "b1", "c1"]
    assert _read(api, secret, "c1", "mastery").status_code == 200
    narrowed = _patch(api, key_id, {"classes": ["7C"]})
    assert narrowed.status_code == 200 and narrowed.json()["classes"] == ["7C"]
    assert _read(api, secret, "c1", "mastery").status_code == 404
    assert _listed(api, secret) == ["b1"]


def test_a_cached_plan_and_a_held_etag_follow_a_scoping_and_a_roster_move_at_the_next_request(
    api: Api, school: dict[str, str]
) -> None:
    """Walking the API as a class-scoped teacher (a review, 6 December 2026) found these hold, untested:
    an unscoped teacher key's cache hits are answered by the next-tasks fast path without the route, so
    scoping the key must reach that path at the next request in the process that took the change (its
    cached principal still read every learner); and a learner moved out of a scoped key's class is refused
    although their plan is in Redis and the key holds their picture's ETag."""
    issued = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": "mr-wide", "role": "teacher"})
    key_id, wide = issued.json()["id"], issued.json()["secret"]
    assert api.call("GET", "/learners/c1/next-tasks", role=Role.SERVICE).status_code == 200  # cached now
    for _ in range(2):  # the second request finds the key checked: the fast path answers it
        assert _read(api, wide, "c1", "next-tasks").json()["source"] == "cache"
    assert _patch(api, key_id, {"classes": ["7B"]}).status_code == 200
    refused = _read(api, wide, "c1", "next-tasks")
    assert refused.status_code == 404, refused.text
    assert refused.json()["detail"] == "learner 'c1' does not exist"
    assert _read(api, wide, "a1", "next-tasks").status_code == 200

    scoped = school["scoped"]
    assert _read(api, scoped, "a1", "next-tasks").json()["source"] == "cache"
    etag = _read(api, scoped, "a1", "report.png").headers["ETag"]
    _roster(api, "7B", ["a2"])
    _roster(api, "7C", ["a1", "b1"])
    for secret in (scoped, wide):
        for what in READS:
            response = _read(api, secret, "a1", what)
            assert response.status_code == 404, (what, response.text)
            assert response.json()["detail"] == "learner 'a1' does not exist", what
        held = api.client.get("/learners/a1/report.png", headers={"X-API-Key": secret, "If-None-Match": etag})
        assert held.status_code == 404, held.status_code
        assert _listed(api, secret) == ["a2"]


def test_a_refused_change_of_classes_names_the_field_and_changes_nothing(
    api: Api, school: dict[str, str]
) -> None:
    scoped = api.call(
        "POST", "/api-keys", role=Role.ADMIN, json={"name": "s", "role": "teacher", "classes": ["7B"]}
    )
    unscoped = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": "u", "role": "teacher"})
    revoked = api.call(
        "POST", "/api-keys", role=Role.ADMIN, json={"name": "r", "role": "teacher", "classes": ["7B"]}
    )
    service_key = api.call("POST", "/api-keys", role=Role.ADMIN, json={"name": "lms", "role": "service"})
    ids = {
        name: r.json()["id"]
        for name, r in [("s", scoped), ("u", unscoped), ("r", revoked), ("lms", service_key)]
    }
    assert api.call("DELETE", f"/api-keys/{ids['r']}", role=Role.ADMIN).status_code == 200
    before = api.call("GET", "/api-keys", role=Role.ADMIN).json()
    for key, body, status, field in [
        ("s", {}, 422, "classes"),
        ("s", {"classes": None}, 422, "classes"),
        ("s", {"classes": []}, 422, "classes"),
        ("s", {"classes": ["7/B"]}, 422, "classes.0"),
        ("s", {"unscoped": False}, 422, "unscoped"),
        # `true` only: 1 and 1.0 were read as true (and widened the key), "true" is text.
        ("s", {"unscoped": 1}, 422, "unscoped"),
        ("s", {"unscoped": 1.0}, 422, "unscoped"),
        ("s", {"unscoped": "true"}, 422, "unscoped"),
        ("s", {"classes": ["7C"], "unscoped": True}, 422, "unscoped"),
        ("s", {"add_classes": ["7C"], "remove_classes": ["7C"]}, 422, "remove_classes"),
        ("s", {"classes": ["7C"], "name": "x"}, 422, "name"),
        ("s", {"remove_classes": ["7B"]}, 409, "remove_classes"),
        ("u", {"add_classes": ["7B"]}, 409, "add_classes"),
        ("r", {"classes": ["7C"]}, 409, "key_id"),
        ("lms", {"classes": ["7C"]}, 409, "classes"),
        ("nobody", {"classes": ["7C"]}, 404, "key_id"),
    ]:
        response = _patch(api, ids.get(key, key), body)
        assert response.status_code == status, (key, body, response.text)
        assert response.json()["field"] == field, (key, body, response.json())
    for role in (Role.TEACHER, Role.SERVICE, Role.DESIGNER):
        assert _patch(api, ids["s"], {"classes": ["7C"]}, role=role).status_code == 403
    assert api.call("GET", "/api-keys", role=Role.ADMIN).json() == before


def test_a_roster_put_waiting_on_an_erasure_of_one_of_its_learners_creates_them_afresh(graph: Graph) -> None:
    """The PUT had matched the learner the erase then deleted, and creating the membership failed it with
    Neo4j's ClientError (a 500). Now it waits for the learner's lock and makes them again, as PUT goals
    does (a roster names who is in the class now)."""
    graph.write("bench/create_bench_learners", ids=["l1", "l2"], now=datetime.now(UTC))
    result: dict[str, Any] = {}

    def put() -> None:
        try:
            result["ok"] = classes.replace_roster(graph, "7B", ["l2", "l1"], actor="test")
        except Exception as error:  # reported below, not lost in the thread
            result["error"] = error

    with graph.session() as session:
        erase = session.begin_transaction()
        erase.run(query_text("mastery/erase_learner"), learner_id="l1").consume()  # holds l1's lock
        writer = threading.Thread(target=put)
        writer.start()
        wait_until_blocked(graph)
        erase.commit()
    writer.join(timeout=30)
    assert "error" not in result, result
    assert result["ok"].model_dump() == {
        "class_id": "7B",
        "members": 2,
        "added": 2,
        "removed": 0,
        "created": 1,
    }
    assert classes.roster(graph, "7B").learner_ids == ["l1", "l2"]


def test_a_scoped_key_pages_through_ids_beyond_the_basic_plane_without_skipping_any(api: Api) -> None:
    """Neo4j compares a stored id with a parameter by UTF-16 units and sorts ids by code point: the scoped
    list's `l.id >= $start ... ORDER BY l.id` skipped "z\\U00010000" after the cursor "z\\uffff" (3 of 8 ids
    lost, paging one at a time). The unscoped list has the same test (test_list_learners)."""
    ids = ["z\uffff", "z\U00010000", "z\U00010000a", "z\U0010ffff", "z\ud7ff", "z\ue000", "y", "z"]
    _roster(api, "7B", ids)
    scoped = auth.issue_key(api.graph, role=Role.TEACHER, name="ms-7b", classes=["7B"], actor="tests").secret
    for prefix in ["", "z", "z\U00010000"]:
        seen, after = [], ""
        while after is not None:
            response = api.client.get(
                "/learners",
                params={"prefix": prefix, "after": after, "limit": 1},
                headers={"X-API-Key": scoped},
            )
            assert response.status_code == 200, response.text
            seen += [item["learner_id"] for item in response.json()["items"]]
            after = response.json()["next_after"]
        assert seen == sorted(i for i in ids if i.startswith(prefix)), (prefix, [ascii(i) for i in seen])


def test_two_changes_of_one_keys_classes_run_one_after_the_other(graph: Graph) -> None:
    """A change reads the key's classes, works out the new list in Python and writes it: without the key's
    lock taken by the read, an `add_classes` running beside another change wrote its list over the other's
    (here 7C, added first, was lost)."""
    from kgplatform.auth.models import KeyScopeIn

    key = auth.issue_key(graph, role=Role.TEACHER, name="t", classes=["7B"], actor="tests")
    result: dict[str, Any] = {}

    def add_8a() -> None:
        try:
            result["classes"] = auth.change_classes(
                graph, key.id, KeyScopeIn(add_classes=["8A"]), actor="tests"
            )[1].classes
        except Exception as error:  # reported below, not lost in the thread
            result["error"] = error

    with graph.session() as session:
        first = session.begin_transaction()  # a change under way: the key read and locked, 7C added
        first.run(query_text("auth/lock_api_key"), id=key.id).consume()
        writer = threading.Thread(target=add_8a)
        writer.start()
        wait_until_blocked(graph)
        first.run(query_text("auth/set_api_key_classes"), id=key.id, classes=["7B", "7C"]).consume()
        first.commit()
    writer.join(timeout=30)
    assert result == {"classes": ["7B", "7C", "8A"]}, result
