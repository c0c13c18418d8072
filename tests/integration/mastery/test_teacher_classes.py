"""A teacher key reading its own classes and their rosters (`GET /classes`, `GET /classes/{id}/learners`),
and class names (`PUT /classes/{class_id}`), against the real graph: a scoped key lists and reads only its
own classes (another class is the unknown class's 404, word for word), an unscoped one every class, as it
reads every learner; a name is shown in both answers, validated (422 naming `name`, nothing changed) and
kept in the class's audit trail when it changes."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.classes import service as classes
from kgplatform.errors import NotFound
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from tests.integration.api.harness import Api
from tests.integration.locks import wait_until_blocked

# Class 7B's roster as the `school` fixture leaves it: each member with their answers and last answer, as
# GET /learners gives them.
ROSTER_7B = {
    "class_id": "7B",
    "name": None,
    "learner_ids": ["a1", "a2"],
    "members": [
        {"learner_id": "a1", "answers": 0, "last_answered_at": None},
        {"learner_id": "a2", "answers": 0, "last_answered_at": None},
    ],
}


def _roster(api: Api, class_id: str, learner_ids: list[str]) -> None:
    response = api.call(
        "PUT", f"/classes/{class_id}/learners", role=Role.SERVICE, json={"learner_ids": learner_ids}
    )
    assert response.status_code == 200, response.text


def _get(api: Api, secret: str, path: str, **params: Any) -> Any:
    return api.client.get(path, params=params, headers={"X-API-Key": secret})


def _name(api: Api, class_id: str, body: Any, role: Role = Role.SERVICE) -> Any:
    return api.call("PUT", f"/classes/{class_id}", role=role, json=body)


def _trail(api: Api, class_id: str) -> list[dict[str, Any]]:
    response = api.call("GET", f"/classes/{class_id}/audit", role=Role.ADMIN)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


@pytest.fixture
def school(api: Api) -> dict[str, str]:
    """Classes 7B (a1, a2), 7C (b1) and 8A (empty); a teacher key scoped to 7B, 8A and 9Z (no roster yet)."""
    _roster(api, "7B", ["a1", "a2"])
    _roster(api, "7C", ["b1"])
    _roster(api, "8A", [])
    key = auth.issue_key(
        api.graph, role=Role.TEACHER, name="ms-7b", classes=["7B", "8A", "9Z"], actor="tests"
    )
    return {"scoped": key.secret, "unscoped": api.secrets[Role.TEACHER]}


def test_a_scoped_teacher_lists_and_reads_only_its_own_classes(api: Api, school: dict[str, str]) -> None:
    scoped, unscoped = school["scoped"], school["unscoped"]
    listed = _get(api, scoped, "/classes")
    assert listed.status_code == 200, listed.text
    # 9Z has no roster: no class of that id exists to list.
    assert listed.json() == {
        "items": [
            {"class_id": "7B", "name": None, "members": 2},
            {"class_id": "8A", "name": None, "members": 0},
        ],
        "next_after": None,
    }
    first = _get(api, scoped, "/classes", limit=1).json()
    assert [i["class_id"] for i in first["items"]] == ["7B"] and first["next_after"] == "7B"
    second = _get(api, scoped, "/classes", limit=1, after="7B").json()
    assert [i["class_id"] for i in second["items"]] == ["8A"] and second["next_after"] == "8A"
    assert _get(api, scoped, "/classes", limit=1, after="8A").json() == {"items": [], "next_after": None}

    roster = _get(api, scoped, "/classes/7B/learners")
    assert roster.status_code == 200, roster.text
    assert roster.json() == ROSTER_7B

    # The unscoped teacher key reads every class, as it reads every learner.
    everything = _get(api, unscoped, "/classes").json()
    assert [i["class_id"] for i in everything["items"]] == ["7B", "7C", "8A"]
    assert _get(api, unscoped, "/classes/7C/learners").json()["learner_ids"] == ["b1"]


def test_another_classes_roster_is_the_unknown_classes_404_word_for_word(
    api: Api, school: dict[str, str]
) -> None:
    """A 403, or any other words, would tell the key that 7C exists on the platform."""
    scoped = school["scoped"]
    outside = _get(api, scoped, "/classes/7C/learners")
    unknown = _get(api, scoped, "/classes/7Q/learners")
    never = api.call("GET", "/classes/7Q/learners", role=Role.SERVICE)
    assert outside.status_code == unknown.status_code == never.status_code == 404
    assert outside.json()["detail"] == "class '7C' does not exist"
    assert outside.json()["field"] == "class_id"
    assert outside.json() == {
        k: v.replace("7Q", "7C") if isinstance(v, str) else v for k, v in unknown.json().items()
    }
    assert unknown.json() == never.json()
    assert outside.headers["content-type"] == unknown.headers["content-type"]
    # 9Z is one of its classes, but no roster was sent for it: unknown too.
    assert _get(api, scoped, "/classes/9Z/learners").json()["detail"] == "class '9Z' does not exist"


def test_a_teacher_key_changes_no_class(api: Api, school: dict[str, str]) -> None:
    for secret in school.values():
        headers = {"X-API-Key": secret}
        for method, path, body in [
            ("PUT", "/classes/7B/learners", {"learner_ids": ["a1"]}),
            ("PUT", "/classes/7B", {"name": "mine"}),
            ("DELETE", "/classes/7B", None),
            ("GET", "/classes/7B/audit", None),
        ]:
            response = api.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json() == ROSTER_7B


def test_a_class_name_is_shown_and_its_changes_are_in_the_trail(api: Api, school: dict[str, str]) -> None:
    named = _name(api, "7B", {"name": "Year 7 maths, set B"})
    assert named.status_code == 200, named.text
    assert named.json() == {"class_id": "7B", "name": "Year 7 maths, set B", "members": 2}
    listed = _get(api, school["scoped"], "/classes").json()["items"]
    assert listed[0] == {"class_id": "7B", "name": "Year 7 maths, set B", "members": 2}
    roster = _get(api, school["scoped"], "/classes/7B/learners").json()
    assert roster["name"] == "Year 7 maths, set B"
    # A roster PUT keeps the name (it replaces the roster, not the class).
    _roster(api, "7B", ["a1"])
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()["name"] == "Year 7 maths, set B"

    assert _name(api, "7B", {"name": "Year 7 maths, set B"}).status_code == 200  # the same: no entry
    renamed = _name(api, "7B", {"name": "7\u00a0B\u00a0: maths"}, role=Role.ADMIN)  # typeset spaces are fine
    assert renamed.status_code == 200 and renamed.json()["name"] == "7\u00a0B\u00a0: maths"
    cleared = _name(api, "7B", {"name": None})
    assert cleared.status_code == 200 and cleared.json() == {"class_id": "7B", "name": None, "members": 1}

    service, admin = api.actors[Role.SERVICE], api.actors[Role.ADMIN]
    renames = [
        (e["actor"], e["name_before"], e["name"], e["members"], e["class_created"])
        for e in _trail(api, "7B")
        if e["action"] == "rename"
    ]
    assert renames == [
        (service, "7\u00a0B\u00a0: maths", None, 1, False),
        (admin, "Year 7 maths, set B", "7\u00a0B\u00a0: maths", 1, False),
        (service, None, "Year 7 maths, set B", 2, False),
    ]
    assert [e["action"] for e in _trail(api, "7B")] == ["rename", "rename", "replace", "rename", "replace"]
    assert all(e["name"] is None and e["name_before"] is None for e in _trail(api, "7B")[2::2])

    # A class named before its first roster is created, empty, as a roster PUT would create it.
    fresh = _name(api, "9Z", {"name": "Year 9 art"})
    assert fresh.status_code == 200 and fresh.json() == {"class_id": "9Z", "name": "Year 9 art", "members": 0}
    [entry] = _trail(api, "9Z")
    assert (entry["action"], entry["class_created"], entry["name"]) == ("rename", True, "Year 9 art")
    assert [i["class_id"] for i in _get(api, school["scoped"], "/classes").json()["items"]] == [
        "7B",
        "8A",
        "9Z",
    ]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "7B\nDROP"}, "name"),
        ({"name": "maths\u202eB7"}, "name"),
        ({"name": "set\u200bB"}, "name"),
        ({"name": 7}, "name"),
        ({}, "name"),
        ({"name": "ok", "learner_ids": []}, "learner_ids"),
    ],
)
def test_a_bad_name_is_a_422_naming_the_field_and_changes_nothing(
    api: Api, school: dict[str, str], body: dict[str, Any], field: str
) -> None:
    assert _name(api, "7B", {"name": "Year 7"}).status_code == 200
    trail = _trail(api, "7B")
    for class_id in ("7B", "new-class"):
        response = _name(api, class_id, body)
        assert response.status_code == 422, (class_id, body, response.text)
        assert response.json()["field"] == field, response.json()
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()["name"] == "Year 7"
    assert _trail(api, "7B") == trail
    assert api.call("GET", "/classes/new-class/learners", role=Role.SERVICE).status_code == 404
    assert _trail(api, "new-class") == []
    refused = _name(api, "7%20B", {"name": "ok"})
    assert refused.status_code == 422 and refused.json()["field"] == "class_id"


@pytest.mark.parametrize(
    "name",
    [
        "\U0001f469\u200d\U0001f3eb Ms Okafor's 7B",  # teacher: woman, U+200D, school
        "\u2764\ufe0f 7B",  # heart, U+FE0F
        "7\ufe0f\u20e3 Year 7",  # keycap
        "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f 7B",  # Scotland's flag
    ],
)
def test_a_class_name_keeps_emoji_sequences(api: Api, school: dict[str, str], name: str) -> None:
    """Emoji hold format characters that draw (since 4 December 2026); the same characters elsewhere are
    still refused with the message they had."""
    named = _name(api, "7B", {"name": name})
    assert named.status_code == 200, named.text
    assert named.json()["name"] == name
    assert _get(api, school["scoped"], "/classes/7B/learners").json()["name"] == name
    assert _trail(api, "7B")[0]["name"] == name
    for bad, listed in [("Ms\u200dOkafor", "U+200D"), ("7B\ufe0f", "U+FE0F"), ("\U0001f469\u200d", "U+200D")]:
        refused = _name(api, "7B", {"name": bad})
        assert refused.status_code == 422 and refused.json()["field"] == "name", refused.text
        assert (
            f"must not hold invisible formatting characters ({listed})"
            in refused.json()["errors"][0]["message"]
        )
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()["name"] == name


def test_the_learners_export_names_their_classes(api: Api, school: dict[str, str]) -> None:
    """The export lists the classes whose rosters hold the learner: with their names, which say more to the
    person who asked for their data than an id. The erase removes the memberships, not the class or name."""
    assert _name(api, "7B", {"name": "Year 7 maths"}).status_code == 200
    _roster(api, "7C", ["b1", "a1"])
    exported = api.call("GET", "/learners/a1/export", role=Role.ADMIN).json()
    assert [(c["class_id"], c["name"]) for c in exported["classes"]] == [("7B", "Year 7 maths"), ("7C", None)]
    assert api.call("DELETE", "/learners/a1", role=Role.SERVICE).status_code == 200
    roster = api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json()
    assert roster["learner_ids"] == ["a2"] and roster["name"] == "Year 7 maths"
    assert [member["learner_id"] for member in roster["members"]] == ["a2"]


def test_two_renames_of_one_class_run_one_after_the_other(graph: Graph) -> None:
    """Each rename's audit entry names the name it replaced: the second, waiting on the first's lock, reads
    the name the first wrote, not the one before both (which would leave a trail with a gap)."""
    classes.set_name(graph, "7B", "first", actor="tests")
    result: dict[str, Any] = {}

    def rename() -> None:
        try:
            result["ok"] = classes.set_name(graph, "7B", "third", actor="tests")
        except Exception as error:  # reported below, not lost in the thread
            result["error"] = error

    with graph.session() as session:
        first = session.begin_transaction()  # a rename under way: the class locked, its name written
        first.run(query_text("classes/set_class_name"), class_id="7B", name="second", now=datetime.now(UTC))
        writer = threading.Thread(target=rename)
        writer.start()
        wait_until_blocked(graph)
        first.commit()
    writer.join(timeout=30)
    assert "error" not in result, result
    assert classes.roster(graph, "7B").name == "third"
    [entry] = [e for e in classes.roster_audit(graph, "7B", 0, 10).items if e.name == "third"]
    assert entry.name_before == "second"


def _while_deleting(graph: Graph, class_id: str, change: Any) -> dict[str, Any]:
    """`change()` run in a thread while a deletion of the class holds its lock, and ended by its commit."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["ok"] = change()
        except Exception as error:  # reported below, not lost in the thread
            result["error"] = error

    with graph.session() as session:
        delete = session.begin_transaction()
        delete.run(query_text("classes/delete_class"), class_id=class_id).consume()
        writer = threading.Thread(target=run)
        writer.start()
        wait_until_blocked(graph)
        delete.commit()
    writer.join(timeout=30)
    return result


