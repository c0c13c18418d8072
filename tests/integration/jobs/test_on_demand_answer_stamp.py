"""The on-demand task replaces a plan that Neo4j's stamps call fresh but the API's answer stamp calls stale
(an earlier run planned after the answers were stored, before the API stamped them): else serving marks
it stale until the learner's next answer. Runs the task's function in this process on the test databases."""

from __future__ import annotations

import json
import time

import pytest
import redis

import workers.tasks as tasks
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import PlanCache, mark_answered, plan_key
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from tests.integration.workers.seeding import seed_curriculum, seed_learners


def test_a_plan_older_than_the_answer_stamp_is_replaced_and_a_newer_one_kept(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The task on the test's own connections: its lazily opened process-wide driver would outlive the
    # test, unclosed (a ResourceWarning at the end of the suite).
    monkeypatch.setattr(tasks, "get_graph", lambda: graph)
    monkeypatch.setattr(tasks, "get_redis", lambda: redis_client)
    document = seed_curriculum(graph, "stamp-test", concepts=10)
    (learner,) = seed_learners(graph, 1, "stamp-", [c.id for c in document.concepts])
    service = PlanService(PlanStore(graph), PlanCache(redis_client), tasks._params())
    first = service.current_plan(learner, refresh=True).record

    assert tasks.recompute_learner.run(learner) == first.id  # no answer since: kept

    mark_answered(redis_client, {learner: time.time()})  # the stamp lands after the plan was made
    replaced = tasks.recompute_learner.run(learner)
    assert replaced is not None and replaced != first.id
    cached = json.loads(redis_client.get(plan_key(learner)))
    assert cached["id"] == replaced
    assert tasks.recompute_learner.run(learner) == replaced  # now newer than the stamp: kept
