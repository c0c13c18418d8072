"""A service backfilling ten months of history through POST /answers ends where one in-order ingest does.

An LMS moving to the platform sends its learners' past answers as its export hands them out: batches in
no time order (shuffled within and across learners), from several senders at once, some batches sent
twice (a retry after a timeout), some answers naming tasks the curriculum does not hold yet (rejected as
`unknown_task`, sent again once the tasks exist). Mastery is the replay of each learner's history in
(answered_at, event_id) order (docs/tracing.md), so none of that may change the final mastery or plans:
this compares them with an ingest of the same log in time order by one caller.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import redis

from kgplatform.api.routes.answers import get_mastery_service
from kgplatform.auth.models import Role
from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers, make_curriculum
from kgplatform.settings import Settings
from tests.empty_graph import empty_graph
from tests.integration.api.harness import Api, running_api
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum

SENDERS = 4
BATCH = 70
LEARNERS = 8


def test_a_shuffled_concurrent_backfill_with_retries_and_late_tasks_equals_one_in_order_ingest(
    settings: Settings, graph: Graph, redis_client: redis.Redis
) -> None:
    curriculum = make_curriculum(12, 40, seed=3)
    log = make_answers(curriculum, LEARNERS, 1_600, days=300.0, seed=41, prefix="lms-")
    learners = sorted({r["learner_id"] for r in log})

    # The reference: the whole log in time order, by one caller, the curriculum complete.
    load_curriculum(graph, curriculum)
    with_transfer(graph)
    reference_service = MasteryService(MasteryStore(graph))
    for start in range(0, len(log), 500):
        assert not reference_service.ingest(log[start : start + 500]).rejected
    reference = all_mastery(graph)
    with running_api(settings, graph) as api:
        reference_plans = plans(api, learners)

    empty_graph(graph)
    redis_client.flushdb()  # the reference's cached plans
    late = curriculum.tasks[::9]  # the tasks the curriculum import brings only after the backfill began
    late_ids = {t["id"] for t in late}
    early = SyntheticCurriculum(
        curriculum.concepts,
        [t for t in curriculum.tasks if t["id"] not in late_ids],
        curriculum.prerequisites,
    )
    load_curriculum(graph, early)
    with_transfer(graph)
    rng = random.Random(7)
    shuffled = rng.sample(log, len(log))
    batches = [shuffled[i : i + BATCH] for i in range(0, len(shuffled), BATCH)]
    resent = rng.sample(batches, len(batches) // 4)  # timed out on the sender's side, sent again
    sends = rng.sample(batches + resent, len(batches) + len(resent))

    with running_api(settings, graph) as api:
        with ThreadPoolExecutor(SENDERS) as pool:
            outcomes = list(pool.map(lambda rows: post(api, rows), sends))
        unknown = {e for outcome in outcomes for e in outcome["unknown_task"]}
        assert unknown == {r["event_id"] for r in log if r["task_id"] in late_ids}
        for task in late:  # the designers' import of the missing tasks
            created = api.call("POST", f"/curricula/{curriculum.id}/tasks", json=task_body(task))
            assert created.status_code == 201, created.text
        again = [r for r in log if r["event_id"] in unknown]
        rng.shuffle(again)
        outcomes += [post(api, again[i : i + BATCH]) for i in range(0, len(again), BATCH)]

        accepted = [e for outcome in outcomes for e in outcome["accepted"]]
        assert sorted(accepted) == sorted(r["event_id"] for r in log)  # each stored once, none lost
        assert not [o for o in outcomes if o["other"]]
        assert counts(graph)["answers"] == len(log)
        assert_same_mastery(all_mastery(graph), reference)
        assert plans(api, learners) == reference_plans


def with_transfer(graph: Graph) -> None:
    """Transfer edges, so that the states they raise keep `p_practised` apart from `p_mastery`."""
    edges = [
        {"source": "c0000", "target": "c0005", "strength": 0.6},
        {"source": "c0002", "target": "c0003", "strength": 0.3},
        {"source": "c0003", "target": "c0002", "strength": 0.2},
    ]
    graph.write("testing/create_transfer_edges", edges=edges, model_version="gnn-test", now=datetime.now(UTC))


def post(api: Api, rows: list[dict[str, Any]]) -> dict[str, list[str]]:
    """One POST /answers; its rows by outcome (`other`: any rejection but an unknown task)."""
    response = api.call("POST", "/answers", role=Role.SERVICE, json={"answers": rows})
    assert response.status_code in (200, 422), response.text  # 422: every row named a missing task
    body = response.json()
    rejected = body.get("rejected", [])
    return {
        "accepted": body.get("accepted", []),
        "unknown_task": [r["event_id"] for r in rejected if r["reason"] == "unknown_task"],
        "other": [r for r in rejected if r["reason"] != "unknown_task"],
    }


def task_body(task: dict[str, Any]) -> dict[str, Any]:
    """The task as `testing/create_mastery_curriculum` writes it, as a designer's POST body."""
    return {
        "id": task["id"],
        "title": task["id"],
        "kind": "exercise",
        "difficulty": 0.5,
        "estimated_minutes": 5,
        "concepts": list(task["concept_ids"]),
    }


