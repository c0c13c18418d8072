"""A teacher key reading its own classes and their rosters (`GET /classes`, `GET /classes/{id}/learners`),
against the real graph: a scoped key lists and reads only its own classes (another class is the unknown
class's 404, word for word), an unscoped one every class, as it reads every learner."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from tests.integration.api.harness import Api


def _roster(api: Api, class_id: str, learner_ids: list[str]) -> None:
    response = api.call(
        "PUT", f"/classes/{class_id}/learners", role=Role.SERVICE, json={"learner_ids": learner_ids}
    )
    assert response.status_code == 200, response.text


def _get(api: Api, secret: str, path: str, **params: Any) -> Any:
    return api.client.get(path, params=params, headers={"X-API-Key": secret})


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
            {"class_id": "7B", "members": 2},
            {"class_id": "8A", "members": 0},
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
    assert roster.json() == {"class_id": "7B", "learner_ids": ["a1", "a2"]}

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
            ("DELETE", "/classes/7B", None),
            ("GET", "/classes/7B/audit", None),
        ]:
            response = api.client.request(method, path, json=body, headers=headers)
            assert response.status_code == 403, (method, path, response.text)
    assert api.call("GET", "/classes/7B/learners", role=Role.SERVICE).json() == {
        "class_id": "7B",
        "learner_ids": ["a1", "a2"],
    }
