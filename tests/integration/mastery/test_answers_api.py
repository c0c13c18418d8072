"""POST /answers against the real app and Neo4j: idempotency, per-row rejection, learners on first sight."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from kgplatform.auth.models import Role
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from kgplatform.planning.cache import answered_key
from tests.integration.api.harness import Api
from tests.integration.mastery.conftest import all_mastery, counts

PROBLEM = "application/problem+json"
JSON = {"Content-Type": "application/json"}


def post(api: Api, body: Any, **params: Any) -> Any:
    return api.call("POST", "/answers", role=Role.SERVICE, json=body, params=params)


def post_escaped(api: Api, body: Any) -> Any:
    """JSON with non-ASCII as escapes, as many clients send it: the only way to post a lone surrogate."""
    content = json.dumps(body).encode("ascii")
    return api.call("POST", "/answers", role=Role.SERVICE, content=content, headers=JSON)


def test_replaying_a_batch_reports_every_row_as_duplicate_and_changes_nothing(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    batch = make_answers(curriculum, 20, 300, seed=1)
    first = post(api, batch)
    assert first.status_code == 200, first.text
    assert first.json()["accepted"] == [row["event_id"] for row in batch]
    assert first.json()["learners_created"] == len({row["learner_id"] for row in batch})
    before, stored = all_mastery(graph), counts(graph)
    assert stored["answers"] == 300 and stored["mastery"] > 0

    again = post(api, {"answers": batch})
    assert again.status_code == 200
    assert again.json()["accepted"] == [] and again.json()["rejected"] == []
    assert again.json()["duplicates"] == [row["event_id"] for row in batch]
    assert all_mastery(graph) == before and counts(graph) == stored


def test_a_retry_holding_stored_rows_and_a_conflict_is_200_naming_both(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """A 409 says nothing was stored: a retried batch whose rows are stored already must hear so
    (duplicates), next to the row whose id now names other content (rejected, a conflict)."""
    batch = make_answers(curriculum, 2, 4, seed=7)[:2]
    assert post(api, batch).status_code == 200
    before, stored = all_mastery(graph), counts(graph)
    retried = post(api, [batch[0], {**batch[1], "correct": not batch[1]["correct"]}])
    assert retried.status_code == 200, retried.text
    assert retried.json()["duplicates"] == [batch[0]["event_id"]]
    assert [(r["event_id"], r["reason"], r["field"]) for r in retried.json()["rejected"]] == [
        (batch[1]["event_id"], "conflict", "correct")
    ]
    assert all_mastery(graph) == before and counts(graph) == stored


def test_a_single_answer_creates_its_learner_on_first_sight(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    answer = {
        "event_id": "only",
        "learner_id": "newcomer",
        "task_id": curriculum.tasks[0]["id"],
        "score": 0.5,
        "answered_at": "2026-02-01T10:00:00+01:00",
    }
    response = post(api, answer)
    assert response.status_code == 200 and response.json()["accepted"] == ["only"]
    assert response.json()["learners_created"] == 1
    mastery = api.call("GET", "/learners/newcomer/mastery", role=Role.SERVICE)
    assert mastery.status_code == 200
    concepts = mastery.json()["concepts"]
    assert [c["concept_id"] for c in concepts] == curriculum.tasks[0]["concept_ids"]
    assert concepts[0]["attempts"] == 1 and concepts[0]["correct"] == 0.5
    assert concepts[0]["last_practised"].startswith("2026-02-01T09:00:00")
    assert 0 < concepts[0]["p_now"] <= concepts[0]["p_mastery"] < 1


def test_unknown_task_and_malformed_rows_are_rejected_with_reasons_the_rest_stored(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    good, unknown, no_zone, both = make_answers(curriculum, 3, 4, seed=2)
    unknown["task_id"] = "no-such-task"
    no_zone["answered_at"] = "2026-01-05T08:00:00"
    both["score"] = 1.0
    response = post(api, [good, unknown, no_zone, both, "not an object"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == [good["event_id"]]
    rejected = {r["index"]: r for r in body["rejected"]}
    assert rejected[1]["reason"] == "unknown_task" and rejected[1]["field"] == "task_id"
    assert "no-such-task" in rejected[1]["message"]
    assert rejected[2]["reason"] == "invalid" and rejected[2]["field"] == "answered_at"
    assert rejected[3]["reason"] == "invalid" and "exactly one" in rejected[3]["message"]
    assert rejected[4]["reason"] == "invalid" and rejected[4]["field"] == "row"
    assert counts(graph)["answers"] == 1


def test_a_corrected_row_after_one_naming_an_unknown_task_is_stored_with_its_mastery(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """The same event id twice in one batch, first with a task id typo: the typo is refused and the
    corrected row stored (it was refused as a conflict with the row that was never stored)."""
    (row,) = make_answers(curriculum, 1, 1, seed=7)
    response = post(api, [{**row, "task_id": "no-such-task"}, row])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["accepted"] == [row["event_id"]] and body["learners_created"] == 1
    assert [(r["index"], r["reason"]) for r in body["rejected"]] == [(0, "unknown_task")]
    assert counts(graph)["answers"] == 1 and counts(graph)["mastery"] > 0


def test_a_batch_of_only_malformed_rows_is_422_naming_the_field(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    (row,) = make_answers(curriculum, 1, 1, seed=4)
    row["duration_s"] = -3
    response = post(api, [row])
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM
    assert response.json()["field"] == "duration_s"
    assert response.json()["rejected"][0]["field"] == "duration_s"
    assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}


def test_same_event_id_with_other_content_is_a_conflict_naming_it(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    (row,) = make_answers(curriculum, 1, 1, seed=5)
    assert post(api, row).status_code == 200
    before = all_mastery(graph)
    changed = {**row, "correct": not row["correct"]}
    response = post(api, changed)
    assert response.status_code == 409 and response.headers["content-type"] == PROBLEM
    assert row["event_id"] in response.json()["detail"] and "correct" in response.json()["detail"]
    assert response.json()["rejected"][0]["reason"] == "conflict"
    assert all_mastery(graph) == before


def test_atomic_batch_with_one_bad_row_stores_nothing(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    rows = make_answers(curriculum, 5, 50, seed=6)
    rows[30]["task_id"] = "missing"
    response = post(api, rows, atomic="true")
    assert response.status_code == 422 and response.json()["rejected"][0]["index"] == 30
    assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}
    rows[30]["task_id"] = curriculum.tasks[0]["id"]
    assert post(api, rows, atomic="true").status_code == 200
    assert counts(graph)["answers"] == 50


def test_answers_need_a_service_key_and_batches_are_bounded(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    rows = make_answers(curriculum, 1, 2, seed=7)
    designer = api.call("POST", "/answers", role=Role.DESIGNER, json=rows)
    assert designer.status_code == 403
    too_many = post(api, [rows[0]] * 10_001)
    assert too_many.status_code == 422 and too_many.json()["field"] == "answers"
    assert post(api, []).status_code == 422


def test_mastery_of_an_unknown_learner_is_404(api: Api) -> None:
    response = api.call("GET", "/learners/nobody/mastery", role=Role.SERVICE)
    assert response.status_code == 404 and response.json()["field"] == "learner_id"


def test_rows_holding_anything_are_rejected_by_field_and_the_rest_stored(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """Unhashable or unencodable event ids and times outside what UTC can hold: each such row is rejected
    naming its field, the good row is stored, and the response (which echoes event ids) is still sent."""
    (good,) = make_answers(curriculum, 1, 1, seed=8)
    odd = [
        {**good, "event_id": []},
        {**good, "event_id": {"a": 1}},
        {**good, "event_id": "\ud800"},
        {**good, "event_id": "late", "answered_at": "9999-12-31T23:30:00-01:00"},
        {**good, "event_id": "early", "answered_at": "0001-01-01T00:00:00+01:00"},
    ]
    response = post_escaped(api, [good, *odd])
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == [good["event_id"]]
    rejected = [(r["index"], r["field"], r["event_id"]) for r in response.json()["rejected"]]
    assert rejected == [
        (1, "event_id", None),
        (2, "event_id", None),
        (3, "event_id", None),
        (4, "answered_at", "late"),
        (5, "answered_at", "early"),
    ]
    assert counts(graph)["answers"] == 1
    only_odd = post(api, odd[:1])
    assert only_odd.status_code == 422 and only_odd.json()["field"] == "event_id"


def test_event_ids_are_compared_code_point_for_code_point_not_normalised(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    """docs/services.md, "Event ids": an event id is an opaque token, matched exactly as sent (after JSON
    decoding: an escape and the raw character are one id). "café" in NFC and in NFD are two ids, so two
    answers; each form replayed is a duplicate of its own answer. Normalising would make a second service's
    answer a duplicate of the first's, and the second answer would be lost."""
    row = make_answers(curriculum, 1, 1, seed=12)[0]
    nfc, nfd = "svc:caf\u00e9-1", "svc:cafe\u0301-1"
    first = post(api, {**row, "event_id": nfc})
    assert first.status_code == 200 and first.json()["accepted"] == [nfc], first.text
    second = post(api, {**row, "event_id": nfd})
    assert second.status_code == 200 and second.json()["accepted"] == [nfd], second.text
    assert counts(graph)["answers"] == 2
    # The same ids again, the NFC one sent as a JSON escape (json.dumps writes \u00e9): duplicates.
    escaped = post_escaped(api, {**row, "event_id": nfc})
    assert escaped.status_code == 200 and escaped.json()["duplicates"] == [nfc], escaped.text
    assert post(api, {**row, "event_id": nfd}).json()["duplicates"] == [nfd]
    assert counts(graph)["answers"] == 2


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"learner_id": "a/b"}, "learner_id"),  # no learner route could reach it
        ({"learner_id": ".."}, "learner_id"),
        ({"learner_id": "Cafe\u0301"}, "learner_id"),  # NFD: "Café" typed another way
        ({"correct": "yes"}, "correct"),
        ({"correct": 1}, "correct"),
        ({"correct": None, "score": "0.5"}, "score"),
        ({"answered_at": 1764496800}, "answered_at"),  # seconds since 1970: not a time we guess at
        ({"answered_at": "1764496800"}, "answered_at"),
        ({"answered_at": "1700000000.5"}, "answered_at"),
        ({"answered_at": "-5"}, "answered_at"),
        ({"duration_s": "12"}, "duration_s"),
    ],
)
def test_ids_no_route_can_reach_and_values_of_the_wrong_type_are_refused(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, change: dict[str, Any], field: str
) -> None:
    (row,) = make_answers(curriculum, 1, 1, seed=8)
    response = post(api, {**row, **change})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field
    assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}


