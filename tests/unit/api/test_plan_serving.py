"""Next-tasks serving through the real app (no services: `serving_app`): where each answer comes from
when Redis or Neo4j misbehaves."""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import NoPermissionError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from kgplatform.api.inputs_watch import CURRICULUM_REASON, UNREAD_REASON
from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.planning.service import ServedPlan
from kgplatform.planning.store import ChangeStamps, CurriculumTooLargeToPlan
from tests.unit.api.serving_app import (
    SERVICE,
    FakeReader,
    FakeRedis,
    StubPlanner,
    cache,
    cached_plan,
    serving_app,
)

REFUSED_READS = [
    NoPermissionError("this user has no permissions to run the 'mget' command"),
    ResponseError("a reply no table knows"),
]


@pytest.mark.parametrize("error", REFUSED_READS, ids=["noperm", "other"])
@pytest.mark.parametrize("query", ["", "?curriculum_id=maths"], ids=["fast-path", "route"])
def test_a_redis_that_refuses_the_read_is_a_miss_served_from_neo4j(error: Exception, query: str) -> None:
    """Any Redis error on the hit path was a 500 on every request; it is a miss, as for Redis down."""
    app, client = serving_app(FakeReader(error=error))
    serving = app.state.next_tasks
    planner = StubPlanner(cached_plan(model_version=serving.current_model_version()))
    serving.plan_service = lambda: planner
    response = client.get(f"/learners/l1/next-tasks{query}", headers=SERVICE)
    assert response.status_code == 200, response.text
    assert response.json()["source"] == "graph" and planner.calls == ["l1"]


def test_a_redis_that_refuses_the_read_with_neo4j_down_is_a_503_with_retry_after() -> None:
    _, client = serving_app(FakeReader(error=REFUSED_READS[0]))
    response = client.get("/learners/l1/next-tasks", headers=SERVICE)
    assert response.status_code == 503 and int(response.headers["Retry-After"]) >= 1


def test_a_redis_that_times_out_on_the_hit_path_is_skipped_by_the_compute_path_too() -> None:
    """The sync client would wait its own timeout (5 s) on the same Redis, for the read and the write."""
    sync_redis = FakeRedis()
    app, client = serving_app(FakeReader(error=RedisTimeoutError("no reply")), sync_redis=sync_redis)
    assert client.get("/learners/l1/next-tasks", headers=SERVICE).status_code == 503  # Neo4j down too
    assert app.state.next_tasks.cache.breaker.retry_after_s() > 0
    assert app.state.next_tasks.cache.get("l1") is None and sync_redis.calls == []


class NoChanges:
    """The watch's store once Neo4j answers: no curriculum edited, no transfer model."""

    def change_stamps(self) -> ChangeStamps:
        return ChangeStamps({}, None, None)


@pytest.mark.parametrize("query", ["", "?curriculum_id=maths"], ids=["fast-path", "route"])
def test_before_the_watch_has_read_any_change_a_cached_plan_is_not_served_as_fresh(query: str) -> None:
    """Started while Neo4j is down, the API served a plan older than an edit of its curriculum as fresh:
    the watch's empty stamps read as "nothing changed"."""
    app, client = serving_app()
    serving = app.state.next_tasks
    edited_since = "2020-01-01T00:00:00+00:00"  # what the plan recorded; the watch cannot tell yet
    old = cached_plan(model_version=serving.current_model_version(), curriculum_at=edited_since)
    cache(serving, old)
    body = client.get(f"/learners/l1/next-tasks{query}", headers=SERVICE).json()
    assert (body["source"], body["stale"], body["stale_because"]) == ("cache", True, [UNREAD_REASON])


def test_before_the_first_poll_the_planner_judges_each_cached_plan_and_after_it_the_cache_serves() -> None:
    app, client = serving_app()
    serving = app.state.next_tasks
    plan = cached_plan(model_version=serving.current_model_version())
    cache(serving, plan)
    planner = StubPlanner(plan, source="cache")  # Neo4j up: the planner finds the plan fresh and keeps it
    serving.plan_service = lambda: planner
    for _ in range(2):  # each time: a plan kept now must still be replaced after an edit seen later
        body = client.get("/learners/l1/next-tasks", headers=SERVICE).json()
        assert (body["stale"], body["stale_because"]) == (False, [])
    assert planner.calls == ["l1", "l1"]
    serving.changes.store = NoChanges()
    serving.changes.refresh()
    body = client.get("/learners/l1/next-tasks", headers=SERVICE).json()
    assert (body["source"], body["stale"]) == ("cache", False) and planner.calls == ["l1", "l1"]


