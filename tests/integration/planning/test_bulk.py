"""Bulk planning (every learner, pages from Neo4j, plans to Redis) in this process and in worker processes."""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis

import kgplatform.planning.graph as graph_module
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.curriculum.models import TaskPatch
from kgplatform.curriculum.tasks import delete_task, update_task
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.bulk import plan_everyone
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.reasons import LAST_TASK_WORDS
from kgplatform.planning.service import PlanService, make_plan
from kgplatform.planning.store import PlanStore
from kgplatform.settings import Settings, WorkerSettings

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


def seed_recent_answers(graph: Graph) -> tuple[list[str], list[str]]:
    """Learners who each answered one task of the curriculum's first concept, a different one each, all
    of them of the concept's own: the turn after one answer lands on one of those tasks, so for one of
    the learners the task last answered decides their plan. Returns the learners and the concept's tasks."""
    document = generate_curriculum(30, seed=5, curriculum_id=CURRICULUM)
    assert run_import(graph, parse_json(document.to_json()), CURRICULUM, actor="test").imported
    concept = document.concepts[0].id
    own = [t.id for t in document.tasks if t.concepts == [concept]]
    assert len(own) >= 3, "the generated curriculum gives its first concept three tasks of its own"
    mastery = MasteryService(MasteryStore(graph))
    learners = [f"recent-{i}" for i in range(len(own))]
    for learner in learners:
        mastery.set_goals(learner, [concept])
    answers = [
        {
            "event_id": f"{learner}-0",
            "learner_id": learner,
            "task_id": task,
            "correct": True,
            "answered_at": START.isoformat(),
        }
        for learner, task in zip(learners, own, strict=True)
    ]
    assert not mastery.ingest(answers).rejected
    return learners, own


def every_path(
    graph: Graph, client: redis.Redis, learners: list[str], now: datetime
) -> dict[str, dict[str, list[dict[str, object]]]]:
    """Each learner's plan tasks from the bulk pages, the nightly chunk's read and the one-learner path."""
    store, cache, params = PlanStore(graph), PlanCache(client), TracerParams.default(())
    client.flushdb()
    plan_everyone(store, cache, params, CURRICULUM, page_size=2, now=now)
    bulk = {learner: json.loads(client.get(plan_key(learner)) or "null")["tasks"] for learner in learners}
    client.flushdb()
    batch = BatchRunner(store, JobStore(graph), client, WorkerSettings(), params)
    sent: list[dict[str, Any]] = []
    batch.fan_out("job-recent", CURRICULUM, now, sent.append, chunk_size=2)
    for message in sent:
        chunk, at, only = chunk_of(json.loads(json.dumps(message)))
        batch.run_chunk("job-recent", chunk, at, only, "test")
    nightly = {learner: json.loads(client.get(plan_key(learner)) or "null")["tasks"] for learner in learners}
    service = PlanService(store, cache, params)
    single = {
        learner: list(
            service.compute(learner, CURRICULUM, store.input_stamps(learner, CURRICULUM), now).tasks
        )
        for learner in learners
    }
    return {"bulk": bulk, "nightly": nightly, "single": single}