def test_learner_routes_refuse_ids_that_answers_would_refuse(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    concept = curriculum.tasks[0]["concept_ids"][0]
    nfd = api.call("PUT", "/learners/Cafe\u0301/goals", role=Role.SERVICE, json={"concept_ids": [concept]})
    assert nfd.status_code == 422 and nfd.json()["field"] == "learner_id", nfd.text
    assert "NFC" in nfd.text
    control = api.call("GET", "/learners/x%00y/next-tasks", role=Role.SERVICE)
    assert control.status_code == 422 and control.json()["field"] == "learner_id", control.text


@pytest.mark.parametrize(
    ("content", "field", "words"),
    [
        (b'"just text"', "body", "valid"),
        (b"42", "body", "valid"),
        (b'{"answers": [], "foo": 1}', "body", "foo"),
        (b'{"answers": {"event_id": "e"}}', "answers", "array"),
        (b'{"answers": []}', "answers", "at least one"),
    ],
)
def test_a_body_of_the_wrong_shape_is_refused_naming_where(
    api: Api, graph: Graph, content: bytes, field: str, words: str
) -> None:
    response = api.call("POST", "/answers", role=Role.SERVICE, content=content, headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and words in response.text
    assert "[any]" not in response.text, "no pydantic union member names"
    assert counts(graph) == {"answers": 0, "learners": 0, "mastery": 0}


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "text/plain; charset=utf-8", None]
)
def test_json_sent_as_another_media_type_is_a_415_saying_to_send_json(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, content_type: str | None
) -> None:
    """curl -d sends form-urlencoded: the API answered 422 "body: Input should be a valid list", as if
    the JSON were wrong; nothing may be stored either way. So did a body with no Content-Type (None)."""
    batch = make_answers(curriculum, 2, 3, seed=4)
    headers = {} if content_type is None else {"Content-Type": content_type}
    response = api.call("POST", "/answers", role=Role.SERVICE, content=json.dumps(batch), headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["field"] == "content-type" and "application/json" in problem["detail"]
    assert counts(graph)["answers"] == 0
    # The same bytes as JSON are stored, and a JSON subtype (+json) is JSON too.
    ok = api.call(
        "POST",
        "/answers",
        role=Role.SERVICE,
        content=json.dumps(batch),
        headers={"Content-Type": "application/vnd.kgp+json"},
    )
    assert ok.status_code == 200, ok.text


def test_a_keyless_request_with_a_text_body_hears_it_needs_a_key_before_the_media_type(
    api: Api, curriculum: SyntheticCurriculum
) -> None:
    """The content-type check is app-wide, so it ran before the route's key check: a caller without a
    key (or with a made-up one) was told to send JSON, then, having done so, that it needs a key."""
    body = json.dumps(make_answers(curriculum, 1, 1, seed=5))
    plain = {"Content-Type": "text/plain"}
    keyless = api.client.post("/answers", content=body, headers=plain)
    assert keyless.status_code == 401 and keyless.json()["field"] == "X-API-Key", keyless.text
    made_up = api.client.post("/answers", content=body, headers={**plain, "X-API-Key": "kgp_" + "x" * 43})
    assert made_up.status_code == 401, made_up.text
    # A key of another role: it may not post answers, whatever the media type.
    designer = api.call("POST", "/answers", role=Role.DESIGNER, content=body, headers=plain)
    assert designer.status_code == 403, designer.text
    # A valid key: the media type is the problem.
    assert api.call("POST", "/answers", role=Role.SERVICE, content=body, headers=plain).status_code == 415


def test_a_retry_of_a_batch_stored_unanswered_still_marks_its_learners_plans_stale(
    api: Api, graph: Graph, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    """A connection lost during the commit: the answers are stored but the API answers 503 before it
    stamps the learners' cached plans, and tells the caller to send them again. The retry found only
    duplicates and stamped nothing, so those plans were served as fresh (a review, 1 December)."""
    batch = make_answers(curriculum, 3, 6, seed=7)
    assert not MasteryService(MasteryStore(graph)).ingest(batch).rejected  # stored, never stamped
    learners = sorted({row["learner_id"] for row in batch})
    assert [redis_client.get(answered_key(learner)) for learner in learners] == [None] * len(learners)
    again = post(api, batch)
    assert again.status_code == 200 and len(again.json()["duplicates"]) == len(batch)
    assert all(redis_client.get(answered_key(learner)) is not None for learner in learners)


def test_a_rejected_row_sharing_a_stored_event_id_asks_no_recomputation_for_its_learner(
    api: Api, curriculum: SyntheticCurriculum, redis_client: redis.Redis
) -> None:
    """The route picked learners by event id: a row rejected as a conflict (the id reused for another
    learner) stamped that learner's plan stale and queued a recomputation, for a learner who may not exist."""
    (row,) = make_answers(curriculum, 1, 1, seed=11)
    other = {**row, "learner_id": "someone-else"}
    answer = post(api, [row, other])
    assert answer.status_code == 200, answer.text
    assert [r["index"] for r in answer.json()["rejected"]] == [1]
    assert redis_client.get(answered_key(row["learner_id"])) is not None
    assert redis_client.get(answered_key("someone-else")) is None
