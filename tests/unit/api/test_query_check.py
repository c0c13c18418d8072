"""Query parameters a route does not take are a 422 naming them, after the key and role checks (no
services: the graph is down, so a request that got past the check would be a 503)."""

from __future__ import annotations

import pytest

from kgplatform.api.query_check import _repeatable
from tests.unit.api.serving_app import ADMIN, SERVICE, serving_app
from tests.unit.api.test_openapi import ANSWER


@pytest.mark.parametrize("query", ["atomc=true", "Atomic=true", "all_or_none=1"])
def test_a_misspelt_atomic_is_refused_before_anything_is_stored(query: str) -> None:
    """`?atomc=true` was ignored: a batch meant to be all or nothing stored its good rows."""
    _, client = serving_app()
    response = client.post(f"/answers?{query}", json=[ANSWER], headers=SERVICE)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == query.split("=")[0]
    assert "(it takes: atomic)" in problem["errors"][0]["message"]


def test_a_single_valued_parameter_given_twice_is_refused() -> None:
    """FastAPI keeps the last value: `atomic=true&atomic=false` was a non-atomic batch."""
    _, client = serving_app()
    response = client.post("/answers?atomic=true&atomic=false", json=[ANSWER], headers=SERVICE)
    assert response.status_code == 422 and response.json()["field"] == "atomic"
    response = client.get("/learners/l-1/next-tasks?limit=2&limit=3", headers=SERVICE)
    assert response.status_code == 422 and response.json()["field"] == "limit"


@pytest.mark.parametrize("query", ["=null", "atomic=true&=", "&=x&"])
def test_a_parameter_without_a_name_is_refused_naming_the_query(query: str) -> None:
    """The fuzzer sent `concept=0&=null`: the 422 named the field "" and so no field at all."""
    _, client = serving_app()
    response = client.post(f"/answers?{query}", json=[ANSWER], headers=SERVICE)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "query" and problem["errors"][0]["field"] == "query"
    assert "empty name" in problem["errors"][0]["message"]


def test_declared_parameters_still_reach_the_route() -> None:
    _, client = serving_app()
    # Past the check, the route meets the (fake) Neo4j outage.
    assert client.post("/answers?atomic=true", json=[ANSWER], headers=SERVICE).status_code == 503
    assert client.get("/healthz?probe=1").status_code == 422  # keyless routes are checked too


def test_the_key_and_its_role_are_checked_before_the_query() -> None:
    _, client = serving_app()
    assert client.post("/answers?atomc=true", json=[ANSWER]).status_code == 401
    # Admin-only: a service key is told it may not, not which parameters the route takes.
    assert client.get("/api-keys?x=1", headers=SERVICE).status_code == 403
    assert client.get("/api-keys?x=1", headers=ADMIN).status_code == 422


def test_list_parameters_may_repeat() -> None:
    assert _repeatable(list[str]) and _repeatable(list[str] | None)
    assert not _repeatable(bool) and not _repeatable(str | None)


def test_next_tasks_checks_its_key_before_the_query() -> None:
    """next-tasks authenticates in its own dependency (no thread hop for a cached key): a keyless request
    with a misspelt parameter was told the route's parameters instead of 401 (a review, 2 December)."""
    _, client = serving_app()
    assert client.get("/learners/l-1/next-tasks?curriculumid=x").status_code == 401
    assert client.get("/learners/l-1/next-tasks?limit=1&limit=2").status_code == 401
    assert client.get("/learners/l-1/next-tasks?curriculumid=x", headers=SERVICE).status_code == 422


class NoQueries:
    """A graph that fails the request if anything is asked of it."""

    def with_transaction_timeout(self, *_: object) -> NoQueries:
        return self

    def __getattr__(self, name: str) -> object:
        raise AssertionError(f"the graph was asked: {name}")


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("tag=" + "t" * 101, "tag.0", "at most 100 characters"),
        ("&".join(f"tag=t{i}" for i in range(51)), "tag", "at most 50 items"),
    ],
)
def test_a_tag_filter_no_concept_could_match_is_refused_naming_tag(
    query: str, field: str, message: str
) -> None:
    """A concept carries at most 50 tags of at most 100 characters: a longer tag, or more of them, matches
    nothing, and each was compared with every concept's tags in Neo4j (thousands fit in one URL)."""
    _, client = serving_app(graph=NoQueries())
    response = client.get(f"/curricula/maths/concepts?{query}", headers=ADMIN)
    assert (response.status_code, response.json().get("field")) == (422, field), response.text
    assert message in response.json()["errors"][0]["message"]