def test_the_task_last_answered_decides_some_plans_alike_on_every_path(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """The bulk page, the nightly chunk and the one-learner path give the same plans, and the learners'
    last tasks change some of those plans: the equality covers them, which the learners above (whose turns
    never land on the task they last answered) do not."""
    learners, _ = seed_recent_answers(graph)
    now = START + timedelta(days=1)
    plans = every_path(graph, redis_client, learners, now)
    assert plans["bulk"] == plans["nightly"] == plans["single"]
    store, params = PlanStore(graph), TracerParams.default(())
    concepts = PlanService(store, PlanCache(redis_client), params).concept_graph(
        CURRICULUM, store.input_stamps(learners[0], CURRICULUM)
    )
    changed = []
    for learner in learners:
        rows = store.learner_rows(learner)
        unknown = [{k: v for k, v in m.items() if k != "last_task_id"} for m in rows.mastery]
        before = make_plan(concepts, dataclasses.replace(rows, mastery=unknown), params, PlanConfig(), now)
        if [t.task_id for t in before.tasks] != [t["task_id"] for t in plans["single"][learner]]:
            changed.append(learner)
    assert changed, "the task last answered changes some plan, so the equality above covers it"


def test_a_task_deleted_or_moved_after_it_was_last_answered_is_planned_alike_and_offered_only_where_it_is(
    graph: Graph, redis_client: redis.Redis
) -> None:
    """MASTERY still names the task (a stale id, until the learner's next answer replays them): every path
    plans without it, alike, and offers only tasks that exercise their concept now."""
    learners, own = seed_recent_answers(graph)
    deleted, moved = own[0], own[1]
    [row] = graph.read("curriculum/get_task", id=deleted)
    delete_task(graph, deleted, f'"{row["task"]["version"]}"', "designer")
    [row] = graph.read("curriculum/get_task", id=moved)
    elsewhere = generate_curriculum(30, seed=5, curriculum_id=CURRICULUM).concepts[-1].id
    update_task(graph, moved, f'"{row["task"]["version"]}"', TaskPatch(concepts=[elsewhere]), "designer")
    held = {m["last_task_id"] for learner in learners for m in PlanStore(graph).learner_rows(learner).mastery}
    assert {deleted, moved} <= held, "the stored ids are stale now"
    plans = every_path(graph, redis_client, learners, START + timedelta(days=1))
    assert plans["bulk"] == plans["nightly"] == plans["single"]
    offered = [(t["task_id"], t["concept_id"]) for tasks in plans["single"].values() for t in tasks]
    assert offered and deleted not in {task for task, _ in offered}
    for task, concept in offered:
        [row] = graph.read("curriculum/get_task", id=task)
        assert concept in row["task"]["concepts"], (task, concept)


def test_a_hand_written_last_task_id_that_is_no_string_plans_as_none_known_on_every_path(
    graph: Graph, redis_client: redis.Redis, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An integer or a list set on MASTERY by hand (cypher-shell; testing/set_last_task_ids writes the
    value as given): a list made the bulk page, the nightly chunk and the one-learner path raise. Every
    path now plans as with no last task stored, alike, logs it once, and the learner's next answer on the
    concept writes a task id over it."""
    learners, own = seed_recent_answers(graph)
    now = START + timedelta(days=1)
    pairs = [
        (learner, m["concept_id"])
        for learner in learners
        for m in PlanStore(graph).learner_rows(learner).mastery
    ]

    def set_all(value: object) -> None:
        rows = [{"learner_id": lid, "concept_id": cid, "last_task_id": value} for lid, cid in pairs]
        assert graph.write("testing/set_last_task_ids", rows=rows) == [{"written": len(rows)}]

    set_all(None)
    none_known = every_path(graph, redis_client, learners, now)
    for value in ([own[0], own[1]], 7):
        set_all(value)
        # As in a fresh process (raising=False: the test runs, and fails, against code without the flag too).
        monkeypatch.setattr(graph_module, "_unusable_logged", threading.Event(), raising=False)
        caplog.clear()
        with caplog.at_level(logging.WARNING, logger=graph_module.__name__):
            plans = every_path(graph, redis_client, learners, now)
        assert plans == none_known, value
        logged = [r.getMessage() for r in caplog.records if r.name == graph_module.__name__]
        assert len(logged) == 1 and "not a task id" in logged[0], logged
    mastery = MasteryService(MasteryStore(graph))
    answer = {"event_id": "after-hand", "learner_id": learners[0], "task_id": own[2], "correct": True}
    assert not mastery.ingest([{**answer, "answered_at": now.isoformat()}]).rejected
    [row] = graph.read("curriculum/get_task", id=own[2])
    held = {m["concept_id"]: m["last_task_id"] for m in PlanStore(graph).learner_rows(learners[0]).mastery}
    assert held[row["task"]["concepts"][0]] == own[2]
