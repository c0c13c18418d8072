"""The audit trail of class rosters (`GET /classes/{class_id}/audit`), against the real graph: who changed a
roster, when, the counts and which learners were added or removed; a deleted class keeps its trail; an erased
learner's id is gone from every entry, and the export lists the entries that named them."""

from __future__ import annotations

from typing import Any

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api

FIELDS = (
    "action",
    "actor",
    "members",
    "added",
    "removed",
    "created",
    "class_created",
    "added_ids",
    "removed_ids",
)


def _roster(api: Api, class_id: str, learner_ids: list[str], role: Role = Role.SERVICE) -> None:
    response = api.call("PUT", f"/classes/{class_id}/learners", role=role, json={"learner_ids": learner_ids})
    assert response.status_code == 200, response.text


def _trail(api: Api, class_id: str, **params: Any) -> dict[str, Any]:
    response = api.call("GET", f"/classes/{class_id}/audit", role=Role.ADMIN, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _entry(item: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(item[field] for field in FIELDS)


def test_each_roster_change_is_in_the_classes_trail_with_who_and_which_learners(api: Api) -> None:
    service, admin = api.actors[Role.SERVICE], api.actors[Role.ADMIN]
    _roster(api, "7B", ["pupil-a", "pupil-b"])
    _roster(api, "7B", ["pupil-c", "pupil-b"], role=Role.ADMIN)
    _roster(api, "7B", ["pupil-b", "pupil-c"])  # the same roster again: no change, no entry
    assert api.call("DELETE", "/classes/7B", role=Role.SERVICE).status_code == 200

    trail = _trail(api, "7B")  # the class is gone; its trail stays
    assert trail["total"] == 3
    assert [_entry(item) for item in trail["items"]] == [
        ("delete", service, 0, 0, 2, 0, False, [], ["pupil-b", "pupil-c"]),
        ("replace", admin, 2, 1, 1, 1, False, ["pupil-c"], ["pupil-a"]),
        ("replace", service, 2, 2, 0, 2, True, ["pupil-a", "pupil-b"], []),
    ]
    times = [item["at"] for item in trail["items"]]
    assert times == sorted(times, reverse=True) and all(item["class_id"] == "7B" for item in trail["items"])
    page = _trail(api, "7B", offset=1, limit=1)
    assert page["total"] == 3 and [item["id"] for item in page["items"]] == [trail["items"][1]["id"]]

    assert _trail(api, "never-sent") == {"total": 0, "items": [], "next": None, "archived": None}
    for role in (Role.SERVICE, Role.TEACHER, Role.DESIGNER):
        assert api.call("GET", "/classes/7B/audit", role=role).status_code == 403
    refused = api.call("GET", "/classes/7%20B/audit", role=Role.ADMIN)
    assert refused.status_code == 422 and refused.json()["field"] == "class_id"


def test_a_deleted_classs_entry_names_what_it_was_called(api: Api) -> None:
    """The trail outlives the class: without the name in its delete entry, nothing left would say which
    class a bare id was."""
    _roster(api, "7B", ["pupil-a"])
    named = api.call("PUT", "/classes/7B", role=Role.SERVICE, json={"name": "Year 7 maths, set B"})
    assert named.status_code == 200, named.text
    assert api.call("DELETE", "/classes/7B", role=Role.SERVICE).status_code == 200
    _roster(api, "8A", ["pupil-a"])  # never named: its delete entry has no name either
    assert api.call("DELETE", "/classes/8A", role=Role.SERVICE).status_code == 200

    [deleted, renamed, _] = _trail(api, "7B")["items"]
    assert (deleted["action"], deleted["name_before"], deleted["name"]) == (
        "delete",
        "Year 7 maths, set B",
        None,
    )
    assert (renamed["action"], renamed["name_before"], renamed["name"]) == (
        "rename",
        None,
        "Year 7 maths, set B",
    )
    [deleted, _] = _trail(api, "8A")["items"]
    assert (deleted["action"], deleted["name_before"], deleted["name"]) == ("delete", None, None)


def test_an_erased_learner_is_gone_from_every_entry_and_the_counts_stay(api: Api) -> None:
    """The erase must leave nothing of the learner: the entries reach learners by relationships, which the
    erase's DETACH DELETE removes; the export lists the entries before."""
    _roster(api, "7B", ["pupil-ann", "pupil-bo"])
    _roster(api, "7B", ["pupil-bo"])
    _roster(api, "8A", ["pupil-ann"])
    exported = api.call("GET", "/learners/pupil-ann/export", role=Role.ADMIN).json()
    assert [(c["class_id"], c["change"]) for c in exported["roster_changes"]] == [
        ("7B", "added"),
        ("7B", "removed"),
        ("8A", "added"),
    ]
    assert all(c["at"] and c["action"] == "replace" for c in exported["roster_changes"])

    assert api.call("DELETE", "/learners/pupil-ann", role=Role.SERVICE).status_code == 200
    for class_id in ("7B", "8A"):
        response = api.call("GET", f"/classes/{class_id}/audit", role=Role.ADMIN)
        assert response.status_code == 200 and "pupil-ann" not in response.text, response.text
    assert [_entry(item)[3:] for item in _trail(api, "7B")["items"]] == [
        (0, 1, 0, False, [], []),
        (2, 0, 2, True, ["pupil-bo"], []),
    ]
    assert [_entry(item)[3:] for item in _trail(api, "8A")["items"]] == [(1, 0, 0, True, [], [])]
