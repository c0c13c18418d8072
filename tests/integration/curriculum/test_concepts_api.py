"""Concepts over HTTP against the real Neo4j: create, read, change with If-Match, delete, search."""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.graph.driver import Graph
from tests.integration.api.harness import Api

PROBLEM = "application/problem+json"


def test_create_returns_version_one_with_etag_and_location(api: Api) -> None:
    api.curriculum("maths")
    response = api.call(
        "POST",
        "/curricula/maths/concepts",
        json={"id": "fractions", "name": "Fractions", "tags": ["number"], "difficulty": 0.4},
    )
    assert response.status_code == 201
    assert response.headers["ETag"] == '"1"'
    assert response.headers["Location"] == "/concepts/fractions"
    body = response.json()
    assert (body["id"], body["curriculum_id"], body["version"], body["tags"]) == (
        "fractions",
        "maths",
        1,
        ["number"],
    )
    read = api.call("GET", "/concepts/fractions")
    assert read.headers["ETag"] == '"1"'
    assert read.json()["difficulty"] == 0.4


@pytest.mark.parametrize(
    "concept_id", ["Pythagorean_theorem", "spelling correction", "ex.1-2", "algebra/linear"]
)
def test_ids_may_hold_dots_spaces_dashes_and_slashes(api: Api, concept_id: str) -> None:
    api.curriculum("maths/2026")
    created = api.call("POST", "/curricula/maths/2026/concepts", json={"id": concept_id, "name": "x"})
    assert created.status_code == 201, created.text
    assert api.call("GET", f"/concepts/{concept_id}").json()["id"] == concept_id
    assert api.call("GET", f"/concepts/{concept_id}/audit").json()["total"] == 1
    assert [c["id"] for c in api.call("GET", "/curricula/maths/2026").json()["concepts"]] == [concept_id]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"id": " ", "name": "x"}, "id"),
        ({"id": "x" * 201, "name": "x"}, "id"),
        ({"id": "a", "name": ""}, "name"),
        ({"id": "a", "name": "x", "difficulty": 1.5}, "difficulty"),
        # A JSON number only, as an answer's `score`: text and booleans were read as numbers.
        ({"id": "a", "name": "x", "difficulty": "0.5"}, "difficulty"),
        ({"id": "a", "name": "x", "difficulty": True}, "difficulty"),
        ({"id": "a", "name": "x", "tags": ["ok", " "]}, "tags.1"),
        ({"id": "a", "name": "x", "colour": "red"}, "colour"),
    ],
)
def test_invalid_concepts_are_refused_naming_the_field_and_nothing_is_written(
    api: Api, body: dict[str, object], field: str
) -> None:
    api.curriculum("maths")
    response = api.call("POST", "/curricula/maths/concepts", json=body)
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert field in [e["field"] for e in response.json()["errors"]]
    assert api.call("GET", "/curricula/maths/concepts").json()["total"] == 0


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
@pytest.mark.parametrize("difficulty", ["0.5", True, False])
def test_an_edit_giving_difficulty_as_text_or_a_boolean_is_refused_and_changes_nothing(
    api: Api, method: str, difficulty: object
) -> None:
    api.curriculum("maths")
    api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "A", "difficulty": 0.2})
    response = api.call(
        "PATCH" if method == "PATCH" else "PUT",
        "/concepts/a",
        if_match=1,
        json={"name": "A", "difficulty": difficulty},
    )
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "difficulty"
    stored = api.call("GET", "/concepts/a").json()
    assert (stored["difficulty"], stored["version"]) == (0.2, 1)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({}, 422),  # no body at all
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 422),
        ({"content": b"\xff\xfe\x00", "headers": {"content-type": "application/json"}}, 400),  # undecodable
    ],
)
def test_a_missing_or_unreadable_body_is_refused_naming_the_body(
    api: Api, kwargs: dict[str, Any], status: int
) -> None:
    api.curriculum("maths")
    response = api.call("POST", "/curricula/maths/concepts", **kwargs)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "body"
    assert api.call("GET", "/curricula/maths/concepts").json()["total"] == 0


def test_duplicate_id_is_409_and_unknown_curriculum_is_404(api: Api) -> None:
    api.curriculum("maths", "a")
    api.curriculum("physics")
    duplicate = api.call("POST", "/curricula/physics/concepts", json={"id": "a", "name": "other"})
    assert duplicate.status_code == 409
    assert duplicate.json()["field"] == "id" and "'a'" in duplicate.json()["detail"]
    assert api.call("GET", "/concepts/a").json()["name"] == "A"
    missing = api.call("POST", "/curricula/nope/concepts", json={"id": "b", "name": "b"})
    assert missing.status_code == 404 and "'nope'" in missing.json()["detail"]
    assert api.call("GET", "/concepts/b").status_code == 404


