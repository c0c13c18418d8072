"""Ids in paths are bounded like the ids they name, and a refusal never repeats a whole path: a
65,000-character concept id (about what uvicorn reads in a request line) went to Neo4j and came back whole
in the 404, as did any unknown path in its 404 or 405 (a review, 3 December)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from kgplatform.api.route_list import flat_routes
from kgplatform.curriculum.models import MAX_ID_LENGTH
from kgplatform.errors import ServiceUnavailable
from tests.unit.api.serving_app import ADMIN, serving_app

PARAMETER = re.compile(r"{(\w+)(?::id)?}")
# Bounded since before this test, by rules of their own (pattern, words): not entity ids.
OWN_RULES = {"learner_id", "job_id"}


class RecordingGraph:
    """A graph whose every query is recorded and then fails as an outage; its bounded view is itself."""

    def __init__(self) -> None:
        self.queries: list[str] = []
        self.arguments: list[Any] = []

    def with_transaction_timeout(self, _: float) -> RecordingGraph:
        return self

    def __getattr__(self, name: str) -> Any:
        def query(*args: Any, **kwargs: Any) -> Any:
            self.queries.append(name)
            self.arguments += [*args, *kwargs.values()]
            raise ServiceUnavailable("Neo4j is unavailable (a fake)", retry_after_s=2)

        return query


def id_routes() -> list[tuple[str, str, str]]:
    app, _ = serving_app()
    found = []
    for route in flat_routes(app.routes):
        if not isinstance(getattr(route, "original_route", route), APIRoute):
            continue
        names = PARAMETER.findall(route.path)
        for method in sorted(route.methods):
            found += [(method, route.path, name) for name in names if name not in OWN_RULES]
    return found


ROUTES = id_routes()


@pytest.fixture(scope="module")
def app_and_client() -> tuple[FastAPI, TestClient]:
    return serving_app()


@pytest.fixture
def client(app_and_client: tuple[FastAPI, TestClient]) -> TestClient:
    app, client = app_and_client
    app.state.graph = RecordingGraph()
    return client


def test_every_entity_route_is_covered() -> None:
    assert {name for *_, name in ROUTES} == {"curriculum_id", "concept_id", "task_id", "key_id", "class_id"}


@pytest.mark.parametrize(("method", "template", "name"), ROUTES)
def test_an_id_longer_than_any_stored_is_422_naming_it(
    client: TestClient, method: str, template: str, name: str
) -> None:
    long_id = "a" * 65_000
    path = PARAMETER.sub(lambda m: long_id if m.group(1) == name else "x", template)
    response = client.request(method, path, headers=ADMIN, json={})
    assert response.status_code == 422, response.text[:300]
    assert response.json()["field"] == name
    assert len(response.content) < 2_000
    assert client.app.state.graph.queries == []


@pytest.mark.parametrize(("method", "template", "name"), ROUTES)
def test_an_id_ending_in_a_newline_is_not_taken_for_the_id_without_it(
    client: TestClient, method: str, template: str, name: str
) -> None:
    # Starlette's `path` convertor is `.*` under a `$`, which matches before a final newline: GET
    # /concepts/c1%0A answered concept 'c1' with its ETag, so a PUT or DELETE of it changed 'c1' (found by
    # schemathesis, 6 December). An id with a newline anywhere matched no route: 404 with no field.
    for bad_id in ("a\n", "a\nb"):
        client.app.state.graph.arguments.clear()
        path = PARAMETER.sub(lambda m, bad_id=bad_id: quote(bad_id) if m.group(1) == name else "x", template)
        response = client.request(method, path, headers={**ADMIN, "If-Match": '"1"'}, json={})
        assert "a" not in client.app.state.graph.arguments, (bad_id, response.text[:300])
        assert "no route matches" not in response.json()["detail"], (bad_id, response.text[:300])


def test_an_id_of_the_longest_stored_length_is_looked_up(client: TestClient) -> None:
    response = client.get("/concepts/" + "a" * MAX_ID_LENGTH, headers=ADMIN)
    assert response.status_code == 503, response.text
    assert client.app.state.graph.queries


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/no-such-route/", 404),  # the framework's 404
        ("POST", "/concepts/", 405),  # AllowedMethods: the path takes no POST
    ],
)
def test_a_refusal_shows_only_the_start_of_a_long_path(
    client: TestClient, method: str, path: str, status: int
) -> None:
    long_path = path + "b" * 65_000
    response = client.request(method, long_path, headers=ADMIN)
    assert response.status_code == status, response.text[:300]
    assert len(response.content) < 2_000
    assert f"({len(long_path):,} characters)" in response.json()["detail"]
