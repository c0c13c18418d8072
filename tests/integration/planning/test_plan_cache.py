"""The plan cache never replaces a learner's cached plan with an older one (`cache.SET_NEWER_SCRIPT`)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import redis

from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.bulk import plan_everyone
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from tests.integration.planning.test_bulk import CURRICULUM, LEARNERS, START, seed_learners

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def record(learner_id: str, created_at: datetime, plan_id: str) -> PlanRecord:
    task = {
        "task_id": "t",
        "rank": 1,
        "reason": "r",
        "concept_id": "c",
        "predicted_success": 0.5,
        "purpose": "x",
    }
    return PlanRecord(plan_id, learner_id, "cur", created_at, "v", None, None, None, False, (task,))


def cached_id(client: redis.Redis, learner_id: str) -> str:
    return json.loads(client.get(plan_key(learner_id)))["id"]


def test_a_plan_replaces_an_older_or_equally_old_one_but_not_a_newer_one(redis_client: redis.Redis) -> None:
    cache = PlanCache(redis_client)
    assert cache.put(record("a", NOON, "noon"))
    assert not cache.put(record("a", NOON - timedelta(microseconds=1), "earlier"))
    assert cached_id(redis_client, "a") == "noon"
    assert cache.put(record("a", NOON, "noon-again"))  # a chunk rerun writes its plan again
    assert cache.put(record("a", NOON + timedelta(microseconds=1), "later"))
    assert cached_id(redis_client, "a") == "later"
    assert 0 < redis_client.ttl(plan_key("a")) <= cache.ttl_s


def test_times_compare_as_instants_whatever_their_offset_or_precision(redis_client: redis.Redis) -> None:
    cache = PlanCache(redis_client)
    assert cache.put(record("a", NOON + timedelta(microseconds=500_000), "noon-and-a-half-second"))
    # 16:00 at UTC+5 is 11:00 UTC: older, although "16:00" > "12:00" as text.
    assert not cache.put(record("a", datetime(2026, 3, 2, 16, 0, tzinfo=timezone(timedelta(hours=5))), "x"))
    assert not cache.put(record("a", NOON, "noon-whole-second"))  # "12:00:00+00:00" before "12:00:00.5..."
    assert cache.put(record("a", NOON + timedelta(seconds=1), "a-second-later"))
    assert cached_id(redis_client, "a") == "a-second-later"


def test_a_bulk_write_skips_only_the_learners_with_a_newer_plan(redis_client: redis.Redis) -> None:
    cache = PlanCache(redis_client)
    cache.put(record("newer", NOON, "kept"))
    cache.put(record("older", NOON - timedelta(hours=1), "replaced"))
    values = [
        (who, record(who, NOON - timedelta(minutes=1), f"bulk-{who}").to_json())
        for who in ("newer", "older", "new")
    ]
    assert cache.put_json_many(values, batch=2) == 2
    assert [cached_id(redis_client, who) for who in ("newer", "older", "new")] == [
        "kept",
        "bulk-older",
        "bulk-new",
    ]


def test_a_batch_that_read_mastery_before_an_on_demand_plan_leaves_that_plan_cached(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The nightly chunk read mastery at `read_at`; an answer then asked for an on-demand plan, made and
    cached before the chunk's plans are written. The chunk must not bury it: the hit path would serve
    the chunk's plan marked stale (the answer is newer) with no recomputation pending."""
    seed_learners(graph)
    store, cache, params = PlanStore(graph), PlanCache(redis_client), TracerParams.default(())
    read_at = START + timedelta(days=1)
    on_demand = PlanService(store, cache, params).compute(
        LEARNERS[3], CURRICULUM, store.input_stamps(LEARNERS[3], CURRICULUM), read_at + timedelta(seconds=5)
    )
    stats = plan_everyone(store, cache, params, CURRICULUM, page_size=3, now=read_at)
    assert stats.learners == len(LEARNERS)
    assert cached_id(redis_client, LEARNERS[3]) == on_demand.id
    others = [
        json.loads(redis_client.get(plan_key(learner))) for learner in LEARNERS if learner != LEARNERS[3]
    ]
    assert {plan["created_at"] for plan in others} == {read_at.isoformat()}


def test_an_answer_stamp_never_moves_back(redis_client: redis.Redis) -> None:
    """An outage's backlog is written later with its older time; it must not overwrite the newer stamp
    another API process wrote meanwhile (a plan made between the two would then read as fresh)."""
    from kgplatform.planning.cache import DEFAULT_TTL_S, answered_key, mark_answered

    mark_answered(redis_client, {"kim": 1_800_000_000.5, "lee": 1_800_000_000.0})
    mark_answered(redis_client, {"kim": 1_700_000_000.0, "lee": 1_800_000_001.25, "new": 1_600_000_000.0})
    assert float(redis_client.get(answered_key("kim"))) == 1_800_000_000.5  # kept: newer than the backlog
    assert float(redis_client.get(answered_key("lee"))) == 1_800_000_001.25
    assert float(redis_client.get(answered_key("new"))) == 1_600_000_000.0
    assert 0 < redis_client.ttl(answered_key("new")) <= DEFAULT_TTL_S
    many = {f"learner-{i}": 1_800_000_000.0 + i for i in range(250)}  # more than one script call
    mark_answered(redis_client, many)
    assert float(redis_client.get(answered_key("learner-249"))) == 1_800_000_249.0
