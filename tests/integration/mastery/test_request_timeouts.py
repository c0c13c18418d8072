"""Answers and next-tasks behind another writer's lock on the learner end as a prompt 503 after
`KGP_NEO4J__TRANSACTION_TIMEOUT_S` that stored nothing, instead of holding a worker thread as long as the
other transaction runs (only the curriculum routes were bounded before)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.graph.queries import query_text
from kgplatform.mastery.synthetic import SyntheticCurriculum
from kgplatform.settings import Settings
from tests.integration.api.harness import Api, running_api
from tests.integration.mastery.conftest import counts


@pytest.fixture
def impatient_api(settings: Settings, graph: Graph) -> Iterator[Api]:
    tiny = settings.neo4j.model_copy(update={"transaction_timeout_s": 0.5})
    with running_api(settings.model_copy(update={"neo4j": tiny}), graph) as harness:
        yield harness


def answer(event_id: str, task_id: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "learner_id": "held",
        "task_id": task_id,
        "correct": True,
        "answered_at": "2026-02-01T10:00:00Z",
    }


def post_unheld(api: Api, event_id: str, task_id: str) -> dict[str, object]:
    """Posts an answer no lock holds back. With a 0.5 s transaction timeout, a loaded machine (the CI runs
    beside other work) can time out even this one: a 503 stores nothing and says to send again, so the
    test sends again, as a service would, and only the held calls are asserted to be 503s."""
    for _ in range(5):
        response = api.call("POST", "/answers", role=Role.SERVICE, json=answer(event_id, task_id))
        if response.status_code != 503:
            break
    assert response.status_code == 200, response.text
    return response.json()


def test_answers_and_next_tasks_behind_a_held_learner_lock_are_prompt_503s(
    impatient_api: Api, curriculum: SyntheticCurriculum
) -> None:
    api = impatient_api
    task = curriculum.tasks[0]["id"]
    assert post_unheld(api, "first", task)["accepted"] == ["first"]
    stored = counts(api.graph)
    answered: dict[str, object] = {}

    def calls() -> None:
        answered["posted"] = api.call("POST", "/answers", role=Role.SERVICE, json=answer("second", task))
        answered["planned"] = api.call("GET", "/learners/held/next-tasks", role=Role.SERVICE)

    with api.graph.session() as session, session.begin_transaction() as holder:
        holder.run(query_text("testing/lock_learner"), {"id": "held"}).consume()
        caller = threading.Thread(target=calls)
        caller.start()
        # Neo4j checks timeouts every couple of seconds; unbounded, the calls would wait for the holder.
        caller.join(timeout=20)
        answered_while_held = not caller.is_alive()
        holder.rollback()
    caller.join()
    assert answered_while_held, "the requests waited for the lock's holder instead of ending as 503s"
    posted, planned = answered["posted"], answered["planned"]
    assert posted.status_code == 503, posted.text  # type: ignore[attr-defined]
    assert "nothing was changed" in posted.json()["detail"]  # type: ignore[attr-defined]
    assert planned.status_code == 503, planned.text  # type: ignore[attr-defined]
    assert counts(api.graph) == stored
    assert post_unheld(api, "second", task)["accepted"] == ["second"]