def _roster_changes_stored(graph: Graph) -> int:
    counts = graph.read("testing/count_nodes_by_label")
    return sum(r["n"] for r in counts if r["kind"] == "node" and r["name"] == "RosterChange")


def test_a_rename_waiting_on_the_classes_deletion_names_the_class_made_afresh(graph: Graph) -> None:
    """The rename had matched the class the deletion then removed: it answered a 500 (no class id to
    answer), after committing an entry of no class (class_id null: in no trail, never archived) and
    losing the name. Now it waits for the class's lock and makes the class again, as on first sight."""
    classes.replace_roster(graph, "7B", ["a1"], actor="tests")
    classes.set_name(graph, "7B", "old", actor="tests")
    result = _while_deleting(graph, "7B", lambda: classes.set_name(graph, "7B", "new", actor="tests"))
    assert "error" not in result, result
    assert result["ok"].model_dump() == {"class_id": "7B", "name": "new", "members": 0}
    assert classes.roster(graph, "7B").model_dump() == {
        "class_id": "7B",
        "name": "new",
        "learner_ids": [],
        "members": [],
    }
    trail = classes.roster_audit(graph, "7B", 0, 10)
    assert (trail.items[0].action, trail.items[0].name, trail.items[0].name_before) == ("rename", "new", None)
    assert trail.items[0].class_created
    assert _roster_changes_stored(graph) == trail.total


