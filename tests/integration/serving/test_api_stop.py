"""A `kgplatform api` process stopped with SIGTERM (a restart, an upgrade's step 3) finishes the answers it is
storing and answers them, while it refuses new connections: a service never gets a 5xx or a dropped
connection for a request the process had taken, and what it was told is stored is stored.

The request in flight is made certain, not left to timing: the learner it writes is locked by a transaction
of the test, so the POST waits inside the API until the test lets it go, after the signal."""

from __future__ import annotations

import signal
import threading
import time

import httpx
import pytest
import redis

from kgplatform.auth import service as auth
from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery.synthetic import make_curriculum
from tests.integration.locks import wait_until_blocked
from tests.integration.mastery.conftest import load_curriculum
from tests.integration.serving.conftest import ApiProcess
from tests.waits import wait_for

LEARNER = "stop-learner"
IN_FLIGHT_AFTER_STOP_S = 2.0


def refuses_connections(base_url: str) -> bool:
    try:
        httpx.get(f"{base_url}/healthz", timeout=2)
    except httpx.ConnectError:
        return True
    return False


def answer(event_id: str, task_id: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "learner_id": LEARNER,
        "task_id": task_id,
        "correct": True,
        "answered_at": "2026-02-01T10:00:00Z",
    }


def test_a_stopped_api_answers_the_answers_it_is_storing(
    graph: Graph, redis_client: redis.Redis, api_process: ApiProcess, request: pytest.FixtureRequest
) -> None:
    curriculum = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, curriculum)
    task = curriculum.tasks[0]["id"]
    secret = auth.issue_key(graph, role=Role.SERVICE, name="stop-tester", actor="tests").secret
    client = httpx.Client(base_url=api_process.base_url, headers={"X-API-Key": secret}, timeout=60)
    request.addfinalizer(client.close)
    assert client.post("/answers", json=answer("before-stop", task)).status_code == 200  # the learner exists

    outcome: dict[str, object] = {}

    def post() -> None:
        try:
            outcome["response"] = client.post("/answers", json=answer("in-flight", task))
        except httpx.HTTPError as error:  # a dropped connection: what a stop must not do to it
            outcome["response"] = error

    posting = threading.Thread(target=post)
    with graph.session() as session, session.begin_transaction() as holder:
        holder.run(query_text("testing/lock_learner"), {"id": LEARNER}).consume()
        posting.start()
        wait_until_blocked(graph, or_ended=posting)  # the POST is inside the API, waiting for the learner
        api_process.process.send_signal(signal.SIGTERM)
        wait_for(
            lambda: refuses_connections(api_process.base_url), 30, "the stopping API to refuse a connection"
        )
        # Kept in flight a while after the signal: a stop that gave running requests less time would cut it
        # off (uvicorn's `timeout_graceful_shutdown=1` in `kgplatform api` made it a 500, checked).
        time.sleep(IN_FLIGHT_AFTER_STOP_S)
        assert api_process.process.poll() is None, "the API ended with a request in flight"
        holder.rollback()
    posting.join(timeout=60)
    response = outcome["response"]

    log = "".join(api_process.output)
    assert isinstance(response, httpx.Response), f"the in-flight POST got no answer: {response!r}\n{log}"
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == ["in-flight"]
    assert api_process.process.wait(timeout=30) == -signal.SIGTERM, log  # uvicorn ends by the signal it got
    stored = sorted(row["event_id"] for row in graph.read("testing/list_answer_event_ids"))
    assert stored == ["before-stop", "in-flight"]
