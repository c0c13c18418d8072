"""A whole-curriculum read with If-None-Match: 304 while the copy the client holds is current, the document
again once anything in it changed (the learner view keeps one copy between learners; a review, s39)."""

from __future__ import annotations

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api


def read(api: Api, held: str | None = None, role: Role = Role.DESIGNER):  # noqa: ANN201 (httpx.Response)
    return api.call("GET", "/curricula/maths", role=role, headers={"If-None-Match": held} if held else None)


def test_a_current_copy_is_304_and_any_change_sends_the_document_again(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    first = read(api)
    assert first.status_code == 200
    held = first.headers["ETag"]
    same = read(api, held, role=Role.ADMIN)
    assert same.status_code == 304 and same.content == b"" and same.headers["ETag"] == held
    # Compared weakly (a compressing proxy weakens the ETag it passes on), in a list, or as `*`.
    for header in (f"W/{held}", f'"curriculum@old", {held}', "*"):
        assert read(api, header).status_code == 304, header
    # Each kind of change the document shows moves the ETag: the stale copy is never answered 304.
    changes = [
        lambda: api.call("PATCH", "/concepts/a", json={"name": "Renamed"}, if_match=api.etag("/concepts/a")),
        lambda: api.edge("a", "b"),
        lambda: api.call(
            "POST",
            "/curricula/maths/tasks",
            json={"id": "t", "title": "T", "kind": "exercise", "concepts": ["b"]},
        ),
    ]
    for change in changes:
        assert change().status_code in (200, 201)
        fresh = read(api, held)
        assert fresh.status_code == 200, fresh.text
        assert fresh.headers["ETag"] != held
        held = fresh.headers["ETag"]
    document = fresh.json()
    assert document["concepts"][0]["name"] == "Renamed"
    assert [(e["prerequisite"], e["concept"]) for e in document["prerequisites"]] == [("a", "b")]
    assert [t["id"] for t in document["tasks"]] == ["t"]


def test_if_none_match_answers_nothing_to_a_caller_without_a_key_or_for_an_unknown_curriculum(
    api: Api,
) -> None:
    api.curriculum("maths", "a")
    held = read(api).headers["ETag"]
    assert api.client.get("/curricula/maths", headers={"If-None-Match": held}).status_code == 401
    gone = api.call("GET", "/curricula/other", headers={"If-None-Match": "*"})
    assert gone.status_code == 404 and gone.json()["field"] == "curriculum_id"


def test_tasks_false_reads_the_document_without_its_tasks_under_the_same_etag(api: Api) -> None:
    # The web page's Learner view draws concepts and edges only: a 3,000-concept curriculum's 9,000 tasks were
    # 1.6 MB of the 2.5 MB it read (a review, 6 December 2026).
    api.curriculum("maths", "a", "b")
    api.edge("a", "b")
    for task in ("t1", "t2"):
        body = {"id": task, "title": task, "kind": "exercise", "concepts": ["b"]}
        created = api.call("POST", "/curricula/maths/tasks", json=body)
        assert created.status_code == 201, created.text
    whole = read(api)
    lean = api.call("GET", "/curricula/maths", params={"tasks": "false"}, role=Role.TEACHER)
    assert lean.status_code == 200, lean.text
    assert lean.json()["tasks"] == [] and [t["id"] for t in whole.json()["tasks"]] == ["t1", "t2"]
    assert {k: v for k, v in lean.json().items() if k != "tasks"} == {
        k: v for k, v in whole.json().items() if k != "tasks"
    }
    assert lean.headers["ETag"] == whole.headers["ETag"]
    held = api.call(
        "GET", "/curricula/maths", params={"tasks": "false"}, headers={"If-None-Match": lean.headers["ETag"]}
    )
    assert held.status_code == 304
    refused = api.call("GET", "/curricula/maths", params={"tasks": "some"})
    assert refused.status_code == 422 and refused.json()["field"] == "tasks", refused.text