def test_patch_needs_if_match_and_refuses_stale_versions_without_changing_anything(api: Api) -> None:
    api.curriculum("maths", "a")
    no_header = api.call("PATCH", "/concepts/a", json={"name": "new"})
    assert no_header.status_code == 428 and no_header.json()["field"] == "If-Match"
    star = api.call("PATCH", "/concepts/a", json={"name": "new"}, if_match="*")
    assert star.status_code == 428
    garbage = api.call("PATCH", "/concepts/a", json={"name": "new"}, if_match="v1")
    assert garbage.status_code == 422
    ok = api.call("PATCH", "/concepts/a", json={"name": "Second", "difficulty": 0.7}, if_match=1)
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    stale = api.call("PATCH", "/concepts/a", json={"name": "Lost"}, if_match=1)
    assert stale.status_code == 412
    assert stale.json()["current_version"] == 2
    current = api.call("GET", "/concepts/a").json()
    assert (current["name"], current["difficulty"], current["version"]) == ("Second", 0.7, 2)


def test_patch_changes_only_sent_fields_and_null_clears_difficulty(api: Api) -> None:
    api.curriculum("maths")
    api.call(
        "POST", "/curricula/maths/concepts", json={"id": "a", "name": "A", "tags": ["t"], "difficulty": 0.3}
    )
    patched = api.call("PATCH", "/concepts/a", json={"difficulty": None}, if_match=1).json()
    assert (patched["name"], patched["tags"], patched["difficulty"]) == ("A", ["t"], None)
    assert api.call("PATCH", "/concepts/a", json={"name": None}, if_match=2).status_code == 422
    assert api.call("PATCH", "/concepts/a", json={}, if_match=2).status_code == 422


def test_a_save_that_changes_nothing_keeps_the_version_and_writes_no_audit(api: Api) -> None:
    api.curriculum("maths")
    concept = {"id": "a", "name": "A", "tags": ["t"], "difficulty": 0.3}
    api.call("POST", "/curricula/maths/concepts", json=concept)
    same = api.call("PATCH", "/concepts/a", json={"name": "A", "difficulty": 0.3}, if_match=1)
    assert same.status_code == 200 and same.headers["ETag"] == '"1"' and same.json()["version"] == 1
    # Another designer's edit based on version 1 is therefore still accepted.
    other = api.call("PATCH", "/concepts/a", json={"name": "B"}, if_match=1)
    assert other.status_code == 200 and other.headers["ETag"] == '"2"'
    actions = [e["action"] for e in api.call("GET", "/concepts/a/audit").json()["items"]]
    assert actions.count("update") == 1
    # A stale version is refused even when nothing would change.
    assert api.call("PATCH", "/concepts/a", json={"name": "B"}, if_match=1).status_code == 412


def test_put_replaces_every_field(api: Api) -> None:
    api.curriculum("maths")
    api.call(
        "POST",
        "/curricula/maths/concepts",
        json={"id": "a", "name": "A", "description": "old", "tags": ["t"], "difficulty": 0.3},
    )
    put = api.call("PUT", "/concepts/a", json={"name": "B"}, if_match=1)
    assert put.status_code == 200
    assert {k: put.json()[k] for k in ("name", "description", "tags", "difficulty", "version")} == {
        "name": "B",
        "description": "",
        "tags": [],
        "difficulty": None,
        "version": 2,
    }


def test_unknown_concept_is_404_on_read_change_and_delete(api: Api) -> None:
    api.curriculum("maths")
    assert api.call("GET", "/concepts/ghost").status_code == 404
    assert api.call("PATCH", "/concepts/ghost", json={"name": "x"}, if_match=1).status_code == 404
    assert api.call("DELETE", "/concepts/ghost", if_match=1).status_code == 404


def test_list_searches_names_and_ids_filters_tags_and_pages_with_total(api: Api) -> None:
    api.curriculum("maths")
    for i, (name, tags) in enumerate(
        [
            ("Linear equations", ["algebra"]),
            ("Quadratic equations", ["algebra", "hard"]),
            ("Fractions", ["number"]),
            ("Equivalent fractions", ["number"]),
        ]
    ):
        api.call("POST", "/curricula/maths/concepts", json={"id": f"c{i}", "name": name, "tags": tags})
    search = api.call("GET", "/curricula/maths/concepts", params={"q": "EQUATIONS"}).json()
    assert [c["name"] for c in search["items"]] == ["Linear equations", "Quadratic equations"]
    by_id = api.call("GET", "/curricula/maths/concepts", params={"q": "c2"}).json()
    assert [c["id"] for c in by_id["items"]] == ["c2"]
    tagged = api.call("GET", "/curricula/maths/concepts", params=[("tag", "algebra"), ("tag", "hard")]).json()
    assert [c["id"] for c in tagged["items"]] == ["c1"]
    page = api.call("GET", "/curricula/maths/concepts", params={"limit": 2, "offset": 1}).json()
    assert page["total"] == 4
    assert [c["name"] for c in page["items"]] == ["Fractions", "Linear equations"]
    assert api.call("GET", "/curricula/maths/concepts", params={"limit": 0}).status_code == 422
    assert api.call("GET", "/curricula/nope/concepts").status_code == 404


