"""Designers working at once, over real HTTP: each designer a client with its own connection to the API
served by uvicorn, released together by a barrier, round after round.

Every curriculum writer takes its curriculum's lock first (`curriculum.store.lock_owning_curricula`),
then locks and reads what it checks, decides, and writes in the same transaction; so two requests that
are each valid alone are judged one after the other: the second sees the first's commit.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import networkx as nx
import pytest
import redis

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.settings import Settings
from tests.integration.live_api import at_once, served_api

ROUNDS = 8


@pytest.fixture
def designers(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[list[httpx.Client]]:
    """Three designers' clients on the served API, and curriculum m."""
    with served_api(settings, graph) as live:
        clients = [live.client(Role.DESIGNER) for _ in range(3)]
        assert clients[0].post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
        yield clients
        for client in clients:
            client.close()


def concepts(client: httpx.Client, *ids: str) -> None:
    for concept_id in ids:
        response = client.post("/curricula/m/concepts", json={"id": concept_id, "name": concept_id})
        assert response.status_code == 201, response.text


def edge(client: httpx.Client, prerequisite: str, concept: str) -> httpx.Response:
    return client.post("/prerequisites", json={"prerequisite": prerequisite, "concept": concept})


def document(client: httpx.Client) -> dict[str, Any]:
    response = client.get("/curricula/m")
    assert response.status_code == 200, response.text
    return response.json()


def assert_whole_and_acyclic(client: httpx.Client) -> dict[str, Any]:
    """No prerequisite cycle, and no edge or task naming a concept that is not there."""
    stored = document(client)
    ids = {c["id"] for c in stored["concepts"]}
    pairs = [(p["prerequisite"], p["concept"]) for p in stored["prerequisites"]]
    assert {end for pair in pairs for end in pair} <= ids, pairs
    assert {c for t in stored["tasks"] for c in t["concepts"]} <= ids, stored["tasks"]
    assert nx.is_directed_acyclic_graph(nx.DiGraph(pairs)), pairs
    return stored


def edge_creations(client: httpx.Client, concept_id: str) -> Counter[tuple[str, str]]:
    """The `create` entries of edges in a concept's audit trail, per edge."""
    response = client.get(f"/concepts/{concept_id}/audit", params={"limit": 100})
    assert response.status_code == 200, response.text
    return Counter(
        (e["prerequisite"], e["concept"])
        for e in response.json()["items"]
        if e["entity_type"] == "prerequisite" and e["action"] == "create"
    )


def test_edges_posted_at_once_that_close_a_cycle_together_cannot_both_be_made(
    designers: list[httpx.Client],
) -> None:
    """Each edge is acyclic alone. x -> y against y -> x share their concepts, whose locks alone would
    order them; q -> s against u -> p, with p -> q and s -> u stored, share none (the cycle p -> q -> s ->
    u -> p closes only with both): only the curriculum's lock, which every writer takes first, orders those.
    One edge is created, the other is the 409 naming the cycle it would close."""
    first, second, _ = designers
    for r in range(ROUNDS):
        x, y, p, q, s, u = (f"{name}{r}" for name in "xypqsu")
        concepts(first, x, y, p, q, s, u)
        assert edge(first, p, q).status_code == edge(first, s, u).status_code == 201
        two = at_once(lambda x=x, y=y: edge(first, x, y), lambda x=x, y=y: edge(second, y, x))
        four = at_once(lambda q=q, s=s: edge(first, q, s), lambda p=p, u=u: edge(second, u, p))
        for outcome in (two, four):
            assert sorted(o.status_code for o in outcome) == [201, 409], [o.text for o in outcome]
            refused = next(o for o in outcome if o.status_code == 409).json()
            assert refused["field"] == "prerequisite" and refused["cycle"][0] == refused["cycle"][-1], refused
        won = {(o.json()["prerequisite"], o.json()["concept"]) for o in (*two, *four) if o.status_code == 201}
        # The trails hold the edge made, once, and never the one refused.
        for concept_id in (y, p):
            assert edge_creations(first, concept_id) == Counter(
                pair for pair in won | {(p, q)} if concept_id in pair
            )
    stored = assert_whole_and_acyclic(first)
    assert len(stored["prerequisites"]) == 4 * ROUNDS


def test_a_concept_deleted_while_a_task_and_an_edge_naming_it_are_added_leaves_no_dangling_id(
    designers: list[httpx.Client],
) -> None:
    """Each of the three requests is valid when sent. Whichever commits first, the graph names no deleted
    concept: a task or edge added before the delete goes with it (the cascade), one after is the 404 of an
    unknown concept."""
    deleter, tasker, linker = designers
    statuses: Counter[tuple[int, int]] = Counter()
    for r in range(ROUNDS):
        gone, kept = f"gone{r}", f"kept{r}"
        concepts(deleter, gone, kept)
        etag = deleter.get(f"/concepts/{gone}").headers["ETag"]
        task = {"id": f"t{r}", "title": "T", "kind": "quiz", "concepts": [gone, kept]}
        deleted, added_task, added_edge = at_once(
            lambda gone=gone, etag=etag: deleter.delete(
                f"/concepts/{gone}", params={"cascade": "true"}, headers={"If-Match": etag}
            ),
            lambda task=task: tasker.post("/curricula/m/tasks", json=task),
            lambda gone=gone, kept=kept: edge(linker, kept, gone),
        )
        # The delete itself may find the concept's ETag moved by a task or edge committed first (412): the
        # designer read it before they were added. Then the task and edge stand, whole.
        assert deleted.status_code in (200, 412), deleted.text
        assert added_task.status_code in (201, 404), added_task.text
        assert added_edge.status_code in (201, 404), added_edge.text
        statuses[(added_task.status_code, added_edge.status_code)] += 1
        stored = assert_whole_and_acyclic(deleter)
        if deleted.status_code == 200:
            report = deleted.json()
            assert gone not in {c["id"] for c in stored["concepts"]}
            # What the delete reports removing is exactly what the requests that beat it added.
            assert bool(report["removed_prerequisites"]) == (added_edge.status_code == 201), report
            assert bool(report["updated_tasks"]) == (added_task.status_code == 201), report
        else:  # refused, nothing deleted: both additions stand
            assert (added_task.status_code, added_edge.status_code) == (201, 201)
        for response in (added_task, added_edge):
            if response.status_code == 404:
                assert gone in response.json()["unknown_ids"], response.text
    assert sum(statuses.values()) == ROUNDS


