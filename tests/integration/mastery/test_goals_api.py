"""Goals (target concepts) and interests (tags) as graph data, set through the API."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum
from kgplatform.planning.store import PlanStore
from tests.integration.api.harness import Api
from tests.integration.locks import wait_until_blocked


def test_goals_are_replaced_and_unknown_concepts_named_in_a_422(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    first = api.call(
        "PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0003", "c0001"]}
    )
    assert first.status_code == 200, first.text
    assert first.json() == {"learner_id": "ana", "goals": ["c0001", "c0003"]}
    bad = api.call(
        "PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0002", "nope", "zilch"]}
    )
    assert bad.status_code == 422 and bad.json()["field"] == "concept_ids"
    assert bad.json()["unknown"] == ["nope", "zilch"] and "nope" in bad.json()["detail"]
    second = api.call("PUT", "/learners/ana/goals", role=Role.SERVICE, json={"concept_ids": ["c0002"]})
    assert second.json()["goals"] == ["c0002"]
    (stored,) = graph.read("mastery/get_learner", learner_id="ana")  # created on first sight
    assert stored["goals"] == ["c0002"]
    read = api.call("GET", "/learners/ana/goals", role=Role.SERVICE)
    assert read.status_code == 200 and read.json() == {"learner_id": "ana", "goals": ["c0002"]}
    unknown = api.call("GET", "/learners/nobody/goals", role=Role.SERVICE)
    assert unknown.status_code == 404 and unknown.json()["field"] == "learner_id"


def test_the_same_goals_or_interests_sent_again_leave_the_plan_stamp_alone(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """The learner's updated_at is an input stamp of its plan: an unchanged set must not make the plan
    stale (nor ask for a recomputation)."""

    def plan_stamp() -> datetime | None:
        return PlanStore(graph).input_stamps("cy", curriculum.id).mastery_at  # no mastery: the learner's own

    for path, body in (("goals", {"concept_ids": ["c0001", "c0003"]}), ("interests", {"tags": ["a", "b"]})):
        assert api.call("PUT", f"/learners/cy/{path}", role=Role.SERVICE, json=body).status_code == 200
        stamp = plan_stamp()
        reordered = {k: list(reversed(v)) for k, v in body.items()}
        assert api.call("PUT", f"/learners/cy/{path}", role=Role.SERVICE, json=reordered).status_code == 200
        assert plan_stamp() == stamp
        changed = {k: v[:1] for k, v in body.items()}
        assert api.call("PUT", f"/learners/cy/{path}", role=Role.SERVICE, json=changed).status_code == 200
        assert plan_stamp() > stamp


def test_a_goal_deleted_between_the_check_and_the_write_is_a_422_that_changes_nothing(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The concepts were checked in a read of their own and the goals written in another transaction,
    whose match skipped a concept deleted in between: 200 with the goal silently dropped."""
    assert api.call(
        "PUT", "/learners/di/goals", role=Role.SERVICE, json={"concept_ids": ["c0001"]}
    ).is_success
    check = MasteryStore.existing_concepts

    def check_then_delete(store: MasteryStore, concept_ids: list[str]) -> set[str]:
        found = check(store, concept_ids)
        graph.write("testing/delete_concepts_by_prefix", prefix="c0003", curriculum_id=curriculum.id)
        return found

    monkeypatch.setattr(MasteryStore, "existing_concepts", check_then_delete)
    raced = api.call("PUT", "/learners/di/goals", role=Role.SERVICE, json={"concept_ids": ["c0002", "c0003"]})
    assert raced.status_code == 422, raced.text
    assert raced.json()["field"] == "concept_ids" and raced.json()["unknown"] == ["c0003"]
    assert graph.read("mastery/get_learner", learner_id="di")[0]["goals"] == ["c0001"]  # unchanged


def test_interests_are_tags_replaced_as_a_set(api: Api, graph: Graph) -> None:
    put = api.call(
        "PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": ["music", "space", "music"]}
    )
    assert put.status_code == 200 and put.json()["interests"] == ["music", "space"]
    # Tags match whatever their case and spacing (as the planner matches them): one tag, first spelling.
    put = api.call(
        "PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": ["Space", " space ", "SPACE"]}
    )
    assert put.status_code == 200 and put.json()["interests"] == ["Space"]
    put = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": ["space"]})
    assert put.json()["interests"] == ["space"]
    assert graph.read("mastery/get_learner", learner_id="bo")[0]["interests"] == ["space"]
    read = api.call("GET", "/learners/bo/interests", role=Role.SERVICE)
    assert read.json() == {"learner_id": "bo", "interests": ["space"]}
    empty = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={"tags": [" "]})
    assert empty.status_code == 422 and empty.json()["field"] == "tags"
    missing = api.call("PUT", "/learners/bo/interests", role=Role.SERVICE, json={})
    assert missing.status_code == 422 and "tags" in missing.json()["detail"]