def test_starting_the_watch_waits_for_its_first_poll() -> None:
    """So that an API started with Neo4j up serves cache hits from its first request."""
    app, _ = serving_app()
    serving = app.state.next_tasks
    serving.changes.store = NoChanges()

    async def start() -> bool:
        await serving.start_watching(first_poll_s=5.0)
        polled = serving.changes.polled_at is not None
        await serving.close()
        return polled

    assert asyncio.run(start())


class UnplannablePlanner:
    """`PlanService` after an edit made the curriculum unplannable (`PlanStore.concept_graph`)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def current_plan(
        self, learner_id: str, curriculum_id: str | None = None, *, may_choose_curriculum: bool = True
    ) -> ServedPlan:
        raise self.error


TOO_LARGE = CurriculumTooLargeToPlan(
    "curriculum 'maths' has 5,001 concepts; the planner plans curricula of at most 5,000: split it",
    field="curriculum_id",
)


@pytest.mark.parametrize("query", ["", "?curriculum_id=maths"], ids=["fast-path", "route"])
def test_a_cached_plan_whose_curriculum_an_edit_took_past_the_size_limit_is_served_stale(query: str) -> None:
    """Every learner of a curriculum edited past 5,000 concepts got a 422 naming a `curriculum_id` the
    client never sent, for a plan served a second earlier; the old plan is served, stale, saying why."""
    app, client = serving_app()
    serving = app.state.next_tasks
    cache(serving, cached_plan(model_version=serving.current_model_version()))
    serving.changes.stale_reasons = lambda _: [CURRICULUM_REASON]  # the watch saw the designer's edit
    serving.plan_service = lambda: UnplannablePlanner(TOO_LARGE)
    response = client.get(f"/learners/l1/next-tasks{query}", headers=SERVICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["source"], body["stale"]) == ("cache", True)
    assert body["stale_because"][0] == CURRICULUM_REASON and str(TOO_LARGE) in body["stale_because"][1]


@pytest.mark.parametrize(
    "error",
    [
        NotFound("curriculum 'maths' does not exist", field="curriculum_id"),
        ValidationFailed(
            "curriculum 'maths' has no concepts yet: there is nothing to plan", field="curriculum_id"
        ),
    ],
    ids=["deleted", "emptied"],
)
def test_a_cached_plan_of_a_deleted_or_emptied_curriculum_is_not_served(error: Exception) -> None:
    """Its tasks went with the curriculum's concepts: a plan naming them would send learners to nothing."""
    app, client = serving_app()
    serving = app.state.next_tasks
    cache(serving, cached_plan(model_version=serving.current_model_version()))
    serving.changes.stale_reasons = lambda _: [CURRICULUM_REASON]
    serving.plan_service = lambda: UnplannablePlanner(error)
    assert client.get("/learners/l1/next-tasks", headers=SERVICE).status_code == error.status_code


def test_without_a_cached_plan_an_unplannable_curriculum_is_still_refused() -> None:
    app, client = serving_app()
    app.state.next_tasks.plan_service = lambda: UnplannablePlanner(TOO_LARGE)
    response = client.get("/learners/l1/next-tasks", headers=SERVICE)
    assert response.status_code == 422 and "5,001 concepts" in response.text


def test_an_unknown_learner_is_not_hidden_behind_a_cached_plan() -> None:
    app, client = serving_app()
    serving = app.state.next_tasks
    cache(serving, cached_plan(model_version=serving.current_model_version()))
    serving.changes.stale_reasons = lambda _: [CURRICULUM_REASON]
    gone = NotFound("learner 'l1' does not exist", field="learner_id")
    serving.plan_service = lambda: UnplannablePlanner(gone)
    assert client.get("/learners/l1/next-tasks", headers=SERVICE).status_code == 404


def test_the_cached_plan_of_a_learner_erased_while_redis_was_away_is_not_served() -> None:
    """Redis back, the erase's mark not written yet: the hit path served the erased learner's plan (200,
    `stale: false`) for a learner every other route calls unknown (a review, s35)."""
    from kgplatform.mastery.erasure import PendingErasures

    app, client = serving_app()
    serving = app.state.next_tasks
    cache(serving, cached_plan(model_version=serving.current_model_version()))
    serving.changes.stale_reasons = lambda _: []
    serving.erasures = PendingErasures()
    serving.erasures.add("l1")
    gone = NotFound("learner 'l1' does not exist", field="learner_id")
    serving.plan_service = lambda: UnplannablePlanner(gone)
    assert client.get("/learners/l1/next-tasks", headers=SERVICE).status_code == 404
    assert client.get("/learners/l1/next-tasks?curriculum_id=maths", headers=SERVICE).status_code == 404
