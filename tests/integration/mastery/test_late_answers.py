"""An offline tablet syncing days later: a handful of answers older than what is stored arrive after the
learner's plan was made and after a nightly batch. They take effect at once (the POST replays the learner's
history), the cached plan reads stale until it is made again, and the mastery, plan and report then equal
those of the same answers posted in time order (docs/services.md, "Late and out-of-order answers")."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.jobs.batch import BatchRunner, chunk_of
from kgplatform.jobs.store import JobStore
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.mastery.tracing import AnswerEvent, replay
from kgplatform.planning.cache import plan_key
from kgplatform.planning.store import PlanStore
from kgplatform.settings import WorkerSettings
from tests.integration.api.harness import Api
from tests.integration.mastery.conftest import TEST_TRANSFER_EDGES, publish_test_transfer

LEARNERS = 4
GOALS = ["c0011", "c0007"]


def test_answers_synced_days_late_after_a_plan_and_a_batch_end_as_if_posted_in_order(
    graph: Graph, redis_client: redis.Redis, curriculum: SyntheticCurriculum, api: Api
) -> None:
    publish_test_transfer(graph)
    log = make_answers(curriculum, LEARNERS, 320, days=30.0, seed=17, prefix="e")
    in_order, synced = as_learners(log, "ref-"), as_learners(log, "tab-")
    late = sorted(random.Random(5).sample(range(40, 280), 8))  # earlier than the answers after them
    first = [row for i, row in enumerate(synced) if i not in late]
    for learner_id in {r["learner_id"] for r in in_order + synced}:
        put = api.call("PUT", f"/learners/{learner_id}/goals", role=Role.SERVICE, json={"concept_ids": GOALS})
        assert put.status_code == 200, put.text
    assert posted(api, in_order) == len(in_order)
    assert posted(api, first) == len(first)
    before = {lid: next_tasks(api, lid) for lid in learner_ids("tab-")}
    assert all(not plan["stale"] for plan in before.values())
    run_batch(graph, redis_client, "night-1")
    batch_plans = {lid: next_tasks(api, lid) for lid in learner_ids("tab-")}
    assert all(not plan["stale"] for plan in batch_plans.values())

    assert posted(api, [synced[i] for i in late]) == len(late)

    # At once: the next request reads the cached plan as stale (a worker would replace it within seconds),
    # and the mastery and report are those of the whole history.
    touched = {synced[i]["learner_id"] for i in late}
    for lid in touched:
        assert next_tasks(api, lid)["stale"], lid
    service = MasteryService(MasteryStore(graph))
    now = datetime.now(UTC)
    for lid in learner_ids("tab-"):
        ref = lid.replace("tab-", "ref-")
        assert mastery(service, lid) == mastery(service, ref), lid
        assert report(service, lid, now) == report(service, ref, now), lid
        assert mastery(service, ref) == replayed(log, curriculum, ref.removeprefix("ref-")), ref
    # The next batch (or the worker's recomputation) plans both alike.
    run_batch(graph, redis_client, "night-2")
    for lid in learner_ids("tab-"):
        ref = lid.replace("tab-", "ref-")
        assert cached_tasks(redis_client, lid) == cached_tasks(redis_client, ref), lid
        assert not next_tasks(api, lid)["stale"], lid


def as_learners(log: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The same answers for learners of their own (and event ids of their own)."""
    return [
        {**row, "event_id": prefix + row["event_id"], "learner_id": prefix + row["learner_id"]} for row in log
    ]


def learner_ids(prefix: str) -> list[str]:
    return [f"{prefix}l{i:06d}" for i in range(LEARNERS)]


def posted(api: Api, rows: list[dict[str, Any]]) -> int:
    response = api.call("POST", "/answers", role=Role.SERVICE, json={"answers": rows})
    assert response.status_code == 200, response.text
    assert not response.json()["rejected"], response.text
    return len(response.json()["accepted"])


def next_tasks(api: Api, learner_id: str) -> dict[str, Any]:
    response = api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE)
    assert response.status_code == 200, response.text
    return response.json()


def run_batch(graph: Graph, client: redis.Redis, job_id: str) -> None:
    """A nightly plan batch, its chunks run in this process."""
    batch = BatchRunner(PlanStore(graph), JobStore(graph), client, WorkerSettings(), TracerParams.default(()))
    sent: list[dict[str, Any]] = []
    batch.fan_out(job_id, None, datetime.now(UTC), sent.append, 3)
    for message in sent:
        chunk, now, only = chunk_of(json.loads(json.dumps(message)))
        batch.run_chunk(job_id, chunk, now, only, "test")


def cached_tasks(client: redis.Redis, learner_id: str) -> list[tuple[str, str, str]]:
    tasks = json.loads(client.get(plan_key(learner_id)))["tasks"]
    return [(t["task_id"], t["purpose"], t["reason"]) for t in sorted(tasks, key=lambda t: t["rank"])]


def mastery(service: MasteryService, learner_id: str) -> dict[str, tuple[float, int, datetime | None]]:
    return {m.concept_id: (m.p_mastery, m.attempts, m.as_of) for m in service.mastery(learner_id).concepts}


def report(service: MasteryService, learner_id: str, now: datetime) -> str:
    return service.report(learner_id, now).model_dump_json().replace(learner_id, "LEARNER")


def replayed(
    log: list[dict[str, Any]], curriculum: SyntheticCurriculum, learner_id: str
) -> dict[str, tuple[float, int, datetime | None]]:
    """The learner's whole history traced from scratch in process, in (answered_at, event_id) order, with
    the event ids as the API stored them (their `ref-` prefix decides ties)."""
    concepts = {t["id"]: t["concept_ids"] for t in curriculum.tasks}
    events = [
        AnswerEvent(
            "ref-" + r["event_id"],
            datetime.fromisoformat(r["answered_at"]),
            concepts[r["task_id"]],
            1.0 if r["correct"] else 0.0,
        )
        for r in log
        if r["learner_id"] == learner_id
    ]
    transfer: dict[str, dict[str, float]] = {}
    for edge in TEST_TRANSFER_EDGES:
        transfer.setdefault(edge["source"], {})[edge["target"]] = edge["strength"]
    all_concepts = sorted({c["id"] for c in curriculum.concepts})
    traced = replay(events, TracerParams.default(()).extended(all_concepts), transfer)
    return {cid: (m.p_mastery, m.attempts, m.as_of) for cid, m in traced.items()}
