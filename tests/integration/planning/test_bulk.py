"""Bulk planning (every learner, pages from Neo4j, plans to Redis) in this process and in worker processes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit, urlunsplit

import redis

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.bulk import plan_everyone
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.reasons import LAST_TASK_WORDS
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from kgplatform.settings import Settings

CURRICULUM = "bulk-test"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LEARNERS = [f"bulk-learner-{i:02d}" for i in range(7)]


def seed_learners(graph: Graph) -> None:
    document = generate_curriculum(30, seed=5, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    mastery = MasteryService(MasteryStore(graph))
    concepts, tasks = [c.id for c in document.concepts], [t.id for t in document.tasks]
    answers = []
    tags = sorted({tag for concept in document.concepts for tag in concept.tags})
    for i, learner in enumerate(LEARNERS):
        mastery.set_goals(learner, concepts[-1 - i :][:2])
        if i % 2:  # every other learner names interests: the pages and the one-learner path read them
            mastery.set_interests(learner, tags[i : i + 2])
        for n in range(i):  # learner 0 is a cold start
            answers.append(
                {
                    "event_id": f"{learner}-{n}",
                    "learner_id": learner,
                    "task_id": tasks[(3 * i + n) % 12],
                    "correct": n % 3 != 2,
                    "answered_at": (START + timedelta(minutes=n)).isoformat(),
                }
            )
    assert not mastery.ingest(answers).rejected


def plans(client: redis.Redis) -> dict[str, list[dict[str, object]]]:
    return {learner: json.loads(client.get(plan_key(learner)) or "null")["tasks"] for learner in LEARNERS}


def test_bulk_plans_equal_the_one_learner_plans_in_process_and_in_workers(
    graph: Graph, redis_client: redis.Redis, settings: Settings
) -> None:
    seed_learners(graph)
    store, cache, params = PlanStore(graph), PlanCache(redis_client), TracerParams.default(())
    now = START + timedelta(days=1)
    stats = plan_everyone(store, cache, params, CURRICULUM, page_size=3, now=now)
    assert (stats.learners, stats.pages) == (7, 3) and stats.tasks > 0
    in_process = plans(redis_client)
    reasons = [task["reason"] for tasks in in_process.values() for task in tasks]
    assert any("matches your interest in" in str(reason) for reason in reasons)
    # The last answered tasks, as ingest stored them, reach the reasons too (`reasons.LAST_TASK_WORDS`).
    assert any(words and words in str(reason) for words in LAST_TASK_WORDS for reason in reasons)

    redis_client.flushdb()
    # The workers open their own client on the fixture's database (whatever the URL's own path says).
    db = redis_client.connection_pool.connection_kwargs["db"]
    url = urlunsplit(urlsplit(settings.redis.url)._replace(path=f"/{db}"))
    pooled = plan_everyone(store, cache, params, CURRICULUM, page_size=3, now=now, workers=2, redis_url=url)
    assert (pooled.learners, pooled.tasks) == (stats.learners, stats.tasks)
    assert plans(redis_client) == in_process

    service = PlanService(store, cache, params)
    for learner in LEARNERS:
        single = service.compute(learner, CURRICULUM, store.input_stamps(learner, CURRICULUM), now)
        assert list(single.tasks) == in_process[learner], learner