def plans(api: Api, learners: Iterable[str]) -> dict[str, list[str]]:
    """Each learner's planned task ids, in rank order."""
    planned = {}
    for learner_id in learners:
        response = api.call("GET", f"/learners/{learner_id}/next-tasks", role=Role.SERVICE)
        assert response.status_code == 200, response.text
        planned[learner_id] = [t["task_id"] for t in response.json()["tasks"]]
    return planned


def assert_same_mastery(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """Value for value, probabilities within float tolerance (the tracer's sums may run in another order
    when a learner is replayed rather than continued)."""
    assert [(m["learner_id"], m["concept_id"]) for m in got] == [
        (m["learner_id"], m["concept_id"]) for m in expected
    ]
    for g, e in zip(got, expected, strict=True):
        assert math.isclose(g["p_mastery"], e["p_mastery"], rel_tol=1e-9, abs_tol=1e-12), (g, e)
        assert math.isclose(g["correct"], e["correct"], rel_tol=1e-9, abs_tol=1e-12), (g, e)
        # The value right after the learner's own last answer on it (none: raised by transfer alone).
        assert (g["p_practised"] is None) == (e["p_practised"] is None), (g, e)
        if e["p_practised"] is not None:
            assert math.isclose(g["p_practised"], e["p_practised"], rel_tol=1e-9, abs_tol=1e-12), (g, e)
        exact = ("attempts", "last_practised", "as_of", "model_version")
        assert {k: g[k] for k in exact} == {k: e[k] for k in exact}, (g, e)


class OutageAfterFirstCommit(MasteryStore):
    """Neo4j goes away after the first transaction of a request committed."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        self.transactions = 0

    def run_ingest(self, work: Any) -> Any:
        self.transactions += 1
        if self.transactions > 1:
            raise ServiceUnavailable(
                "Neo4j (a test's) is unavailable; nothing was changed by this request, retry in 5 s",
                retry_after_s=5,
            )
        return super().run_ingest(work)


def test_a_backfill_batch_split_by_its_replays_says_how_many_were_stored_and_is_sent_again(
    graph: Graph, curriculum: SyntheticCurriculum, redis_client: redis.Redis, api: Api
) -> None:
    """An older batch arriving after newer answers replays its learners in full, split over transactions
    (bounded replays, docs/tracing.md); an outage after the first commit is a 503 whose `stored` counts
    what was stored, and sending the same batch again completes it: the mastery of one in-order ingest."""
    log = make_answers(curriculum, 12, 900, days=200.0, seed=43, prefix="lms-")
    older, newer = log[:300], log[300:]
    service = MasteryService(MasteryStore(graph))
    for start in range(0, len(newer), 300):
        service.ingest(newer[start : start + 300])
    failing = OutageAfterFirstCommit(graph)
    app = api.client.app
    app.dependency_overrides[get_mastery_service] = lambda: MasteryService(failing, max_replayed_answers=150)  # type: ignore[attr-defined]
    answers_before = counts(graph)["answers"]

    response = api.call("POST", "/answers", role=Role.SERVICE, json=older)

    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Retry-After"] == "5"
    body = response.json()
    stored = counts(graph)["answers"] - answers_before
    assert 0 < stored < len(older) and body["stored"] == stored, body
    assert f"{stored:,} answers of this batch were stored" in body["detail"]
    app.dependency_overrides.clear()  # type: ignore[attr-defined]

    again = api.call("POST", "/answers", role=Role.SERVICE, json=older)
    assert again.status_code == 200, again.text
    result = again.json()
    assert len(result["duplicates"]) == stored and len(result["accepted"]) == len(older) - stored
    assert counts(graph)["answers"] == len(log)
    backfilled = all_mastery(graph)

    empty_graph(graph)
    load_curriculum(graph, curriculum)
    service.ingest(log)
    assert_same_mastery(backfilled, all_mastery(graph))
