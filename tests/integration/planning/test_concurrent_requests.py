"""Plans asked for while designers delete what they include, over real HTTP (the API served by uvicorn,
clients released together by a barrier) and in a forced interleaving.

A plan is made from reads without locks and saved with its tasks linked (`planning/save_plans`): a task
deleted after the save matched it was met deleted, Neo4j's EntityNotFound, and the request was a 500 (a
review, 6 December 2026). The save now runs again without it (`graph.deleted_meanwhile`); the plan served
is the one made before the deletion, stale at its next read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime

import pytest
import redis

from kgplatform.auth.models import Role
from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum import tasks
from kgplatform.curriculum.models import ConceptIn, CurriculumIn, TaskIn
from kgplatform.graph.driver import Graph
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.planning.cache import PlanCache, plan_key
from kgplatform.planning.service import PlanService
from kgplatform.planning.store import PlanStore
from kgplatform.settings import Settings
from tests.integration.live_api import LiveApi, at_once, served_api
from tests.integration.locks import write_behind_held_writer

# How often the served API reads curriculum changes (`api/inputs_watch.py`; 2 s by default): a cached plan
# made before an edit is served as fresh until the next read, as docs/services.md says.
CHANGE_POLL_S = 0.1


@pytest.fixture
def live(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[LiveApi]:
    serving = settings.serving.model_copy(update={"change_poll_s": CHANGE_POLL_S})
    with served_api(settings.model_copy(update={"serving": serving}), graph) as api:
        yield api


def test_next_tasks_asked_while_the_tasks_are_deleted_are_served_then_made_afresh(live: LiveApi) -> None:
    with live.client(Role.DESIGNER) as designer, live.client(Role.SERVICE) as service:
        assert designer.post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
        assert designer.post("/curricula/m/concepts", json={"id": "a", "name": "A"}).status_code == 201
        for r in range(10):
            task_ids = [f"t{r}-{k}" for k in range(3)]
            for task_id in task_ids:
                task = {"id": task_id, "title": "T", "kind": "quiz", "concepts": ["a"]}
                assert designer.post("/curricula/m/tasks", json=task).status_code == 201
            learner = f"l{r}"  # a new learner each round: no plan cached, so the request makes and saves one
            assert service.put(f"/learners/{learner}/goals", json={"concept_ids": ["a"]}).status_code == 200
            etags = [designer.get(f"/tasks/{t}").headers["ETag"] for t in task_ids]
            outcomes = at_once(
                lambda learner=learner: service.get(f"/learners/{learner}/next-tasks"),
                *[
                    lambda t=t, etag=etag: designer.delete(f"/tasks/{t}", headers={"If-Match": etag})
                    for t, etag in zip(task_ids, etags, strict=True)
                ],
            )
            assert [o.status_code for o in outcomes] == [200, 204, 204, 204], [o.text for o in outcomes]
            # Once the API's watch has read the deletions (every CHANGE_POLL_S, later on a loaded machine),
            # the next read makes a plan of what is left: none of the deleted tasks.
            deadline = time.monotonic() + 10
            while True:
                again = service.get(f"/learners/{learner}/next-tasks")
                assert again.status_code == 200, again.text
                if not {t["task_id"] for t in again.json()["tasks"]} & set(task_ids):
                    break
                assert time.monotonic() < deadline, f"deleted tasks still served: {again.text}"
                time.sleep(CHANGE_POLL_S)


def test_a_plan_saved_while_its_task_is_being_deleted_is_saved_without_it(
    graph: Graph, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced: the task's delete holds its transaction open (the task locked and deleted, not committed)
    while the plan's save, having matched the task, waits for its lock; then the delete commits. Before
    the fix the save raised Neo4j's EntityNotFound."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    curriculum_service.create_concept(graph, "m", ConceptIn(id="a", name="A"), "designer")
    for task_id in ("t1", "t2"):
        tasks.create_task(graph, "m", TaskIn(id=task_id, title="T", kind="quiz", concepts=["a"]), "designer")
    MasteryService(MasteryStore(graph)).set_goals("l1", ["a"])
    plans = PlanService(PlanStore(graph), PlanCache(redis_client), TracerParams.default(()))
    etag = f'"{tasks.get_task(graph, "t1").version}"'
    outcome = write_behind_held_writer(
        graph,
        monkeypatch,
        lambda: tasks.delete_task(graph, "t1", etag, "designer"),
        lambda: plans.current_plan("l1", None),
    )
    assert "error" not in outcome, repr(outcome.get("error"))
    served = outcome["result"]
    assert {t["task_id"] for t in served.record.tasks} == {"t1", "t2"}  # made before the deletion
    stored = PlanStore(graph).latest_plan("l1")
    assert stored is not None and [t["task_id"] for t in stored["tasks"]] == ["t2"], stored
    # Stale (the deletion is newer), so the next read makes it afresh, without the task.
    assert [t["task_id"] for t in plans.current_plan("l1", None).record.tasks] == ["t2"]


def test_a_plan_asked_for_while_answers_are_stored_is_never_served_fresh_without_them(
    live: LiveApi, graph: Graph, redis_client: redis.Redis
) -> None:
    """Answers and next-tasks of one learner at once, round after round. A plan made from mastery read
    before an ingest committed may be served by the request that made it, but any later read serves it
    only marked stale (the answer's stamp in Redis is newer than the plan) or serves a plan that saw the
    answers: its mastery stamp is the learner's newest (the planner's own freshness rule)."""
    designer, services = live.client(Role.DESIGNER), [live.client(Role.SERVICE) for _ in range(3)]
    assert designer.post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
    for concept_id in ("a", "b"):
        assert (
            designer.post("/curricula/m/concepts", json={"id": concept_id, "name": concept_id}).status_code
            == 201
        )
        for k in range(2):
            task = {"id": f"{concept_id}{k}", "title": "T", "kind": "quiz", "concepts": [concept_id]}
            assert designer.post("/curricula/m/tasks", json=task).status_code == 201
    assert designer.post("/prerequisites", json={"prerequisite": "a", "concept": "b"}).status_code == 201
    assert services[0].put("/learners/l/goals", json={"concept_ids": ["b"]}).status_code == 200
    store = PlanStore(graph)
    for r in range(8):
        rows = [
            {
                "event_id": f"e{r}-{k}",
                "learner_id": "l",
                "task_id": f"a{k}",
                "correct": True,
                "answered_at": f"2026-03-02T09:{r:02d}:{k:02d}+00:00",
            }
            for k in range(2)
        ]
        redis_client.delete(plan_key("l"))  # a miss (expired, evicted): the GET below plans on the spot
        outcomes = at_once(
            lambda: services[0].get("/learners/l/next-tasks"),
            *[
                lambda c=c, row=row: c.post("/answers", json=[row])
                for c, row in zip(services[1:], rows, strict=True)
            ],
        )
        assert [o.status_code for o in outcomes] == [200, 200, 200], [o.text for o in outcomes]
        served = services[0].get("/learners/l/next-tasks")
        assert served.status_code == 200, served.text
        if served.json()["stale"]:  # every round on the 2-core machine: the plan began before the commit
            continue
        cached = json.loads(redis_client.get(plan_key("l")))
        assert cached["id"] == served.json()["plan_id"]
        newest = store.input_stamps("l", "m").mastery_at
        assert datetime.fromisoformat(cached["mastery_at"]) >= newest, (cached, newest)
    for client in (designer, *services):
        client.close()
