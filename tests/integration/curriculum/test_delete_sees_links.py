"""A concept's delete removes its links with it (edges both ways; tasks exercising it, deleted or trimmed).
Designer A opens concept x (its ETag, its edges and tasks); designer B then links something to x; A's
delete with the ETag it read removed B's new link, which A never saw (the page never listed it; the report
after the delete did). The platform promises no lost edits when two designers work at once: such a delete
is refused (412, naming what changed), and nothing is deleted."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.integration.api.harness import Api

TASK = {"title": "T", "kind": "quiz"}


def _task(api: Api, task_id: str, *concepts: str) -> None:
    created = api.call(
        "POST", "/curricula/maths/tasks", json={"id": task_id, **TASK, "concepts": list(concepts)}
    )
    assert created.status_code == 201, created.text


def _relink(api: Api, task_id: str, *concepts: str) -> None:
    etag = api.call("GET", f"/tasks/{task_id}").headers["ETag"]
    changed = api.call("PATCH", f"/tasks/{task_id}", json={"concepts": list(concepts)}, if_match=etag)
    assert changed.status_code == 200, changed.text


def _reweigh(api: Api, prerequisite: str, concept: str, weight: float) -> None:
    edge = api.call("GET", "/prerequisites", params={"prerequisite": prerequisite, "concept": concept})
    changed = api.call(
        "PATCH",
        "/prerequisites",
        params={"prerequisite": prerequisite, "concept": concept},
        json={"weight": weight},
        if_match=edge.headers["ETag"],
    )
    assert changed.status_code == 200, changed.text


# What designer B does after A opened x, and the words the refusal names it with.
B_CHANGES: dict[str, tuple[Callable[[Api], None], str]] = {
    "an edge out of x": (lambda api: _ok(api.edge("x", "y")), "x → y"),
    "an edge into x": (lambda api: _ok(api.edge("y", "x")), "y → x"),
    "a task exercising x only": (lambda api: _task(api, "only-x", "x"), "only-x"),
    "a task exercising x and y": (lambda api: _task(api, "x-and-y", "x", "y"), "x-and-y"),
    "a task relinked to x": (lambda api: _relink(api, "on-y", "y", "x"), "on-y"),
    "an edge's new weight": (lambda api: _reweigh(api, "z", "x", 0.25), "z → x"),
}


def _ok(response: object) -> None:
    assert response.status_code == 201, response.text  # type: ignore[attr-defined]


@pytest.mark.parametrize("cascade", [True, False], ids=["cascade", "plain"])
@pytest.mark.parametrize("change", list(B_CHANGES))
def test_a_delete_over_an_etag_read_before_another_designer_linked_the_concept_is_refused(
    api: Api, change: str, cascade: bool
) -> None:
    api.curriculum("maths", "x", "y", "z")
    _ok(api.edge("z", "x"))  # a prerequisite: a delete without cascade does not need it gone first
    _task(api, "on-y", "y")
    opened = api.call("GET", "/concepts/x")  # designer A opens x
    etag = opened.headers["ETag"]
    before = api.call("GET", "/curricula/maths").json()
    do, named = B_CHANGES[change]
    do(api)  # designer B links something to x
    after_b = api.call("GET", "/curricula/maths").json()

    params = {"cascade": "true"} if cascade else {}
    refused = api.call("DELETE", "/concepts/x", params=params, headers={"If-Match": etag})

    assert refused.status_code == 412, refused.text
    problem = refused.json()
    assert named in problem["detail"], problem["detail"]
    assert problem["current_etag"] == api.call("GET", "/concepts/x").headers["ETag"] != etag
    # Nothing was deleted: x, B's link and everything else are as B left them.
    assert api.call("GET", "/curricula/maths").json() == after_b != before
    # Having read x again (and seen B's link), A may delete it.
    again = api.call("GET", "/concepts/x").headers["ETag"]
    deleted = api.call("DELETE", "/concepts/x", params={"cascade": "true"}, headers={"If-Match": again})
    assert deleted.status_code == 200, deleted.text


def test_an_import_that_links_an_existing_concept_moves_its_etag_too(api: Api) -> None:
    api.curriculum("maths", "x", "y")
    etag = api.call("GET", "/concepts/x").headers["ETag"]  # designer A opens x
    document = {
        "concepts": [{"id": "x", "name": "X"}, {"id": "y", "name": "Y"}, {"id": "w", "name": "W"}],
        "prerequisites": [{"prerequisite": "y", "concept": "x", "weight": 1.0}],
        "tasks": [{"id": "on-x", **TASK, "concepts": ["x"]}, {"id": "on-w", **TASK, "concepts": ["w"]}],
    }
    imported = api.call("POST", "/curricula/maths/import", json=document)
    assert imported.status_code == 200, imported.text
    refused = api.call("DELETE", "/concepts/x", params={"cascade": "true"}, headers={"If-Match": etag})
    assert refused.status_code == 412, refused.text
    assert "y → x added by an import" in refused.json()["detail"]
    assert "task on-x added by an import" in refused.json()["detail"]
    assert api.call("GET", "/prerequisites", params={"prerequisite": "y", "concept": "x"}).status_code == 200
    # A concept the import created starts at version 1, whatever links the import gave it.
    assert api.call("GET", "/concepts/w").json()["version"] == 1
    # The same import again changes nothing, and moves nothing.
    again = api.call("GET", "/concepts/x").headers["ETag"]
    assert api.call("POST", "/curricula/maths/import", json=document).status_code == 200
    assert api.call("GET", "/concepts/x").headers["ETag"] == again


def test_a_save_of_the_fields_after_a_link_change_is_refused_naming_it(api: Api) -> None:
    """One ETag for the concept and its links: a PATCH over an ETag read before a link change is a 412 too
    (else its answer's ETag would cover a link its sender never saw, and pass a delete sent next); the
    refusal says only links changed, and the web page then saves again by itself (curriculum.js)."""
    api.curriculum("maths", "x", "y")
    etag = api.call("GET", "/concepts/x").headers["ETag"]
    _ok(api.edge("x", "y"))
    refused = api.call("PATCH", "/concepts/x", json={"name": "Renamed"}, headers={"If-Match": etag})
    assert refused.status_code == 412
    assert refused.json()["link_changes"] == ["edge x → y added (version 2)"]
    assert "its fields" not in refused.json()["detail"]
    assert api.call("GET", "/concepts/x").json()["name"] == "X"