def test_a_roster_put_waiting_on_the_classes_deletion_makes_the_class_afresh(graph: Graph) -> None:
    """The PUT had matched the class the deletion then removed, and creating the memberships failed it with
    Neo4j's ClientError (a 500). Now it waits for the class's lock and makes the class again, as on first
    sight (the roster names who is in the class now)."""
    classes.replace_roster(graph, "7B", ["a1"], actor="tests")
    put = _while_deleting(
        graph, "7B", lambda: classes.replace_roster(graph, "7B", ["z2", "z1"], actor="tests")
    )
    assert "error" not in put, put
    assert put["ok"].model_dump() == {"class_id": "7B", "members": 2, "added": 2, "removed": 0, "created": 2}
    assert classes.roster(graph, "7B").learner_ids == ["z1", "z2"]
    newest = classes.roster_audit(graph, "7B", 0, 1).items[0]
    assert (newest.action, newest.added_ids, newest.class_created) == ("replace", ["z1", "z2"], True)


def test_two_deletions_of_one_class_at_once_delete_it_once(graph: Graph) -> None:
    """The second had matched the class the first then removed: it answered 200 with the members the first
    removed, and wrote a second `delete` entry naming them again. Now it is the unknown class's 404, and
    the trail holds one deletion, as two revocations of a key write one entry."""
    classes.replace_roster(graph, "7B", ["a1", "a2"], actor="tests")
    result = _while_deleting(graph, "7B", lambda: classes.delete_class(graph, "7B", actor="tests"))
    assert isinstance(result.get("error"), NotFound), result
    assert result["error"].field == "class_id"
    assert [e.action for e in classes.roster_audit(graph, "7B", 0, 10).items] == ["replace"]
    assert _roster_changes_stored(graph) == 1


def test_a_roster_listing_an_id_twice_holds_it_once(api: Api) -> None:
    """docs/api.md: an id listed twice counts once (`members` counts distinct ids)."""
    response = api.call(
        "PUT", "/classes/7D/learners", role=Role.SERVICE, json={"learner_ids": ["d1", "d2", "d1"]}
    )
    assert response.status_code == 200, response.text
    assert response.json()["members"] == 2
    listed = api.call("GET", "/classes/7D/learners", role=Role.ADMIN)
    assert listed.status_code == 200, listed.text
    assert listed.json()["learner_ids"] == ["d1", "d2"]
