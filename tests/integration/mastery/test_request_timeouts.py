"""Answers and next-tasks behind another writer's lock on the learner end as a prompt 503 after
`KGP_NEO4J__TRANSACTION_TIMEOUT_S` that stored nothing, instead of holding a worker thread as long as the
other transaction runs (only the curriculum routes were bounded before)."""

from __future__ import annotations

import threading

from kgplatform.auth.models import Role
from kgplatform.graph.queries import query_text
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.api.harness import Api
from tests.integration.mastery.conftest import counts


def answer(event_id: str, task_id: str) -> dict[str, object]:
    return {
        "event_id": event_id,
        "learner_id": "held",
        "task_id": task_id,
        "correct": True,
        "answered_at": "2026-02-01T10:00:00Z",
    }


def post(api: Api, event_id: str, task_id: str) -> dict[str, object]:
    """Posts an answer no lock holds back, through the unbounded app (see `impatient_api`)."""
    response = api.call("POST", "/answers", role=Role.SERVICE, json=answer(event_id, task_id))
    assert response.status_code == 200, response.text
    return response.json()


def test_answers_and_next_tasks_behind_a_held_learner_lock_are_prompt_503s(
    api: Api, impatient_api: Api, curriculum: SyntheticCurriculum
) -> None:
    task = curriculum.tasks[0]["id"]
    assert post(api, "first", task)["accepted"] == ["first"]
    stored = counts(api.graph)
    answered: dict[str, object] = {}

    def calls() -> None:
        answered["posted"] = impatient_api.call(
            "POST", "/answers", role=Role.SERVICE, json=answer("second", task)
        )
        answered["planned"] = impatient_api.call("GET", "/learners/held/next-tasks", role=Role.SERVICE)

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
    assert post(api, "second", task)["accepted"] == ["second"]