def test_writers_holding_one_etag_one_wins_and_the_trail_has_its_edit_only(
    designers: list[httpx.Client],
) -> None:
    concepts(designers[0], "a")
    for r in range(ROUNDS):
        etag = designers[0].get("/concepts/a").headers["ETag"]
        outcomes = at_once(
            *[
                lambda c=c, k=k, r=r, etag=etag: c.patch(
                    "/concepts/a", json={"name": f"r{r}-w{k}"}, headers={"If-Match": etag}
                )
                for k, c in enumerate(designers)
            ]
        )
        assert sorted(o.status_code for o in outcomes) == [200, 412, 412], [o.text for o in outcomes]
        winner = next(o.json()["name"] for o in outcomes if o.status_code == 200)
        assert designers[0].get("/concepts/a").json()["name"] == winner
    trail = designers[0].get("/concepts/a/audit", params={"limit": 100}).json()["items"]
    updates = [e["new"]["name"] for e in trail if e["action"] == "update"]
    # Newest first: one entry per round, each the round's winner, in the order the rounds ran.
    assert [name.split("-")[0] for name in reversed(updates)] == [f"r{r}" for r in range(ROUNDS)]


def test_an_import_and_an_edit_closing_a_cycle_together_cannot_both_commit(
    designers: list[httpx.Client],
) -> None:
    """An import's validation reads the graph before its transaction; it checks its rows again under the
    curriculum's lock (`import_service.recheck`). An import adding x -> y racing a POST of y -> x: one is
    stored, the other refused (the import's 409 or 422, the edge's 409)."""
    first, second, _ = designers
    for r in range(ROUNDS):
        x, y = f"x{r}", f"y{r}"
        concepts(first, x, y)
        body = {
            "curriculum": {"id": "m", "name": "m"},
            "concepts": [],
            "prerequisites": [{"prerequisite": x, "concept": y}],
            "tasks": [],
        }
        imported, posted = at_once(
            lambda body=body: first.post("/curricula/m/import", json=body),
            lambda x=x, y=y: edge(second, y, x),
        )
        assert imported.status_code in (200, 409, 422), imported.text
        assert posted.status_code in (201, 409), posted.text
        assert (imported.status_code == 200) != (posted.status_code == 201), (imported.text, posted.text)
    assert_whole_and_acyclic(first)


def test_two_imports_creating_one_curriculum_at_once_are_judged_one_after_the_other(
    designers: list[httpx.Client],
) -> None:
    """Neither import's validation sees the other's curriculum (neither exists yet); the MERGE of the
    curriculum's unique id makes the second wait, which then checks its rows against the first's. Opposite
    edges: one 200, one 409. The same edge, other names: both stored, the trail saying which came last."""
    first, second, _ = designers

    def document_of(curriculum_id: str, r: int, name: str, edge: tuple[str, str]) -> dict[str, Any]:
        return {
            "curriculum": {"id": curriculum_id, "name": name},
            "concepts": [{"id": f"x{r}", "name": "X"}, {"id": f"y{r}", "name": "Y"}],
            "prerequisites": [{"prerequisite": edge[0], "concept": edge[1]}],
            "tasks": [{"id": f"t{r}", "title": name, "kind": "quiz", "concepts": [f"x{r}"]}],
        }

    for r in range(ROUNDS):
        x, y = f"x{r}", f"y{r}"
        same_edge = r % 2 == 1
        curriculum_id = f"new{r}"
        one = document_of(curriculum_id, r, "A", (x, y))
        other = document_of(curriculum_id, r, "B", (x, y) if same_edge else (y, x))
        outcomes = at_once(
            lambda one=one, c=curriculum_id: first.post(f"/curricula/{c}/import", json=one),
            lambda other=other, c=curriculum_id: second.post(f"/curricula/{c}/import", json=other),
        )
        stored = first.get(f"/curricula/{curriculum_id}").json()
        assert len(stored["prerequisites"]) == 1, stored
        if not same_edge:
            assert sorted(o.status_code for o in outcomes) == [200, 409], [o.text for o in outcomes]
            continue
        assert [o.status_code for o in outcomes] == [200, 200], [o.text for o in outcomes]
        trail = first.get(f"/curricula/{curriculum_id}/audit", params={"limit": 100}).json()["items"]
        renamed = [e for e in trail if e["entity_type"] == "curriculum" and (e["new"] or {}).get("name")]
        retitled = [e for e in trail if e["entity_type"] == "task"]
        # The later import overwrote the earlier one's name and title, and its entries say so, once each.
        assert len(renamed) == len(retitled) == 1, trail
        assert stored["curriculum"]["name"] == renamed[0]["new"]["name"] == retitled[0]["new"]["title"]
        assert [t["title"] for t in stored["tasks"]] == [stored["curriculum"]["name"]]
