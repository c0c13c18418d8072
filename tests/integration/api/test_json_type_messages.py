"""A body member of the wrong JSON type, on the real app and services: the 422 says what was sent and what to
send, in the problem's `errors` and in POST /answers' rejected rows, with the field named as before.

Until 6 December 2026 each read pydantic's "Input should be a valid number" (or integer, boolean), which does
not tell a service that sent the text "0.5" why that is no number (a review, 6 December 2026).
"""

from __future__ import annotations

from typing import Any

import pytest

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api

NUMBER_NOT_TEXT = 'a JSON number is needed, not the text "0.5" (send 0.5)'


def refusal(response: Any) -> tuple[str, list[dict[str, str]]]:
    """A 422's `field` and `errors`, after checking the problem's shape is the one clients parse."""
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["title"] == "Validation failed" and body["detail"] == f"invalid request: {body['field']}"
    assert body["errors_total"] == len(body["errors"])
    return body["field"], body["errors"]


@pytest.mark.parametrize(
    ("difficulty", "message"),
    [
        ("0.5", NUMBER_NOT_TEXT),
        (True, "a JSON number is needed, not the boolean true"),
    ],
)
def test_a_concept_edit_of_the_wrong_json_type_says_what_to_send_and_changes_nothing(
    api: Api, difficulty: object, message: str
) -> None:
    api.curriculum("maths")
    api.call("POST", "/curricula/maths/concepts", json={"id": "a", "name": "A", "difficulty": 0.2})
    response = api.call("PATCH", "/concepts/a", if_match=1, json={"difficulty": difficulty})
    assert refusal(response) == ("difficulty", [{"field": "difficulty", "message": message}])
    stored = api.call("GET", "/concepts/a").json()
    assert (stored["difficulty"], stored["version"]) == (0.2, 1)


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (12.0, "a JSON integer is needed, not the number 12.0 (send 12)"),
        ("12", 'a JSON integer is needed, not the text "12" (send 12)'),
    ],
)
def test_a_new_task_with_minutes_of_the_wrong_json_type_says_what_to_send(
    api: Api, minutes: object, message: str
) -> None:
    api.curriculum("maths", "a")
    body = {"id": "t1", "title": "T1", "kind": "exercise", "concepts": ["a"], "estimated_minutes": minutes}
    response = api.call("POST", "/curricula/maths/tasks", json=body)
    assert refusal(response) == ("estimated_minutes", [{"field": "estimated_minutes", "message": message}])
    assert api.call("GET", "/curricula/maths/tasks").json()["total"] == 0


def test_an_edge_weight_given_as_text_says_what_to_send_and_changes_nothing(api: Api) -> None:
    api.curriculum("maths", "a", "b")
    assert api.edge("a", "b", weight=2.0).status_code == 201
    edge = {"prerequisite": "a", "concept": "b"}
    etag = api.etag("/prerequisites?prerequisite=a&concept=b")
    response = api.call("PATCH", "/prerequisites", params=edge, if_match=etag, json={"weight": "0.5"})
    assert refusal(response) == ("weight", [{"field": "weight", "message": NUMBER_NOT_TEXT}])
    assert api.call("GET", "/prerequisites", params=edge).json()["weight"] == 2.0


def test_a_chunk_size_given_as_text_says_what_to_send(api: Api) -> None:
    response = api.call("POST", "/jobs/recompute", role=Role.ADMIN, json={"chunk_size": "500"})
    message = 'a JSON integer is needed, not the text "500" (send 500)'
    assert refusal(response) == ("chunk_size", [{"field": "chunk_size", "message": message}])


def test_unscoped_given_as_a_number_says_what_to_send_and_leaves_the_key_scoped(api: Api) -> None:
    assert api.call("PUT", "/classes/7B", role=Role.ADMIN, json={"name": "7B"}).status_code in (200, 201)
    made = api.call(
        "POST", "/api-keys", role=Role.ADMIN, json={"name": "s", "role": "teacher", "classes": ["7B"]}
    )
    assert made.status_code == 201, made.text
    key_id = made.json()["id"]
    response = api.call("PATCH", f"/api-keys/{key_id}", role=Role.ADMIN, json={"unscoped": 1})
    message = "a JSON boolean (true or false) is needed, not the number 1 (send true)"
    assert refusal(response) == ("unscoped", [{"field": "unscoped", "message": message}])
    listed = {key["id"]: key for key in api.call("GET", "/api-keys", role=Role.ADMIN).json()}
    assert listed[key_id]["classes"] == ["7B"]


def answer(event_id: str, **members: object) -> dict[str, object]:
    row = {"event_id": event_id, "learner_id": "l1", "task_id": "t1", "answered_at": "2026-12-01T08:00:00Z"}
    return {**row, **members}


def test_answer_rows_of_the_wrong_json_type_are_rejected_saying_what_to_send(api: Api) -> None:
    """The answer ingest validates each row on its own (`parse_answer_rows`): its reasons are in the same
    words as every other 422, and the good row of the batch is stored."""
    api.curriculum("maths", "a")
    task = {"id": "t1", "title": "T1", "kind": "exercise", "concepts": ["a"]}
    assert api.call("POST", "/curricula/maths/tasks", json=task).status_code == 201
    rows = [
        answer("e1", correct=True),
        answer("e2", correct=1),
        answer("e3", score="0.5", duration_s="31"),
        answer(7, correct=False),  # type: ignore[arg-type]
    ]
    response = api.call("POST", "/answers", role=Role.SERVICE, json=rows)
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == ["e1"]
    assert response.json()["rejected"] == [
        {
            "index": 1,
            "event_id": "e2",
            "field": "correct",
            "reason": "invalid",
            "message": "correct: a JSON boolean (true or false) is needed, not the number 1 (send true)",
        },
        {
            "index": 2,
            "event_id": "e3",
            "field": "score",
            "reason": "invalid",
            "message": f'score: {NUMBER_NOT_TEXT}; duration_s: a JSON number is needed, not the text "31" '
            "(send 31)",
        },
        {
            "index": 3,
            "event_id": None,
            "field": "event_id",
            "reason": "invalid",
            "message": 'event_id: a JSON string is needed, not the number 7 (send "7")',
        },
    ]


def test_a_single_answer_of_the_wrong_json_type_is_a_422_saying_what_to_send(api: Api) -> None:
    response = api.call("POST", "/answers", role=Role.SERVICE, json=answer("e1", score="0.5"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["field"] == "score"
    assert body["detail"] == f"no answer stored: 1 row rejected (score); row 0: score: {NUMBER_NOT_TEXT}"
    assert [row["message"] for row in body["rejected"]] == [f"score: {NUMBER_NOT_TEXT}"]
