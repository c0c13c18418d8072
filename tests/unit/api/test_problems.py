"""422s stay a readable size whatever the body: the first errors are listed, all of them counted."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict
from redis._parsers.base import BaseParser
from redis.exceptions import OutOfMemoryError, ReadOnlyError

from kgplatform.api.problems import MAX_LISTED_ERRORS, install_problem_handlers
from kgplatform.mastery.models import MAX_ROW_ERRORS, parse_answer_rows
from tests.unit.api.serving_app import ADMIN, FakeRedis, serving_app


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str


def client() -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/things")
    def create(body: Strict) -> dict[str, str]:
        return {"name": body.name}

    return TestClient(app)


def test_a_body_with_thousands_of_unknown_members_gets_the_first_errors_and_their_count() -> None:
    body = {"name": "x", **{f"k{i}": 0 for i in range(3000)}}
    response = client().post("/things", json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors_total"] == 3000
    assert len(problem["errors"]) == MAX_LISTED_ERRORS
    assert problem["errors"][0] == {"field": "k0", "message": "Extra inputs are not permitted"}
    assert problem["detail"].endswith(f"and {3000 - MAX_LISTED_ERRORS:,} more")
    assert problem["field"] == "k0"
    assert len(response.content) < 5000


def test_a_few_errors_are_all_listed() -> None:
    problem = client().post("/things", json={"other": 1}).json()
    assert problem["errors_total"] == 2
    assert {e["field"] for e in problem["errors"]} == {"name", "other"}
    assert "more" not in problem["detail"]


def test_a_member_named_empty_is_answered_with_a_field_that_names_the_body() -> None:
    """A 422's `field` is never empty: a member named "" (and, alike, a query parameter) named no field."""
    problem = client().post("/things", json={"name": "x", "": 1}).json()
    assert problem["field"] == "body"
    assert problem["errors"][0]["message"] == "Extra inputs are not permitted"


def test_a_rejected_answer_row_lists_its_first_errors_and_counts_the_rest() -> None:
    row = {
        "event_id": "e1",
        "learner_id": "l1",
        "task_id": "t1",
        "correct": True,
        "answered_at": "2026-12-01T10:00:00Z",
        **{f"k{i}": 0 for i in range(500)},
    }
    good, bad = parse_answer_rows([row])
    assert not good
    [rejected] = bad
    assert rejected.field == "k0"
    assert rejected.message.count("Extra inputs are not permitted") == MAX_ROW_ERRORS
    assert rejected.message.endswith(f"; and {500 - MAX_ROW_ERRORS:,} more")


@pytest.mark.parametrize(
    "refusal",
    [
        OutOfMemoryError("command not allowed when used memory > 'maxmemory'."),
        ReadOnlyError("read only replica"),
        # As redis-py reads the reply of a Redis whose disk is too full for its append-only file.
        BaseParser.parse_error("MISCONF Errors writing to the AOF file: No space left on device"),
    ],
    ids=["oom", "readonly", "misconf"],
)
def test_a_route_that_needs_redis_answers_503_naming_it_when_redis_refuses_writes(refusal: Exception) -> None:
    """The batch lock's SET NX on a full Redis (or a read-only replica after a failover, or a Redis whose disk
    is full: MISCONF, measured 7 December 2026) was a 500."""
    _, client = serving_app(sync_redis=FakeRedis(refusal))
    response = client.post("/jobs/recompute", headers=ADMIN)
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.json()["detail"].startswith("Redis") and "refuses writes" in response.json()["detail"]


class UnusedGraph:
    """The graph a route takes (`bounded_graph`); running a query on it fails, as a refused body runs none."""

    def with_transaction_timeout(self, _: float | None) -> UnusedGraph:
        return self


@pytest.mark.parametrize(
    ("path", "body", "fields"),
    [
        ("/concepts/x", {"name": None}, ["name"]),
        ("/concepts/x", {"tags": None, "difficulty": None}, ["tags"]),
        ("/tasks/x", {"kind": None, "title": None}, ["title", "kind"]),
        # No field at fault: the body as a whole changes nothing.
        ("/concepts/x", {}, ["body"]),
    ],
)
def test_a_patch_with_null_for_a_field_that_cannot_be_null_names_the_field(
    path: str, body: dict[str, None], fields: list[str]
) -> None:
    """The check ran in a model validator, located at the model: `field` was "body", which the README
    keeps for a missing or unreadable body, and the page could not mark the refused field (a review,
    s30)."""
    _, client = serving_app(graph=UnusedGraph())
    response = client.patch(path, headers={**ADMIN, "If-Match": '"1"'}, json=body)
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == fields[0]
    assert [e["field"] for e in problem["errors"]] == fields


