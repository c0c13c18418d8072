"""Prerequisite edges over HTTP: each refusal names its problem and writes nothing."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import pytest

from kgplatform.curriculum import prerequisites
from kgplatform.curriculum.models import PrerequisiteIn
from kgplatform.errors import Conflict
from tests.integration.api.harness import Api


def edges(api: Api, curriculum_id: str = "maths") -> list[tuple[str, str]]:
    document = api.call("GET", f"/curricula/{curriculum_id}").json()
    return [(e["prerequisite"], e["concept"]) for e in document["prerequisites"]]


def audit_total(api: Api, curriculum_id: str = "maths") -> int:
    return int(api.call("GET", f"/curricula/{curriculum_id}/audit").json()["total"])


def test_add_with_weight_and_remove(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    added = api.edge("a", "b", 0.25)
    assert added.status_code == 201
    assert (added.json()["prerequisite"], added.json()["concept"], added.json()["weight"]) == ("a", "b", 0.25)
    assert (
        api.call("DELETE", "/prerequisites", params={"prerequisite": "a", "concept": "b"}).status_code == 204
    )
    assert edges(api) == []
    again = api.call("DELETE", "/prerequisites", params={"prerequisite": "a", "concept": "b"})
    assert again.status_code == 404 and "not a prerequisite" in again.json()["detail"]


def test_unknown_ids_are_404_naming_each_missing_one(api: Api) -> None:
    api.curriculum("maths", "a")
    before = audit_total(api)
    one = api.edge("a", "ghost")
    assert one.status_code == 404
    assert one.json()["unknown_ids"] == ["ghost"] and one.json()["field"] == "concept"
    both = api.edge("nope", "ghost")
    assert both.json()["unknown_ids"] == ["nope", "ghost"]
    assert "prerequisite 'nope' and concept 'ghost'" in both.json()["detail"]
    assert edges(api) == [] and audit_total(api) == before


def test_duplicate_edge_is_409(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    api.edge("a", "b")
    before = audit_total(api)
    duplicate = api.edge("a", "b", 0.5)
    assert duplicate.status_code == 409 and "already a prerequisite" in duplicate.json()["detail"]
    assert api.call("GET", "/curricula/maths").json()["prerequisites"][0]["weight"] == 1.0
    assert audit_total(api) == before


def test_self_loop_is_422(api: Api) -> None:
    api.curriculum("maths", "a")
    response = api.edge("a", "a")
    assert response.status_code == 422 and "self-loop" in response.text
    assert [e["field"] for e in response.json()["errors"]] == ["concept"]
    assert edges(api) == []


def test_cycle_is_409_listing_the_cycle_in_order(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c", "d")
    for p, c in [("a", "b"), ("b", "c"), ("c", "d")]:
        api.edge(p, c)
    before = audit_total(api)
    response = api.edge("d", "a")
    assert response.status_code == 409
    assert response.json()["cycle"] == ["d", "a", "b", "c", "d"]
    assert "d -> a -> b -> c -> d" in response.json()["detail"]
    assert ("d", "a") not in edges(api) and audit_total(api) == before
    # A shortcut that keeps the graph acyclic is fine.
    assert api.edge("a", "d").status_code == 201


def test_edges_stay_within_one_curriculum(api: Api) -> None:
    api.curriculum("maths", "a")
    api.curriculum("physics", "p")
    response = api.edge("a", "p")
    assert response.status_code == 422 and "one curriculum" in response.json()["detail"]


@pytest.mark.parametrize("weight", [-1.0, "0.8", True])  # a JSON number only: "0.8" and true were read as one
def test_invalid_weight_is_422_naming_it(api: Api, weight: Any) -> None:
    api.curriculum("maths", "a", "b")
    response = api.call(
        "POST", "/prerequisites", json={"prerequisite": "a", "concept": "b", "weight": weight}
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["weight"]
    assert api.call("GET", "/curricula/maths").json()["prerequisites"] == []


def add_concurrently(
    api: Api, pairs: list[tuple[str, str]], barrier: threading.Barrier | None = None
) -> list[str]:
    """Each pair added from its own thread (all starting at `barrier` when given); "created" or
    "refused: <cycle>" per pair, sorted."""
    outcomes: list[str] = []

    def add(prerequisite: str, concept: str) -> None:
        if barrier is not None:
            barrier.wait()
        try:
            prerequisites.add_prerequisite(
                api.graph, PrerequisiteIn(prerequisite=prerequisite, concept=concept), "t"
            )
            outcomes.append("created")
        except Conflict as error:
            outcomes.append(f"refused: {' '.join(error.details.get('cycle', []))}")

    threads = [threading.Thread(target=add, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(outcomes)


def test_two_concurrent_additions_cannot_close_a_cycle_together(api: Api) -> None:
    """a->b and b->a at once: each check alone passes on the old graph; the locks serialise them."""
    api.curriculum("maths", "a", "b")
    outcomes = add_concurrently(api, [("a", "b"), ("b", "a")], threading.Barrier(2))
    assert outcomes[0] == "created" and outcomes[1].startswith("refused")
    assert len(edges(api)) == 1


def test_two_concurrent_additions_without_a_shared_concept_cannot_close_a_cycle(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    """b->c and d->a stored; a->b and c->d at once. Each locks its own two concepts, so only the
    curriculum lock stops both path checks from passing on the old graph. Each decision waits (up to
    2 s) for the other to have checked too: without that lock both get there, and both edges land."""
    api.curriculum("maths", "a", "b", "c", "d")
    assert api.edge("b", "c").status_code == 201 and api.edge("d", "a").status_code == 201
    barrier = threading.Barrier(2)
    decide = prerequisites.decide_addition

    def decide_together(body: PrerequisiteIn, actor: str, context: Any) -> Any:
        with contextlib.suppress(threading.BrokenBarrierError):  # the other one waits for our lock
            barrier.wait(timeout=2)
        return decide(body, actor, context)

    monkeypatch.setattr(prerequisites, "decide_addition", decide_together)
    outcomes = add_concurrently(api, [("a", "b"), ("c", "d")])
    assert outcomes[0] == "created" and outcomes[1].startswith("refused")
    assert len(edges(api)) == 3


def edge_params(prerequisite: str = "a", concept: str = "b") -> dict[str, str]:
    return {"prerequisite": prerequisite, "concept": concept}


def set_weight(api: Api, weight: float, if_match: str, prerequisite: str = "a", concept: str = "b") -> Any:
    """PATCH the weight of prerequisite -> concept with `if_match`."""
    params = edge_params(prerequisite, concept)
    return api.call(
        "PATCH", "/prerequisites", params=params, json={"weight": weight}, headers={"If-Match": if_match}
    )


def test_a_weight_change_needs_the_etag_read_and_a_stale_one_changes_nothing(api: Api) -> None:
    """Two designers read the edge a -> b; one changes its weight; the other's change, sent with the ETag
    it read, is a 412 naming the weight now, and writes nothing. Before, the only way to change a weight
    was DELETE then POST, with no check at all: the second designer's edit silently replaced the first's."""
    api.curriculum("maths", "a", "b")
    created = api.edge("a", "b", 0.5)
    curriculum_tag = api.call("GET", "/curricula/maths").headers["ETag"]
    read = api.call("GET", "/prerequisites", params=edge_params())
    assert read.status_code == 200 and read.json()["weight"] == 0.5
    assert read.headers["ETag"] == created.headers["ETag"] and read.headers["ETag"].startswith(
        '"prerequisite@'
    )
    first = set_weight(api, 0.8, read.headers["ETag"])
    assert first.status_code == 200 and first.json()["weight"] == 0.8
    assert first.headers["ETag"] != read.headers["ETag"]
    # The curriculum's ETag moves with it, so an import guarded by an export read before is refused.
    assert api.call("GET", "/curricula/maths").headers["ETag"] != curriculum_tag
    before = audit_total(api)
    second = set_weight(api, 0.3, read.headers["ETag"])
    assert second.status_code == 412 and second.json()["field"] == "If-Match"
    assert "weight is now 0.8" in second.json()["detail"]
    assert second.json()["current_etag"] == first.headers["ETag"]
    assert api.call("GET", "/curricula/maths").json()["prerequisites"][0]["weight"] == 0.8
    assert audit_total(api) == before
    # The ETag the first change returned works; the change is in the audit trail with both weights.
    third = set_weight(api, 0.3, first.headers["ETag"])
    assert third.status_code == 200 and third.json()["weight"] == 0.3
    newest = api.call("GET", "/curricula/maths/audit").json()["items"][0]
    assert (newest["action"], newest["entity_id"]) == ("update", "a -> b")
    assert (newest["old"], newest["new"]) == ({"weight": 0.8}, {"weight": 0.3})


def test_a_weight_change_without_a_usable_if_match_or_valid_weight_is_refused_naming_why(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    tag = api.edge("a", "b", 0.5).headers["ETag"]
    before = audit_total(api)

    def patch(body: Any, if_match: str | None, **params: str) -> Any:
        headers = {} if if_match is None else {"If-Match": if_match}
        return api.call("PATCH", "/prerequisites", params=edge_params(**params), json=body, headers=headers)

    assert patch({"weight": 0.7}, None).status_code == 428
    assert patch({"weight": 0.7}, "*").status_code == 428
    not_edge = patch({"weight": 0.7}, '"3"')  # a concept's ETag
    assert not_edge.status_code == 422 and "not a prerequisite edge's ETag" in not_edge.json()["detail"]
    negative = patch({"weight": -1}, tag)
    assert negative.status_code == 422 and "weight" in negative.text
    for not_a_number in ("0.7", True):
        typed = patch({"weight": not_a_number}, tag)
        assert typed.status_code == 422 and typed.json()["field"] == "weight", typed.text
    unknown_field = patch({"weight": 0.7, "colour": "red"}, tag)
    assert unknown_field.status_code == 422 and "colour" in unknown_field.text
    missing = patch({"weight": 0.7}, tag, concept="ghost")
    assert missing.status_code == 404 and missing.json()["unknown_ids"] == ["ghost"]
    assert api.call("GET", "/prerequisites", params=edge_params("b", "a")).status_code == 404
    assert api.call("GET", "/curricula/maths").json()["prerequisites"][0]["weight"] == 0.5
    assert audit_total(api) == before
    # The same weight again: 200, nothing written, the ETag unchanged.
    same = patch({"weight": 0.5}, tag)
    assert same.status_code == 200 and same.headers["ETag"] == tag and audit_total(api) == before


def test_an_edge_removed_and_added_again_is_not_the_edge_a_client_read(api: Api) -> None:
    """Same weight, same ends: the old ETag must still fail, or an edit based on the removed edge would
    overwrite a decision made since. A guarded removal checks the ETag too; an unguarded one still works."""
    api.curriculum("maths", "a", "b")
    old = api.edge("a", "b", 0.5).headers["ETag"]
    assert api.call("DELETE", "/prerequisites", params=edge_params()).status_code == 204
    new = api.edge("a", "b", 0.5).headers["ETag"]
    assert new != old
    stale = set_weight(api, 0.9, old)
    assert stale.status_code == 412
    stale_delete = api.call("DELETE", "/prerequisites", params=edge_params(), headers={"If-Match": old})
    assert stale_delete.status_code == 412 and edges(api) == [("a", "b")]
    guarded = api.call("DELETE", "/prerequisites", params=edge_params(), headers={"If-Match": new})
    assert guarded.status_code == 204 and edges(api) == []


def test_the_neighbourhood_gives_each_edge_the_etag_a_change_of_it_sends(api: Api) -> None:
    """The web page changes a weight from the neighbourhood it drew: the ETag must be that of the edge as
    drawn, so a change made since is a 412 for it."""
    api.curriculum("maths", "a", "b", "c")
    api.edge("a", "b", 0.5)
    api.edge("b", "c", 0.25)
    hood = api.call("GET", "/concepts/b/neighbourhood", params={"depth": 1}).json()
    tags = {(e["prerequisite"], e["concept"]): e["etag"] for e in hood["edges"]}
    for prerequisite, concept in (("a", "b"), ("b", "c")):
        read = api.call("GET", "/prerequisites", params=edge_params(prerequisite, concept))
        assert tags[(prerequisite, concept)] == read.headers["ETag"]
    changed = set_weight(api, 0.6, tags[("a", "b")])
    assert changed.status_code == 200
    drawn_before = set_weight(api, 0.7, tags[("a", "b")])
    assert drawn_before.status_code == 412
