"""The audit trail as a designer searches it: who changed what, only deletions, only edges, since when;
and a concept's trail explaining every move of its version (its ETag), so a 412 has a findable cause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from tests.integration.api.harness import Api

TASK = {"id": "t", "title": "T", "kind": "quiz", "concepts": ["a", "b"]}


def _trail(api: Api, path: str, **params: Any) -> dict[str, Any]:
    response = api.call("GET", path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_curriculum_trail_filters_by_actor_action_entity_type_and_time(api: Api) -> None:
    alice = auth.issue_key(api.graph, role=Role.DESIGNER, name="alice", actor="tests")
    as_alice = {"X-API-Key": alice.secret}
    api.curriculum("maths", "a", "b", "c")
    assert api.edge("a", "b", 0.5).status_code == 201
    assert api.call("POST", "/curricula/maths/tasks", json=TASK, headers=as_alice).status_code == 201
    middle = _trail(api, "/curricula/maths/audit", limit=1)["items"][0]["at"]
    assert api.call("DELETE", "/concepts/c", if_match=1, headers=as_alice).status_code == 200
    edge_delete = {"prerequisite": "a", "concept": "b"}
    assert api.call("DELETE", "/prerequisites", params=edge_delete).status_code in (200, 204)

    def listed(**params: Any) -> list[tuple[str, str, str]]:
        trail = _trail(api, "/curricula/maths/audit", **params)
        assert trail["total"] == len(trail["items"]), "total counts the filtered trail"
        return [(e["action"], e["entity_type"], e["entity_id"]) for e in trail["items"]]

    assert _trail(api, "/curricula/maths/audit", actor="nobody")["total"] == 0
    by_alice = _trail(api, "/curricula/maths/audit")["items"]
    alice_actor = next(e["actor"] for e in by_alice if e["entity_id"] == "t")
    assert listed(actor=alice_actor) == [("delete", "concept", "c"), ("create", "task", "t")]
    assert listed(action="delete") == [("delete", "prerequisite", "a -> b"), ("delete", "concept", "c")]
    assert listed(entity_type="prerequisite") == [
        ("delete", "prerequisite", "a -> b"),
        ("create", "prerequisite", "a -> b"),
    ]
    # An edge's entry names its ends (its old and new hold only the weight): the page opens its concept.
    edges = _trail(api, "/curricula/maths/audit", entity_type="prerequisite")["items"]
    assert {(e["prerequisite"], e["concept"]) for e in edges} == {("a", "b")}
    assert listed(action="delete", actor=alice_actor) == [("delete", "concept", "c")]
    # Bounds are inclusive: `middle` is the task's create.
    assert listed(since=middle) == [
        ("delete", "prerequisite", "a -> b"),
        ("delete", "concept", "c"),
        ("create", "task", "t"),
    ]
    assert listed(until=middle, entity_type="task") == [("create", "task", "t")]
    assert listed(until=middle, action="delete") == []
    # The same filters on a concept's and a task's trail.
    assert [e["action"] for e in _trail(api, "/concepts/a/audit", entity_type="prerequisite")["items"]] == [
        "delete",
        "create",
    ]
    assert _trail(api, "/tasks/t/audit", actor=alice_actor)["total"] == 1
    assert _trail(api, "/tasks/t/audit", action="delete")["total"] == 0
    # Paged: total stays the filtered count.
    page = _trail(api, "/curricula/maths/audit", action="create", limit=2, offset=2)
    assert page["total"] == 6 and len(page["items"]) == 2


def test_bad_filters_are_422_naming_the_field(api: Api) -> None:
    api.curriculum("maths", "a")
    now = datetime.now(UTC)
    for path in ("/curricula/maths/audit", "/concepts/a/audit"):
        for params, field in (
            ({"action": "rename"}, "action"),
            ({"entity_type": "edge"}, "entity_type"),
            ({"since": "yesterday"}, "since"),
            # No time zone: whose 9:00 would it be?
            ({"until": "2026-12-03T09:00:00"}, "until"),
            ({"actor": ""}, "actor"),
            ({"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()}, "until"),
        ):
            response = api.call("GET", path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["field"] == field, (params, response.json())


def test_a_number_is_no_time_filter(api: Api) -> None:
    """`since=2026` (a year) was read as 2026 seconds after 1970 and `until=0` as 1970: the whole trail, or
    none of it, with a 200 (a review, s40). A number is a 422 naming the field, as in POST /answers."""
    api.curriculum("maths", "a")
    for path in ("/curricula/maths/audit", "/concepts/a/audit"):
        for params, field in (
            ({"since": "2026"}, "since"),
            ({"until": "0"}, "until"),
            ({"since": "1764806400.5"}, "since"),
            ({"until": "1764806400000"}, "until"),
        ):
            response = api.call("GET", path, params=params)
            assert response.status_code == 422, (path, params, response.text)
            assert response.json()["field"] == field, (params, response.json())
            assert "ISO 8601" in response.text, response.text
        # An offset of hours only is ISO 8601 (PostgreSQL writes times so): a filter, not a 422.
        assert _trail(api, path, since="2000-01-01 00:00:00+01")["total"] == _trail(api, path)["total"] >= 1


def test_a_time_filter_takes_any_zone(api: Api) -> None:
    api.curriculum("maths", "a")
    created = datetime.fromisoformat(_trail(api, "/concepts/a/audit")["items"][0]["at"])
    in_tokyo = created.astimezone(timezone(timedelta(hours=9)))
    assert _trail(api, "/concepts/a/audit", since=in_tokyo.isoformat())["total"] == 1
    after = (in_tokyo + timedelta(microseconds=1)).isoformat()
    assert _trail(api, "/concepts/a/audit", since=after)["total"] == 0
    # Offsets past Neo4j's +-18:00 (Python takes up to +-23:59) and the calendar's last microsecond were
    # 500s (the fuzz test): the bounds are moved to UTC first, and clamped to the calendar.
    for path in ("/curricula/maths/audit", "/concepts/a/audit"):
        everything = _trail(api, path)["total"]
        assert everything >= 1
        assert _trail(api, path, since="2000-01-01T00:00:00+18:01")["total"] == everything
        assert _trail(api, path, until="9999-12-31T23:59:59.999999+00:00")["total"] == everything
        assert _trail(api, path, until="2000-01-01T00:00:00-23:59")["total"] == 0
        response = api.call("GET", path, params={"since": "0001-01-01T00:00:00+01:00"})
        assert response.status_code == 422 and response.json()["field"] == "since", response.text


def _explained(api: Api, concept_id: str, change: Callable[[], Any]) -> None:
    """Runs `change`; if it moved the concept's version, the concept's trail grew by an entry of it."""
    etag = api.etag(f"/concepts/{concept_id}")
    total = _trail(api, f"/concepts/{concept_id}/audit")["total"]
    change()
    moved = api.etag(f"/concepts/{concept_id}") != etag
    assert moved, "each change here links or unlinks the concept"
    trail = _trail(api, f"/concepts/{concept_id}/audit")
    assert trail["total"] > total, (concept_id, trail["items"][:2])


def test_every_version_move_of_a_concept_is_in_its_trail(api: Api) -> None:
    """A task's create, edit and delete, and a cascade delete trimming a task, move the ETag of each
    concept the task exercised (store.links_changed); the concept's trail did not show them, so a
    designer refused with 412 found nothing newer than the version they held."""
    api.curriculum("maths", "a", "b", "c")

    def ok(response: Any) -> None:
        assert response.status_code in (200, 201, 204), response.text

    _explained(api, "b", lambda: ok(api.call("POST", "/curricula/maths/tasks", json=TASK)))
    _explained(api, "c", lambda: ok(api.call("PATCH", "/tasks/t", json={"concepts": ["a", "c"]}, if_match=1)))
    _explained(api, "a", lambda: ok(api.call("PATCH", "/tasks/t", json={"title": "T2"}, if_match=2)))
    # The task's edit entry is in the trail of b, which it no longer exercises.
    b_trail = _trail(api, "/concepts/b/audit", entity_type="task")["items"]
    assert [(e["action"], e["entity_id"], e["new"]["concepts"]) for e in b_trail] == [
        ("update", "t", ["a", "c"]),
        ("create", "t", ["a", "b"]),
    ]
    _explained(
        api,
        "a",
        lambda: ok(
            api.call("DELETE", "/concepts/c", params={"cascade": "true"}, if_match=api.etag("/concepts/c"))
        ),
    )
    _explained(api, "a", lambda: ok(api.call("DELETE", "/tasks/t", if_match=api.etag("/tasks/t"))))


def test_an_import_creating_a_task_or_edge_is_in_the_linked_concepts_trail(api: Api) -> None:
    """A created row has no entry of its own (only the import's summary counts it), yet it moves the ETag
    of each existing concept it links: the summary entry is listed in their trails."""
    api.curriculum("maths", "a", "b")
    document = api.call("GET", "/curricula/maths").json()
    document["prerequisites"] = [{"prerequisite": "a", "concept": "b", "weight": 1.0}]
    document["tasks"] = [{**TASK, "concepts": ["a"]}]
    before = {
        cid: (api.etag(f"/concepts/{cid}"), _trail(api, f"/concepts/{cid}/audit")["total"]) for cid in "ab"
    }
    assert api.call("POST", "/curricula/maths/import", json=document).status_code == 200
    for cid, (etag, total) in before.items():
        assert api.etag(f"/concepts/{cid}") != etag
        trail = _trail(api, f"/concepts/{cid}/audit")
        assert trail["total"] == total + 1, trail["items"]
        assert (trail["items"][0]["action"], trail["items"][0]["entity_type"]) == ("import", "curriculum")
