"""Every path that changes a concept's links moves its version (its ETag) once, and none that changes
nothing moves it (a review of the link-version change, s37): no link reaches another curriculum (so a
412's link changes never name its ids), the no-ops (a task saved unchanged or with its concepts in
another order, a weight set to its current value, an import skipping its invalid rows), and one move per
concept for a change that touches it twice (a relink, a cascade delete removing an edge and trimming a
task of the same neighbour)."""

from __future__ import annotations

from tests.integration.api.harness import Api

TASK = {"title": "T", "kind": "quiz"}


def _version(api: Api, concept_id: str) -> int:
    response = api.call("GET", f"/concepts/{concept_id}")
    assert response.status_code == 200, response.text
    return int(response.json()["version"])


def test_no_link_reaches_another_curriculum_so_no_412_names_its_ids(api: Api) -> None:
    """A 412 names the link changes of the concept (edges, tasks): those could name another curriculum's
    concepts and tasks only through a link across curricula. Every way to make one is refused, by the API
    and by an import, and the other curriculum's concept keeps its version."""
    api.curriculum("maths", "x", "y")
    api.curriculum("physics", "p")
    before = {c: _version(api, c) for c in ("x", "y", "p")}
    assert api.edge("x", "p").status_code == 422
    assert api.edge("p", "x").status_code == 422
    task = api.call("POST", "/curricula/physics/tasks", json={"id": "pt", **TASK, "concepts": ["p", "x"]})
    assert task.status_code == 422, task.text
    document = {
        "concepts": [{"id": "p", "name": "P"}],
        "prerequisites": [{"prerequisite": "x", "concept": "p", "weight": 1.0}],
        "tasks": [{"id": "p-and-y", **TASK, "concepts": ["p", "y"]}],
    }
    imported = api.call("POST", "/curricula/physics/import", json=document)
    assert imported.status_code == 422, imported.text
    skipping = api.call("POST", "/curricula/physics/import", params={"skip_invalid": "true"}, json=document)
    assert skipping.status_code == 200, skipping.text
    assert {c: _version(api, c) for c in ("x", "y", "p")} == before


def test_changes_that_change_nothing_move_no_version(api: Api) -> None:
    api.curriculum("maths", "x", "y")
    assert api.edge("x", "y", 0.5).status_code == 201
    created = api.call("POST", "/curricula/maths/tasks", json={"id": "t", **TASK, "concepts": ["x", "y"]})
    assert created.status_code == 201, created.text
    before = {c: _version(api, c) for c in ("x", "y")}

    same = api.call(
        "PATCH", "/tasks/t", json={"title": "T", "concepts": ["y", "x"]}, if_match=api.etag("/tasks/t")
    )
    assert same.status_code == 200, same.text
    params = {"prerequisite": "x", "concept": "y"}
    weight = api.call(
        "PATCH",
        "/prerequisites",
        params=params,
        json={"weight": 0.5},
        if_match=api.call("GET", "/prerequisites", params=params).headers["ETag"],
    )
    assert weight.status_code == 200, weight.text
    assert {c: _version(api, c) for c in ("x", "y")} == before


def test_one_change_moves_each_concept_it_links_once(api: Api) -> None:
    """A task relinked from x to y, and a cascade delete removing an edge and trimming a task of the same
    neighbour: one step each."""
    api.curriculum("maths", "x", "y", "z")
    created = api.call("POST", "/curricula/maths/tasks", json={"id": "t", **TASK, "concepts": ["x", "z"]})
    assert created.status_code == 201, created.text
    assert api.edge("x", "z").status_code == 201
    before = {c: _version(api, c) for c in ("x", "y", "z")}
    relinked = api.call("PATCH", "/tasks/t", json={"concepts": ["y", "z"]}, if_match=api.etag("/tasks/t"))
    assert relinked.status_code == 200, relinked.text
    assert {c: _version(api, c) - before[c] for c in ("x", "y", "z")} == {"x": 1, "y": 1, "z": 1}
    created = api.call("POST", "/curricula/maths/tasks", json={"id": "u", **TASK, "concepts": ["x", "z"]})
    assert created.status_code == 201, created.text
    before = _version(api, "z")
    deleted = api.call("DELETE", "/concepts/x", params={"cascade": "true"}, if_match=api.etag("/concepts/x"))
    assert deleted.status_code == 200, deleted.text
    assert _version(api, "z") == before + 1  # edge x → z removed and task u trimmed: one move