class BrokenGraph(UnusedGraph):
    def read(self, *_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")


def test_a_500_carries_the_api_headers_as_every_other_response() -> None:
    """The handler of unexpected errors runs outside every middleware of ours, so its 500 went out
    without `Cache-Control: no-store` and `nosniff`, which the README promises on API responses (a
    review, s30)."""
    _, client = serving_app(graph=BrokenGraph())
    response = client.get("/concepts/x", headers=ADMIN)
    assert response.status_code == 500
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["content-type"] == "application/problem+json"


def test_a_json_syntax_error_names_the_body_and_gives_its_offset_in_the_message() -> None:
    """The error's location is ("body", offset): the offset was listed as a field, "body.24" (a
    review, s30)."""
    response = client().post(
        "/things", content=b'{"name": "x",}', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    problem = response.json()
    assert problem["field"] == "body"
    [error] = problem["errors"]
    assert error["field"] == "body"
    assert error["message"].startswith("JSON decode error at character 13: ")
    assert problem["detail"] == "invalid request: body"


def test_a_body_that_is_not_utf8_says_so_and_where() -> None:
    """A Latin-1 body (a legacy client; its `charset=latin-1` is not read) was a 400 saying only "There
    was an error parsing the body": nothing named the encoding (a review, s34)."""
    response = client().post(
        "/things",
        content='{"name": "Zoë"}'.encode("latin-1"),
        headers={"content-type": "application/json; charset=latin-1"},
    )
    assert response.status_code == 400
    problem = response.json()
    assert problem["field"] == "body"
    assert problem["detail"].startswith("the body is not UTF-8 text: byte 0xeb at offset 12 ")


def test_a_body_nested_too_deeply_says_so() -> None:
    response = client().post(
        "/things", content=b"[" * 100_000 + b"]" * 100_000, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["detail"] == "the body nests arrays or objects too deeply to be read"


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("PUT", "/classes/7B/learners", {"learner_ids": ["ok", " bad"]}, "learner_ids.1"),
        ("PUT", "/learners/kim/interests", {"tags": ["a", 3]}, "tags.1"),
        ("GET", "/learners/kim/next-tasks?limit=1000", None, "limit"),
    ],
)
def test_a_422_names_its_field_one_way_at_the_top_and_in_its_errors(
    method: str, path: str, body: Any, field: str
) -> None:
    """A review, 5 December 2026: a roster 422 named `learner_ids.1` as its `field` and
    `body.learner_ids.1` in `errors`; the README, the service's own 422s and rejected answer rows name a
    field without where it came from (body, query, path)."""
    _, client = serving_app(graph=UnusedGraph())
    response = client.request(method, path, headers=ADMIN, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == field
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["detail"] == f"invalid request: {field}"


@pytest.mark.parametrize("body", ["x", 3])
def test_a_body_that_is_neither_a_list_nor_an_object_is_one_error_naming_the_body(body: Any) -> None:
    """A bare string posted to /answers listed `body` twice, once per shape the body may take (a review,
    5 December 2026): one error now says both."""
    _, client = serving_app(graph=UnusedGraph())
    response = client.post("/answers", headers=ADMIN, json=body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "body" and problem["errors_total"] == 1
    assert problem["errors"] == [
        {"field": "body", "message": "Input should be a valid list or a valid dictionary"}
    ]
    assert problem["detail"] == "invalid request: body"


def test_a_path_parameter_two_dependencies_read_is_listed_once() -> None:
    """A learner id over 200 characters was listed twice (the route and its key's scope both read it)."""
    _, client = serving_app(graph=UnusedGraph())
    response = client.get(f"/learners/{'x' * 201}/report", headers=ADMIN)
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"] == [
        {"field": "learner_id", "message": "String should have at most 200 characters"}
    ]
    assert problem["errors_total"] == 1 and problem["detail"] == "invalid request: learner_id"


def test_a_validators_own_words_come_without_pydantics_value_error_prefix() -> None:
    """A 422 and a rejected answer row gave a validator's message as "Value error, an event id must not
    contain whitespace ...": the prefix says nothing to a service, and the CLI and import reports already
    dropped it (a read-over, 6 December 2026)."""
    _, client = serving_app(graph=UnusedGraph())
    response = client.patch("/concepts/a", headers={**ADMIN, "If-Match": '"1"'}, json={"name": None})
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"field": "name", "message": "name cannot be null (omit it to keep it)"}
    ]

    row = {"event_id": "e 1", "learner_id": "l1", "task_id": "t1", "correct": True}
    _, (rejected,) = parse_answer_rows([{**row, "answered_at": "2026-01-05T10:00:00Z"}])
    assert rejected.message == "event_id: an event id must not contain whitespace (found U+0020)"
