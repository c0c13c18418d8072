"""Services' promises when their requests overlap, over real HTTP: several clients, each on its own
connection to the API served by uvicorn, released together by a barrier, for many rounds.

What holds each promise: an ingest write-locks its learners before reading the state it continues from
(`mastery/lock_learners`), the unique constraint on `Answer.event_id` decides between two posts of one
event (the loser runs again and finds it stored), an erase locks the learner first, and a write meeting a
concept that a designer's delete removed after it was matched runs again with the curriculum as it is now
(`mastery.store._node_deleted_meanwhile`).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import redis

from kgplatform.auth.models import Role
from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum.models import ConceptIn, CurriculumIn, TaskIn
from kgplatform.curriculum.tasks import create_task
from kgplatform.errors import NotFound, ValidationFailed
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.settings import Settings
from tests.empty_graph import empty_graph
from tests.integration.live_api import LiveApi, at_once, served_api
from tests.integration.locks import write_behind_held_writer
from tests.integration.mastery.conftest import all_mastery, counts, load_curriculum

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def live(settings: Settings, graph: Graph, redis_client: redis.Redis) -> Iterator[LiveApi]:
    with served_api(settings, graph) as api:
        yield api


@pytest.fixture
def designer(live: LiveApi) -> Iterator[httpx.Client]:
    with live.client(Role.DESIGNER) as client:
        yield client


@pytest.fixture
def services(live: LiveApi) -> Iterator[list[httpx.Client]]:
    """Four service clients, each with connections of its own."""
    clients = [live.client(Role.SERVICE) for _ in range(4)]
    yield clients
    for client in clients:
        client.close()


def answer(event_id: str, learner_id: str, task_id: str, correct: bool, at: datetime) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "learner_id": learner_id,
        "task_id": task_id,
        "correct": correct,
        "answered_at": at.isoformat(),
    }


def created(response: httpx.Response) -> None:
    assert response.status_code == 201, response.text


def delete_concept(designer: httpx.Client, concept_id: str) -> httpx.Response:
    etag = designer.get(f"/concepts/{concept_id}").headers["ETag"]
    return designer.delete(f"/concepts/{concept_id}", params={"cascade": "true"}, headers={"If-Match": etag})


def mastery_of(client: httpx.Client, learner_id: str) -> dict[str, dict[str, Any]]:
    response = client.get(f"/learners/{learner_id}/mastery")
    assert response.status_code == 200, response.text
    return {c["concept_id"]: c for c in response.json()["concepts"]}


def test_answers_racing_the_delete_of_their_tasks_concept_are_stored_once_and_traced_on_what_remains(
    designer: httpx.Client, services: list[httpx.Client]
) -> None:
    """Task t exercises a and b; a is deleted (cascade) while answers on t arrive. An ingest matched a,
    then waited for its lock to write the learner's MASTERY to it; the delete committed, and Neo4j's
    EntityNotFound was a 500 for every such answer (a review, 6 December 2026). Each answer must be stored,
    once, and traced on b, whichever of the two committed first."""
    assert designer.post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
    accepted: Counter[tuple[str, str]] = Counter()  # (learner, task) -> answers stored
    for r in range(8):
        for concept_id in (f"a{r}", f"b{r}"):
            created(designer.post("/curricula/m/concepts", json={"id": concept_id, "name": concept_id}))
        task = {"id": f"t{r}", "title": "T", "kind": "quiz", "concepts": [f"a{r}", f"b{r}"]}
        created(designer.post("/curricula/m/tasks", json=task))
        # Learners with mastery of a already (written in place) and a new one (created).
        for k in range(3):
            at = T0 + timedelta(minutes=r, seconds=k)
            posted = services[0].post("/answers", json=[answer(f"e{r}-{k}", f"l{k}", f"t{r}", True, at)])
            assert posted.json()["accepted"] == [f"e{r}-{k}"], posted.text
            accepted[(f"l{k}", f"t{r}")] += 1
        rows = [
            answer(f"e{r}-{k}", f"l{k % 4}", f"t{r}", k % 2 == 0, T0 + timedelta(minutes=r, seconds=k))
            for k in range(3, 7)
        ]
        outcomes = at_once(
            lambda r=r: delete_concept(designer, f"a{r}"),
            *[
                lambda c=c, row=row: c.post("/answers", json=[row])
                for c, row in zip(services, rows, strict=True)
            ],
        )
        assert [o.status_code for o in outcomes] == [200] * 5, [o.text for o in outcomes]
        for row, outcome in zip(rows, outcomes[1:], strict=True):
            assert outcome.json()["accepted"] == [row["event_id"]], outcome.text
            accepted[(row["learner_id"], row["task_id"])] += 1
    for learner_id in ("l0", "l1", "l2", "l3"):
        mastery = mastery_of(services[0], learner_id)
        # Every answer on t{r} counted once on b{r}, nothing left on the deleted a{r}.
        assert {cid: m["attempts"] for cid, m in mastery.items()} == {
            f"b{r}": accepted[(learner_id, f"t{r}")] for r in range(8) if accepted[(learner_id, f"t{r}")]
        }


def test_goals_racing_the_delete_of_their_concept_are_set_or_refused_naming_it(
    designer: httpx.Client, services: list[httpx.Client]
) -> None:
    """A goals PUT matched the concept, waited for its lock, and met it deleted: a 500 (a review, 6
    December 2026). Now each PUT either committed first (200, and the delete then removed the goal) or
    after (422 naming `concept_ids`); either way no learner is left with the goal."""
    assert designer.post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
    created(designer.post("/curricula/m/concepts", json={"id": "kept", "name": "kept"}))
    statuses: Counter[int] = Counter()
    for r in range(8):
        created(designer.post("/curricula/m/concepts", json={"id": f"a{r}", "name": "a"}))
        outcomes = at_once(
            lambda r=r: delete_concept(designer, f"a{r}"),
            *[
                lambda c=c, k=k, r=r: c.put(f"/learners/l{k}/goals", json={"concept_ids": ["kept", f"a{r}"]})
                for k, c in enumerate(services)
            ],
        )
        assert outcomes[0].status_code == 200, outcomes[0].text
        for outcome in outcomes[1:]:
            statuses[outcome.status_code] += 1
            assert outcome.status_code in (200, 422), outcome.text
            if outcome.status_code == 200:  # committed before the delete, which then removed the goal
                assert outcome.json()["goals"] == [f"a{r}", "kept"], outcome.text
            else:
                problem = outcome.json()
                assert (problem["field"], problem["unknown_ids"]) == ("concept_ids", [f"a{r}"]), problem
        for k, client in enumerate(services):
            goals = client.get(f"/learners/l{k}/goals")
            if goals.status_code == 200:  # a learner whose every PUT was refused was never created
                assert goals.json()["goals"] == ["kept"], goals.text
    assert sum(statuses.values()) == 32


def test_one_event_posted_over_several_connections_at_once_is_stored_and_traced_once(
    services: list[httpx.Client], graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """A retry sent while the first attempt still runs, four times over: one 'accepted', the rest
    'duplicates', one answer stored, one attempt in mastery."""
    log = make_answers(curriculum, 3, 60, seed=5)
    for row in log:
        outcomes = at_once(*[lambda c=c, row=row: c.post("/answers", json=[row]) for c in services])
        bodies = [o.json() for o in outcomes]
        assert [o.status_code for o in outcomes] == [200] * 4, bodies
        assert sorted(len(b["accepted"]) for b in bodies) == [0, 0, 0, 1], bodies
        assert sum(b["duplicates"] == [row["event_id"]] for b in bodies) == 3, bodies
    assert counts(graph)["answers"] == len(log)
    assert_mastery_of_one_in_order_ingest(graph, curriculum, log)


def assert_mastery_of_one_in_order_ingest(
    graph: Graph, curriculum: SyntheticCurriculum, log: list[dict[str, Any]]
) -> None:
    """The graph's mastery equals that of ingesting `log` whole, in order, on an empty graph."""
    concurrent = all_mastery(graph)
    assert concurrent
    empty_graph(graph)
    load_curriculum(graph, curriculum)
    MasteryService(MasteryStore(graph)).ingest(log)
    assert concurrent == all_mastery(graph)