@pytest.mark.parametrize("tag", ["\u0000", "music\n", "ev-\u202etxt", "zero\u200bwidth"])
def test_an_interest_tag_holding_control_or_invisible_characters_is_a_422_naming_it(
    api: Api, graph: Graph, tag: str
) -> None:
    """They were stored: a NUL, a newline or a right-to-left override then came back in the learner's
    interests and plan reasons looking like another tag (a review, s36). As key names and new ids, they
    are refused, naming the tag; nothing is stored, not even the learner."""
    put = api.call("PUT", "/learners/di/interests", role=Role.SERVICE, **escaped({"tags": ["music", tag]}))
    assert put.status_code == 422, put.text
    assert put.json()["field"] == "tags.1" and "characters (U+" in put.json()["detail"] + put.text
    assert not graph.read("mastery/get_learner", learner_id="di")
    kept = api.call("PUT", "/learners/di/interests", role=Role.SERVICE, json={"tags": ["music", " Space "]})
    assert kept.status_code == 200 and kept.json()["interests"] == ["Space", "music"]


def escaped(body: object) -> dict[str, Any]:
    """JSON with non-ASCII as escapes: the only way to post a lone surrogate."""
    return {"content": json.dumps(body).encode("ascii"), "headers": {"Content-Type": "application/json"}}


def test_learner_ids_follow_the_answers_rule_and_text_must_be_unicode(api: Api, graph: Graph) -> None:
    """Goals and interests create learners: only ids an answer could carry, and nothing the driver
    cannot encode (a lone surrogate) gets as far as Neo4j."""
    spaced = api.call("PUT", "/learners/a b/goals", role=Role.SERVICE, json={"concept_ids": ["c0001"]})
    assert spaced.status_code == 422 and spaced.json()["field"] == "learner_id"
    # Latin-1 bytes in the path (caf%E9, caf%E8) both arrived as "caf\ufffd": one learner for two.
    latin1 = api.call("PUT", "/learners/caf%E9/goals", role=Role.SERVICE, json={"concept_ids": ["c0001"]})
    assert latin1.status_code == 422 and latin1.json()["field"] == "learner_id", latin1.text
    too_long = api.call("PUT", f"/learners/{'x' * 201}/interests", role=Role.SERVICE, json={"tags": ["a"]})
    assert too_long.status_code == 422 and too_long.json()["field"] == "learner_id"
    goal = api.call("PUT", "/learners/cy/goals", role=Role.SERVICE, **escaped({"concept_ids": ["\ud800"]}))
    assert goal.status_code == 422 and goal.json()["field"] == "concept_ids.0"
    tag = api.call("PUT", "/learners/cy/interests", role=Role.SERVICE, **escaped({"tags": ["\udfff"]}))
    assert tag.status_code == 422 and tag.json()["field"] == "tags.0"
    assert not graph.read("mastery/get_learner", learner_id="cy")
    assert not graph.read("mastery/get_learner", learner_id="a b")
    assert not graph.read("mastery/get_learner", learner_id="caf\ufffd")


def test_a_goals_change_that_waited_for_the_learners_lock_is_dated_after_the_holder(
    graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """The change once took its time before waiting: a transaction holding the learner (an ingest) that
    committed a later stamp was then overwritten with the older one, and a plan made in between, with the
    old goals, looked newer than the change."""
    import threading
    from datetime import UTC, datetime

    from kgplatform.graph.queries import query_text
    from kgplatform.mastery.service import MasteryService
    from kgplatform.mastery.store import MasteryStore

    service = MasteryService(MasteryStore(graph))
    service.set_goals("ana", ["c0001"])
    holder_stamp: list[datetime] = []
    locked = threading.Event()

    def holder() -> None:
        with graph.session() as session, session.begin_transaction() as tx:
            tx.run(query_text("mastery/lock_learner"), learner_id="ana", now=datetime.now(UTC)).consume()
            locked.set()
            # Until the goals change below waits for the lock. A fixed 0.5 s let a change that had not got
            # there yet (a loaded machine) come after the commit: the test passed without the interleaving.
            wait_until_blocked(graph)
            holder_stamp.append(datetime.now(UTC))
            tx.run(query_text("mastery/replace_interests"), learner_id="ana", tags=["x"], now=holder_stamp[0])
            tx.commit()

    thread = threading.Thread(target=holder)
    thread.start()
    assert locked.wait(10)
    service.set_goals("ana", ["c0002"])
    thread.join(10)
    stored = graph.read("mastery/get_learner", learner_id="ana")[0]
    assert stored["goals"] == ["c0002"] and stored["interests"] == ["x"]
    assert PlanStore(graph).input_stamps("ana", curriculum.id).mastery_at > holder_stamp[0]