def test_neighbourhood_walks_both_directions_to_the_asked_depth(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c", "d", "e")
    for p, c in [("a", "b"), ("b", "c"), ("c", "d"), ("d", "e")]:
        assert api.edge(p, c).status_code == 201
    one = api.call("GET", "/concepts/c/neighbourhood", params={"depth": 1}).json()
    assert [(n["id"], n["distance"]) for n in one["nodes"]] == [("b", -1), ("c", 0), ("d", 1)]
    assert {(e["prerequisite"], e["concept"]) for e in one["edges"]} == {("b", "c"), ("c", "d")}
    two = api.call(
        "GET", "/concepts/c/neighbourhood", params={"depth": 2, "direction": "prerequisites"}
    ).json()
    assert [(n["id"], n["distance"]) for n in two["nodes"]] == [("a", -2), ("b", -1), ("c", 0)]
    assert api.call("GET", "/concepts/c/neighbourhood", params={"depth": 11}).status_code == 422
    assert api.call("GET", "/concepts/zz/neighbourhood").status_code == 404


def test_whole_curriculum_reads_as_the_import_export_document(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.edge("a", "b", 0.5)
    api.call(
        "POST",
        "/curricula/maths/tasks",
        json={"id": "t", "title": "T", "kind": "quiz", "concepts": ["b", "a"]},
    )
    document = api.call("GET", "/curricula/maths").json()
    assert document["curriculum"] == {"id": "maths", "name": "maths", "description": ""}
    assert [c["id"] for c in document["concepts"]] == ["a", "b"]
    assert document["prerequisites"] == [{"prerequisite": "a", "concept": "b", "weight": 0.5}]
    assert document["tasks"][0]["concepts"] == ["a", "b"]
    assert api.call("GET", "/curricula/other").status_code == 404


def test_delete_refuses_while_others_depend_and_changes_nothing(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c")
    api.edge("a", "b")
    api.call(
        "POST",
        "/curricula/maths/tasks",
        json={"id": "only-a", "title": "T", "kind": "quiz", "concepts": ["a"]},
    )
    assert api.call("DELETE", "/concepts/a").status_code == 428
    refused = api.call("DELETE", "/concepts/a", if_match=api.etag("/concepts/a"))
    assert refused.status_code == 409
    assert refused.json()["dependants"] == ["b"] and refused.json()["tasks"] == ["only-a"]
    assert api.call("GET", "/concepts/a").status_code == 200
    assert api.call("GET", "/tasks/only-a").status_code == 200
    assert len(api.call("GET", "/curricula/maths").json()["prerequisites"]) == 1


def test_cascade_delete_lists_what_else_went(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c")
    api.edge("a", "b")
    api.edge("c", "a")
    api.call(
        "POST",
        "/curricula/maths/tasks",
        json={"id": "only-a", "title": "T", "kind": "quiz", "concepts": ["a"]},
    )
    api.call(
        "POST",
        "/curricula/maths/tasks",
        json={"id": "a-and-b", "title": "T", "kind": "quiz", "concepts": ["a", "b"]},
    )
    report = api.call("DELETE", "/concepts/a", params={"cascade": "true"}, if_match=api.etag("/concepts/a"))
    assert report.status_code == 200, report.text
    assert report.json() == {
        "deleted": "a",
        "cascade": True,
        "removed_prerequisites": [
            {"prerequisite": "a", "concept": "b", "weight": 1.0},
            {"prerequisite": "c", "concept": "a", "weight": 1.0},
        ],
        "deleted_tasks": ["only-a"],
        "updated_tasks": ["a-and-b"],
        "learners_with_goal": 0,
        "mastery_values_removed": 0,
    }
    assert api.call("GET", "/concepts/a").status_code == 404
    assert api.call("GET", "/tasks/only-a").status_code == 404
    survivor = api.call("GET", "/tasks/a-and-b").json()
    assert (survivor["concepts"], survivor["version"]) == (["b"], 2)
    assert api.call("GET", "/curricula/maths").json()["prerequisites"] == []


def test_delete_without_dependants_needs_no_cascade(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.edge("a", "b")
    report = api.call("DELETE", "/concepts/b", if_match=2)  # 1, moved by the edge
    assert report.status_code == 200
    assert report.json()["removed_prerequisites"] == [{"prerequisite": "a", "concept": "b", "weight": 1.0}]
    # a lost its edge with b's delete: its version moved too (3), and the one read with the edge is stale.
    refused = api.call("DELETE", "/concepts/a", if_match=2)
    assert refused.status_code == 412
    assert refused.json()["link_changes"] == ["edge a → b removed (b deleted) (version 3)"]


def structure_revision(graph: Graph) -> int:
    """The platform-wide revision mastery is stamped with (curriculum/bump_curriculum_revision)."""
    [row] = graph.read("mastery/get_ingest_context", task_ids=[], event_ids=[], erased_digests=[])
    return int(row["revision"])


def test_a_concept_delete_moves_the_structure_revision_only_when_tasks_exercised_it(api: Api) -> None:
    """The revision is global (a bump replays every learner in full at their next answer). A concept no
    task exercises is reached by no answer, so its delete changed nothing mastery traced, yet bumped it."""
    api.curriculum("maths", "a", "b")
    task = {"id": "on-a", "title": "T", "kind": "quiz", "concepts": ["a"]}
    assert api.call("POST", "/curricula/maths/tasks", json=task).status_code == 201
    revision = structure_revision(api.graph)
    assert api.call("DELETE", "/concepts/b", if_match=1).status_code == 200
    assert structure_revision(api.graph) == revision
    deleted = api.call("DELETE", "/concepts/a", params={"cascade": "true"}, if_match=api.etag("/concepts/a"))
    assert deleted.status_code == 200
    assert structure_revision(api.graph) == revision + 1


def test_an_etag_read_before_a_delete_never_matches_the_entity_created_again_with_that_id(api: Api) -> None:
    """Versions restarted at 1 on re-creation, so designer A's "1", read before designer B deleted and
    re-created the concept, overwrote B's new concept unseen. It now continues from the deleted one's."""
    api.curriculum("maths", "aba")
    assert api.call("PATCH", "/concepts/aba", json={"name": "A read me"}, if_match=1).status_code == 200
    stale = api.call("GET", "/concepts/aba").headers["etag"]  # A reads version 2
    assert api.call("DELETE", "/concepts/aba", if_match=2).status_code == 200
    again = api.call("POST", "/curricula/maths/concepts", json={"id": "aba", "name": "B's new concept"})
    assert again.status_code == 201 and again.json()["version"] == 3, again.text
    refused = api.call("PUT", "/concepts/aba", json={"name": "A's edit"}, headers={"If-Match": stale})
    assert refused.status_code == 412
    assert api.call("GET", "/concepts/aba").json()["name"] == "B's new concept"
    # The same through a task, deleted with the concept's cascade, and through an import.
    api.curriculum("other", "x")
    task = {"id": "t-aba", "title": "T", "kind": "exercise", "concepts": ["x"]}
    assert api.call("POST", "/curricula/other/tasks", json=task).status_code == 201
    x_etag = api.etag("/concepts/x")  # "2": the task moved it
    assert api.call("DELETE", "/concepts/x", params={"cascade": "true"}, if_match=x_etag).status_code == 200
    document = {
        "concepts": [{"id": "x", "name": "X again"}],
        "tasks": [task],
    }
    imported = api.call("POST", "/curricula/other/import", json=document)
    assert imported.status_code == 200, imported.text
    assert api.call("GET", "/concepts/x").json()["version"] == 3
    assert api.call("GET", "/tasks/t-aba").json()["version"] == 2


def test_the_location_of_each_create_leads_back_to_what_it_created(api: Api) -> None:
    """A curriculum's, a concept's and a task's Location, for ids with a slash and a character beyond
    latin-1 (a header carries only latin-1): each is percent-encoded and GET on it finds the entity."""
    made = api.call("POST", "/curricula", json={"id": "maths/ünf", "name": "x"})
    concept = api.call("POST", "/curricula/maths/ünf/concepts", json={"id": "Brüche/1 ½", "name": "x"})
    task = api.call(
        "POST",
        "/curricula/maths/ünf/tasks",
        json={"id": "t/ü", "title": "T", "kind": "exercise", "concepts": ["Brüche/1 ½"]},
    )
    assert [r.headers["Location"] for r in (made, concept, task)] == [
        "/curricula/maths/%C3%BCnf",
        "/concepts/Br%C3%BCche/1%20%C2%BD",
        "/tasks/t/%C3%BC",
    ]
    assert api.call("GET", made.headers["Location"]).json()["curriculum"]["id"] == "maths/ünf"
    for created in (concept, task):
        assert api.call("GET", created.headers["Location"]).json()["id"] == created.json()["id"]
