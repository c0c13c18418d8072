"""A large answer batch does not hold up another learner's plan: one POST with one answer each for 800
new learners, then one answer of learner P2; with one real worker process, P2's next tasks are fresh
again within seconds (README: "get their plans recomputed within seconds"), and every new learner has
a plan soon after. One message per learner (the design before the due set) planned them one by one at
~0.04-0.1 s each, in order, so P2 waited 30-80 s."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.planning.cache import plan_key
from tests.integration.api.harness import Api, running_api
from tests.integration.workers.conftest import StartWorker, WorkerEnv, wait_for_workers
from tests.integration.workers.seeding import seed_curriculum

CROWD = 800
P2 = "p2-learner"
# The debounce window (2 s) plus one drain of the due learners, with room for a loaded 2-core machine.
P2_FRESH_WITHIN_S = 12.0


def answer(event: str, learner: str, task: str, at: datetime) -> dict:
    return {
        "event_id": event,
        "learner_id": learner,
        "task_id": task,
        "correct": True,
        "answered_at": at.isoformat(),
    }


def fresh(api: Api, learner: str) -> bool:
    response = api.call("GET", f"/learners/{learner}/next-tasks", role=Role.SERVICE)
    assert response.status_code == 200, response.text
    return not response.json()["stale"]


def wait_fresh(api: Api, learner: str, timeout_s: float) -> float:
    began = time.monotonic()
    while not fresh(api, learner):
        assert time.monotonic() - began < timeout_s, f"{learner}'s plan still stale after {timeout_s:.0f} s"
        time.sleep(0.1)
    return time.monotonic() - began


def test_another_learners_plan_is_fresh_within_seconds_after_a_large_batch(
    graph: Graph, worker_env: WorkerEnv, start_worker: StartWorker
) -> None:
    document = seed_curriculum(graph, "crowd-test", concepts=60)
    task = document.tasks[0].id
    start_worker("planner")
    wait_for_workers(worker_env.celery, 1)
    at = datetime.now(UTC) - timedelta(hours=1)
    with running_api(worker_env.settings, graph) as api:
        first = api.call("POST", "/answers", role=Role.SERVICE, json=answer("p2-0", P2, task, at))
        assert first.status_code == 200, first.text
        wait_fresh(api, P2, 30)  # P2 has a plan of its own, cached and fresh

        crowd = [f"crowd-{i:05d}" for i in range(CROWD)]
        rows = [answer(f"crowd-{i}", learner, task, at) for i, learner in enumerate(crowd)]
        assert api.call("POST", "/answers", role=Role.SERVICE, json=rows).status_code == 200
        later = api.call("POST", "/answers", role=Role.SERVICE, json=answer("p2-1", P2, task, at))
        assert later.status_code == 200, later.text
        assert not fresh(api, P2)  # its plan predates the answer just stored
        stale_s = wait_fresh(api, P2, 120)
        assert stale_s < P2_FRESH_WITHIN_S, f"P2's plan stayed stale {stale_s:.1f} s behind {CROWD} learners"

    deadline = time.monotonic() + 30
    while not all(worker_env.client.mget([plan_key(learner) for learner in crowd])):
        assert time.monotonic() < deadline, "the new learners were not all planned within 30 s"
        time.sleep(0.2)
