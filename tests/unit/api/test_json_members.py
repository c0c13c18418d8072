"""A JSON body repeating a member in one object is a 422 naming it, before the route: JSON parsers keep the
last value, so `"correct": true, ..., "correct": false` was stored as false and a repeated `concept_ids`
replaced a learner's goals with the last list, each a 200 (a review, 5 December 2026)."""

from __future__ import annotations

import pytest

from kgplatform.api.json_members import repeated_member
from tests.unit.api.serving_app import ADMIN, SERVICE, serving_app

JSON = {"Content-Type": "application/json"}
ROW = (
    '"event_id": "e1", "learner_id": "l1", "task_id": "t1", "correct": true, '
    '"answered_at": "2026-12-02T09:00:00Z"'
)


@pytest.mark.parametrize(
    ("path", "body", "member"),
    [
        ("/answers", "{" + ROW + ', "correct": false}', "correct"),
        ("/answers", '[{"event_id": "e0", ' + ROW + "}]", "event_id"),
        ("/answers", '{"answers": [{' + ROW + '}], "answers": []}', "answers"),
        ("/learners/l1/goals", '{"concept_ids": ["c1"], "concept_ids": []}', "concept_ids"),
        ("/learners/l1/interests", '{"tags": ["a"], "tags": ["b"]}', "tags"),
    ],
)
def test_a_repeated_member_is_a_422_naming_it_before_the_route(path: str, body: str, member: str) -> None:
    _, client = serving_app()  # Neo4j down: a request that got to the route would be a 503
    method = client.post if path == "/answers" else client.put
    response = method(path, content=body.encode(), headers={**SERVICE, **JSON})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == member
    assert f"{member!r} is given more than once" in problem["detail"]
    assert response.headers["content-type"] == "application/problem+json"


def test_a_body_without_repeats_reaches_the_route_unchanged() -> None:
    _, client = serving_app()
    response = client.post("/answers", content=("{" + ROW + "}").encode(), headers={**SERVICE, **JSON})
    assert response.status_code == 503, response.text  # the route ran, and met the (fake) outage
    # Same names at different depths, or in different objects, are no repeat.
    nested = '[{"event_id": "e1", ' + ROW[len('"event_id": "e1", ') :] + "}, {" + ROW + "}]"
    assert client.post("/answers", content=nested.encode(), headers={**SERVICE, **JSON}).status_code == 503


def test_bad_json_is_still_described_by_the_framework() -> None:
    _, client = serving_app()
    response = client.post("/answers", content=b'{"event_id":', headers={**SERVICE, **JSON})
    assert response.status_code == 422, response.text
    assert "JSON decode error at character" in response.json()["errors"][0]["message"]


def test_the_import_keeps_reporting_repeats_per_row() -> None:
    # The import reads its own body and names a row's repeated key in its report (curriculum/io.py).
    _, client = serving_app()
    body = b'{"concepts": [{"id": "a", "id": "b", "name": "A"}]}'
    response = client.post("/curricula/c1/import", content=body, headers={**ADMIN, **JSON})
    assert response.status_code == 503, response.text  # the import ran, and met the (fake) outage


def test_an_unknown_path_stays_a_404() -> None:
    _, client = serving_app()
    response = client.post("/nope", content=b'{"a": 1, "a": 2}', headers={**SERVICE, **JSON})
    assert response.status_code == 404, response.text


def test_an_id_ending_in_import_is_judged_by_its_route() -> None:
    # The import is told apart by its route, not by the path's end: a concept id may end in "/import".
    _, client = serving_app()
    body = b'{"name": "A", "name": "B"}'
    response = client.put("/concepts/c1/import", content=body, headers={**ADMIN, **JSON})
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "name"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"a": 1, "b": {"a": 2}}', None),
        (b'{"a": 1, "b": {"c": 2, "c": 3}}', "c"),
        (b'[{"x": 1}, {"x": 2}]', None),
        (b"not json", None),
        (b'{"a": 1, "a": 1}', "a"),
    ],
)
def test_repeated_member(body: bytes, expected: str | None) -> None:
    assert repeated_member(body) == expected
