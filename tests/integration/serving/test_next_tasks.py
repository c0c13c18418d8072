"""GET /learners/{id}/next-tasks: computed on a miss and cached, served from Redis on a hit
(without Neo4j), limited, and refused with a clear problem+json when it cannot answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import redis

from kgplatform.api.plan_serving import ANSWERED_REASON, PENDING_REASON
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.jobs.debounce import Debouncer
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import plan_key
from tests.integration.serving.conftest import CURRICULUM, LEARNER, Served, World

PATH = f"/learners/{LEARNER}/next-tasks"


def assert_problem(response: object, status: int, field: str | None = None) -> dict:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.headers["content-type"] == "application/problem+json"  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert body["status"] == status and body["title"] and body["detail"]
    if field is not None:
        assert body["field"] == field, body
    return body


def test_a_miss_computes_caches_and_the_next_call_is_a_cache_hit(
    api: Served, world: World, redis_client: redis.Redis
) -> None:
    first = api.get(PATH)
    assert first.status_code == 200, first.text
    plan = first.json()
    assert plan["source"] == "computed" and plan["learner_id"] == LEARNER
    assert plan["curriculum_id"] == CURRICULUM and not plan["stale"] and plan["stale_because"] == []
    assert plan["model_version"].startswith("planner-") and plan["age_s"] < 60
    assert [t["rank"] for t in plan["tasks"]] == list(range(1, len(plan["tasks"]) + 1))
    assert all(t["reason"] and t["task_id"] in world.tasks for t in plan["tasks"])
    assert json.loads(redis_client.get(plan_key(LEARNER)) or b"{}")["id"] == plan["plan_id"]

    again = api.get(PATH, params={"limit": 2}).json()
    assert again["source"] == "cache" and again["plan_id"] == plan["plan_id"]
    assert again["tasks"] == plan["tasks"][:2]
    metrics = api.client.get("/metrics").text
    assert 'kgp_plan_cache_lookups_total{result="cache"} 1.0' in metrics
    assert 'kgp_plan_cache_lookups_total{result="computed"} 1.0' in metrics
    assert 'route="/learners/{learner_id}/next-tasks",status="200"' in metrics


def test_a_cache_hit_never_touches_neo4j(api: Served, world: World) -> None:
    assert api.get(PATH).status_code == 200

    def no_neo4j(*_: object, **__: object) -> None:
        raise AssertionError("the cache path opened a Neo4j session")

    graph: Graph = api.client.app.state.graph  # type: ignore[attr-defined]
    original = graph.session
    graph.session = no_neo4j  # type: ignore[method-assign]
    try:
        hit = api.get(PATH)
    finally:
        graph.session = original  # type: ignore[method-assign]
    assert hit.status_code == 200 and hit.json()["source"] == "cache"
    # The fast path's answer too is kept out of shared caches (the key is a header they do not know).
    assert hit.headers["cache-control"] == "no-store" and hit.headers["x-content-type-options"] == "nosniff"


def test_cached_plan_of_an_older_planner_is_recomputed(
    api: Served, world: World, redis_client: redis.Redis
) -> None:
    first = api.get(PATH).json()
    cached = json.loads(redis_client.get(plan_key(LEARNER)) or b"{}")
    cached["model_version"] = "planner-0+old"
    redis_client.set(plan_key(LEARNER), json.dumps(cached))
    again = api.get(PATH).json()
    assert again["source"] in ("computed", "graph") and again["model_version"] == first["model_version"]


def test_age_comes_from_the_plan_time(api: Served, world: World, redis_client: redis.Redis) -> None:
    api.get(PATH)
    cached = json.loads(redis_client.get(plan_key(LEARNER)) or b"{}")
    cached["created_at"] = (datetime.now(UTC) - timedelta(hours=2)).isoformat()
    redis_client.set(plan_key(LEARNER), json.dumps(cached))
    assert api.get(PATH).json()["age_s"] == pytest.approx(7200, abs=30)


def test_unknown_learner_is_404_naming_it_and_nothing_is_cached(
    api: Served, world: World, redis_client: redis.Redis
) -> None:
    body = assert_problem(api.get("/learners/nobody/next-tasks"), 404, "learner_id")
    assert "'nobody' does not exist" in body["detail"]
    assert not redis_client.exists(plan_key("nobody"))


def test_learner_without_curriculum_must_name_one(api: Served, world: World, graph: Graph) -> None:
    MasteryService(MasteryStore(graph)).set_interests("newcomer", ["algebra"])
    assert_problem(api.get("/learners/newcomer/next-tasks"), 422, "curriculum_id")
    named = api.get("/learners/newcomer/next-tasks", params={"curriculum_id": CURRICULUM})
    assert named.status_code == 200 and named.json()["placement"]
    assert_problem(api.get("/learners/newcomer/next-tasks", params={"curriculum_id": "nope"}), 404)


@pytest.mark.parametrize("limit", ["0", "101", "ten"])
def test_limit_out_of_range_is_422_naming_it(api: Served, world: World, limit: str) -> None:
    body = assert_problem(api.get(PATH, params={"limit": limit}), 422)
    assert body["errors"][0]["field"] == "limit"


def test_roles_and_keys(api: Served, world: World) -> None:
    assert_problem(api.client.get(PATH), 401, "X-API-Key")
    assert_problem(api.client.get(PATH, headers={"X-API-Key": "kgp_wrong"}), 401, "X-API-Key")
    assert_problem(api.get(PATH, role=Role.DESIGNER), 403, "X-API-Key")
    assert api.get(PATH, role=Role.ADMIN).status_code == 200


def test_answers_since_the_plan_mark_the_cached_plan_stale_until_the_worker_replaces_it(
    api: Served, world: World, redis_client: redis.Redis
) -> None:
    assert not api.get(PATH).json()["stale"]
    posted = api.client.post(
        "/answers",
        headers=api.headers(),
        json={
            "event_id": "e-stale",
            "learner_id": LEARNER,
            "task_id": world.tasks[0],
            "correct": True,
            "answered_at": datetime.now(UTC).isoformat(),
        },
    )
    assert posted.status_code == 200, posted.text
    shown = api.get(PATH).json()  # no worker runs here: the recomputation stays pending
    assert shown["source"] == "cache" and shown["stale"]
    assert shown["stale_because"] == [PENDING_REASON]
    Debouncer(redis_client, 2.0).clear_many(
        [LEARNER]
    )  # what the worker does as it starts (or the guard expiring)
    shown = api.get(PATH).json()  # the old plan still predates the answer: never presented as fresh
    assert shown["source"] == "cache" and shown["stale_because"] == [ANSWERED_REASON]
    redis_client.delete(plan_key(LEARNER))  # the worker's replacement: a plan made after the answer
    replaced = api.get(PATH).json()
    assert replaced["source"] == "computed" and not replaced["stale"]
    again = api.get(PATH).json()  # cached now, and fresh: made after the answer
    assert again["source"] == "cache" and not again["stale"] and again["plan_id"] == replaced["plan_id"]


@pytest.mark.parametrize(("path", "body"), [("goals", "concept_ids"), ("interests", "tags")])
def test_new_goals_or_interests_mark_the_cached_plan_stale(
    api: Served, world: World, redis_client: redis.Redis, path: str, body: str
) -> None:
    """The cached plan was made for the old goals: after PUT it is never shown as fresh (before, the
    Redis-only path kept serving it as fresh until the nightly batch)."""
    assert not api.get(PATH).json()["stale"]
    value = world.concepts[:1] if path == "goals" else ["algebra"]
    put = api.client.put(f"/learners/{LEARNER}/{path}", headers=api.headers(), json={body: value})
    assert put.status_code == 200, put.text
    shown = api.get(PATH).json()  # no worker runs here: the recomputation stays pending
    assert shown["source"] == "cache" and shown["stale_because"] == [PENDING_REASON]
    Debouncer(redis_client, 2.0).clear_many([LEARNER])
    assert api.get(PATH).json()["stale_because"] == [ANSWERED_REASON]


@pytest.mark.parametrize(("path", "body"), [("goals", "concept_ids"), ("interests", "tags")])
def test_a_plan_made_after_the_change_is_fresh_while_the_recomputation_is_still_pending(
    api: Served, world: World, redis_client: redis.Redis, path: str, body: str
) -> None:
    """A plan computed on a miss just after new goals or interests was served fresh, then, from the
    cache, flagged stale while the pending mark waited for a worker (1.5 s; 100 s with no worker),
    then fresh again: the mark alone was read as staleness."""
    value = world.concepts[:1] if path == "goals" else ["algebra"]
    put = api.client.put(f"/learners/{LEARNER}/{path}", headers=api.headers(), json={body: value})
    assert put.status_code == 200, put.text
    assert redis_client.exists(f"kgp:debounce:plan:{LEARNER}")  # no worker here: still pending
    redis_client.delete(plan_key(LEARNER))  # no cached plan: the next request plans on the spot
    computed = api.get(PATH).json()
    assert computed["source"] == "computed" and not computed["stale"]
    cached = api.get(PATH).json()
    assert cached["source"] == "cache" and cached["plan_id"] == computed["plan_id"]
    assert not cached["stale"] and cached["stale_because"] == []


def test_a_curriculum_edit_replaces_the_cached_plan_within_the_poll(
    serve: Any, world: World, redis_client: redis.Redis
) -> None:
    """A cache hit reads Redis alone, so it never saw a curriculum edit: the plan was served as fresh
    until the learner answered again or the nightly batch ran. The process polls when curricula changed
    (`change_poll_s`); a cached plan older than an edit is then replaced on the spot (nothing else would
    recompute it: a black-box test found a learner left on an empty plan after tasks were added)."""
    import time

    with serve(change_poll_s=0.1) as api:
        assert api.get(PATH).json()["source"] == "computed"
        time.sleep(0.3)  # a poll after the plan: the times it saw are the plan's own
        fresh = api.get(PATH).json()
        assert fresh["source"] == "cache" and fresh["stale_because"] == []
        concept = world.concepts[0]
        etag = api.get(f"/concepts/{concept}", role=Role.DESIGNER).headers["etag"]
        edit = api.client.patch(
            f"/concepts/{concept}",
            headers={**api.headers(Role.DESIGNER), "If-Match": etag},
            json={"name": "Renamed for the test"},
        )
        assert edit.status_code == 200, edit.text
        deadline = time.monotonic() + 5
        while (shown := api.get(PATH).json())["plan_id"] == fresh["plan_id"] and time.monotonic() < deadline:
            assert shown["stale_because"] == [], "an old plan is never shown as fresh, nor kept once seen"
            time.sleep(0.05)
        assert shown["source"] == "computed" and shown["stale_because"] == []
        made, edited = (datetime.fromisoformat(t) for t in (shown["created_at"], edit.json()["updated_at"]))
        assert made > edited
        again = api.get(PATH).json()
        assert (again["source"], again["plan_id"], again["stale_because"]) == ("cache", shown["plan_id"], [])


def test_a_plan_the_planner_judged_fresh_is_not_sent_to_it_again_on_every_request(
    serve: Any, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """When the watch and the planner disagree (the watch saw a change the planner does not count), the
    replaced-on-the-spot rule must not turn every request into a planner call that keeps the same plan."""
    from kgplatform.api.inputs_watch import CURRICULUM_REASON

    with serve(change_poll_s=0.1) as api:
        first = api.get(PATH).json()
        serving = api.client.app.state.next_tasks
        monkeypatch.setattr(serving.changes, "stale_reasons", lambda plan: [CURRICULUM_REASON])
        service = serving.plan_service()
        calls: list[str] = []
        real = service.current_plan

        def counted(*args: Any, **kwargs: Any) -> Any:
            calls.append("planner")
            return real(*args, **kwargs)

        monkeypatch.setattr(service, "current_plan", counted)
        shown = [api.get(PATH).json() for _ in range(3)]
        assert calls == ["planner"], "asked once; the planner kept the plan, so the cache serves it after"
        assert {s["plan_id"] for s in shown} == {first["plan_id"]}
        assert [s["source"] for s in shown][1:] == ["cache", "cache"]


def test_each_task_shows_its_title_and_concept_name_and_an_edit_of_either_is_served_within_the_poll(
    serve: Any, world: World, graph: Graph, redis_client: redis.Redis
) -> None:
    """An app showing a plan made a call per item for the task's title and the concept's name (5 December
    2026). They are the plan's own, taken when it is made: a rename or a retitle makes the plan stale as any
    curriculum edit does, so the cache never serves the old words past the change poll."""
    import time

    from kgplatform.curriculum.store import read_curriculum_rows

    def names() -> tuple[dict[str, str], dict[str, str]]:
        rows = read_curriculum_rows(graph, CURRICULUM)
        assert rows is not None
        return {t["id"]: t["title"] for t in rows.tasks}, {c["id"]: c["name"] for c in rows.concepts}

    def shown_names(plan: dict[str, Any]) -> list[tuple[str, str]]:
        return [(t["task_title"], t["concept_name"]) for t in plan["tasks"]]

    def edit(path: str, change: dict[str, str]) -> Any:
        etag = api.get(path, role=Role.DESIGNER).headers["etag"]
        done = api.client.patch(path, headers={**api.headers(Role.DESIGNER), "If-Match": etag}, json=change)
        assert done.status_code == 200, done.text
        return done

    with serve(change_poll_s=0.1) as api:
        computed = api.get(PATH).json()
        titles, concept_names = names()
        assert computed["tasks"] and shown_names(computed) == [
            (titles[t["task_id"]], concept_names[t["concept_id"]]) for t in computed["tasks"]
        ]
        time.sleep(0.3)  # a poll after the plan
        cached = api.get(PATH).json()
        assert cached["source"] == "cache" and cached["tasks"] == computed["tasks"]
        # Redis lost: the plan read back from Neo4j shows the same names.
        redis_client.delete(plan_key(LEARNER))
        stored = api.get(PATH).json()
        assert stored["source"] == "graph" and stored["tasks"] == computed["tasks"]

        first = computed["tasks"][0]
        edit(f"/concepts/{first['concept_id']}", {"name": "Renamed concept"})
        edit(f"/tasks/{first['task_id']}", {"title": "Retitled task"})
        deadline = time.monotonic() + 5
        while (shown := api.get(PATH).json())["plan_id"] == computed[
            "plan_id"
        ] and time.monotonic() < deadline:
            assert shown["stale_because"] == [], "an old plan is never shown as fresh"
            time.sleep(0.05)
        assert shown["plan_id"] != computed["plan_id"] and shown["stale_because"] == []
        titles, concept_names = names()
        assert titles[first["task_id"]] == "Retitled task"
        assert concept_names[first["concept_id"]] == "Renamed concept"
        assert shown_names(shown) == [
            (titles[t["task_id"]], concept_names[t["concept_id"]]) for t in shown["tasks"]
        ]
        # The edited task is still planned (the edit changed only words), so the new words are on show.
        assert any(t["task_id"] == first["task_id"] for t in shown["tasks"])