def test_concurrent_shuffled_batches_of_the_same_learners_give_the_mastery_of_the_log_in_order(
    services: list[httpx.Client], graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """docs/tracing.md: arrival order never matters. Four clients post shuffled batches of two learners'
    answers at once (each batch holds answers older than others already stored: replays race ingests)."""
    log = make_answers(curriculum, 2, 240, seed=17)
    shuffled = random.Random(17).sample(log, len(log))
    batches = [shuffled[i : i + 12] for i in range(0, len(shuffled), 12)]
    for start in range(0, len(batches), 4):
        round_ = batches[start : start + 4]
        outcomes = at_once(
            *[lambda c=c, b=b: c.post("/answers", json=b) for c, b in zip(services, round_, strict=False)]
        )
        for batch, outcome in zip(round_, outcomes, strict=True):
            assert outcome.status_code == 200, outcome.text
            assert outcome.json()["accepted"] == [row["event_id"] for row in batch], outcome.text
    assert counts(graph)["answers"] == len(log)
    assert_mastery_of_one_in_order_ingest(graph, curriculum, log)


def test_an_erase_racing_the_learners_answers_leaves_them_whole_or_gone(
    services: list[httpx.Client], graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """docs/learner-data.md: an answer the erase's transaction came before is erased with the learner; one
    that waited for it creates a new learner holding only such answers. Never an answer without its
    learner, nor mastery counting an answer that is gone."""
    log = make_answers(curriculum, 1, 80, seed=29)
    (learner_id,) = {row["learner_id"] for row in log}
    for r in range(8):
        part = log[r * 10 : r * 10 + 10]
        services[0].post("/answers", json=part[:4]).raise_for_status()
        late = part[4:7]
        outcomes = at_once(
            lambda: services[0].delete(f"/learners/{learner_id}"),
            *[
                lambda c=c, row=row: c.post("/answers", json=[row])
                for c, row in zip(services[1:], late, strict=True)
            ],
        )
        assert outcomes[0].status_code in (200, 404), outcomes[0].text
        assert all(o.status_code == 200 for o in outcomes[1:]), [o.text for o in outcomes]
        stored_after = [row for row, o in zip(late, outcomes[1:], strict=True) if o.json()["accepted"]]
        left = services[0].get(f"/learners/{learner_id}/answers")
        if left.status_code == 404:
            assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}
            continue
        assert left.status_code == 200, left.text
        kept = {a["event_id"] for a in left.json()["items"]}
        # What survived is a subset of the answers that raced the erase, all of them reported stored.
        assert kept <= {row["event_id"] for row in stored_after}, (kept, stored_after)
        assert counts(graph)["answers"] == len(kept) and counts(graph)["learners"] == 1
        # Mastery counts exactly the answers kept: those erased with the learner count nowhere.
        concepts_of = {t["id"]: t["concept_ids"] for t in curriculum.tasks}
        expected = Counter(
            c for row in stored_after if row["event_id"] in kept for c in concepts_of[row["task_id"]]
        )
        mastery = mastery_of(services[0], learner_id)
        assert {cid: m["attempts"] for cid, m in mastery.items() if m["attempts"]} == dict(expected)
        services[0].delete(f"/learners/{learner_id}").raise_for_status()


def _delete_held_open_while(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, concept_id: str, write: Callable[[], Any]
) -> dict[str, Any]:
    """Forces the interleaving the rounds above meet by chance: the cascade delete of `concept_id` holds
    its transaction open (the concept locked and deleted, not committed) while `write` matches the concept
    (still committed) and waits for its lock; then the delete commits."""
    etag = f'"{curriculum_service.get_concept(graph, concept_id).version}"'
    return write_behind_held_writer(
        graph,
        monkeypatch,
        lambda: curriculum_service.delete_concept(graph, concept_id, etag, True, "designer"),
        write,
    )


@pytest.fixture
def two_concept_task(graph: Graph) -> None:
    """Curriculum m: concepts a and b, task t exercising both."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    for concept_id in ("a", "b"):
        curriculum_service.create_concept(graph, "m", ConceptIn(id=concept_id, name=concept_id), "designer")
    create_task(graph, "m", TaskIn(id="t", title="T", kind="quiz", concepts=["a", "b"]), "designer")


def test_an_answer_waiting_on_a_concept_being_deleted_is_traced_on_the_task_as_it_is_then(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, two_concept_task: None
) -> None:
    """Before the fix the ingest raised Neo4j's EntityNotFound (a 500) and stored nothing."""
    service = MasteryService(MasteryStore(graph))
    row = answer("e1", "new-learner", "t", True, T0)
    outcome = _delete_held_open_while(graph, monkeypatch, "a", lambda: service.ingest([row]))
    assert "error" not in outcome, repr(outcome.get("error"))
    assert outcome["result"].accepted == ["e1"]
    assert [(m["concept_id"], m["attempts"]) for m in all_mastery(graph)] == [("b", 1)]


def test_goals_waiting_on_a_concept_being_deleted_are_refused_naming_it(
    graph: Graph, monkeypatch: pytest.MonkeyPatch, two_concept_task: None
) -> None:
    """Before the fix the goals PUT raised Neo4j's EntityNotFound (a 500); now the 422 of an unknown
    concept, and nothing written."""
    service = MasteryService(MasteryStore(graph))
    outcome = _delete_held_open_while(graph, monkeypatch, "a", lambda: service.set_goals("l1", ["a", "b"]))
    error = outcome.get("error")
    assert isinstance(error, ValidationFailed), repr(outcome)
    assert (error.field, error.details["unknown_ids"]) == ("concept_ids", ["a"])
    with pytest.raises(NotFound):  # nothing written: not even the learner the PUT would have created
        service.learner("l1")


def test_answers_racing_task_edits_leave_each_learner_traced_as_a_full_replay_would(
    designer: httpx.Client, services: list[httpx.Client], graph: Graph
) -> None:
    """A task's concepts change (a structural edit: the revision moves) while answers on it arrive. An
    ingest that traced with the old task map must not stamp its learner current for the new one. After the
    rounds, a retrace replays every learner stamped otherwise; forcing every learner to be replayed in full
    must then change nothing."""
    assert designer.post("/curricula", json={"id": "m", "name": "m"}).status_code == 201
    for concept_id in ("a", "b", "c"):
        created(designer.post("/curricula/m/concepts", json={"id": concept_id, "name": concept_id}))
    for k in range(3):
        created(
            designer.post(
                "/curricula/m/tasks", json={"id": f"t{k}", "title": "T", "kind": "quiz", "concepts": ["a"]}
            )
        )
    maps = [["a"], ["b"], ["a", "c"], ["c"]]
    for r in range(8):
        task_id = f"t{r % 3}"
        etag = designer.get(f"/tasks/{task_id}").headers["ETag"]
        rows = [
            answer(
                f"e{r}-{k}",
                f"l{k}",
                f"t{(r + k) % 3}",
                (r + k) % 2 == 0,
                T0 + timedelta(minutes=r, seconds=k),
            )
            for k in range(3)
        ]
        outcomes = at_once(
            lambda task_id=task_id, etag=etag, r=r: designer.patch(
                f"/tasks/{task_id}", json={"concepts": maps[r % 4]}, headers={"If-Match": etag}
            ),
            *[
                lambda c=c, row=row: c.post("/answers", json=[row])
                for c, row in zip(services, rows, strict=False)
            ],
        )
        assert [o.status_code for o in outcomes] == [200] * 4, [o.text for o in outcomes]
    learners = ["l0", "l1", "l2"]
    service = MasteryService(MasteryStore(graph))
    service.retrace(learners)  # those stamped under an older revision
    traced = all_mastery(graph)
    graph.write("mastery/mark_learners_for_replay", learner_ids=learners, pending="replay-pending")
    assert sorted(service.retrace(learners).replayed) == learners
    assert all_mastery(graph) == traced
