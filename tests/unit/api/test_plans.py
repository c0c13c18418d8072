"""GET /learners/{id}/next-tasks refuses query parameters it does not take, on the fast path too."""

from __future__ import annotations

import pytest

from tests.unit.api.serving_app import SERVICE, cache, cached_plan, serving_app


@pytest.mark.parametrize(
    ("query", "field"),
    [("curriculumid=physics", "curriculumid"), ("limit=5&curriculum=physics", "curriculum")],
)
def test_an_unknown_query_parameter_is_a_422_naming_it(query: str, field: str) -> None:
    """A misspelt `curriculum_id` was ignored: a 200 with the default curriculum's plan (here from the cache,
    which the fast path would answer if it took the request)."""
    app, client = serving_app()
    serving = app.state.next_tasks
    cache(serving, cached_plan(model_version=serving.current_model_version()))
    assert client.get("/learners/l1/next-tasks?limit=5", headers=SERVICE).status_code == 200
    response = client.get(f"/learners/l1/next-tasks?{query}", headers=SERVICE)
    assert response.status_code == 422 and response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["field"] == field
    [error] = problem["errors"]
    assert error["field"] == field
    assert error["message"].startswith("Extra inputs are not permitted")
    assert "curriculum_id, limit" in error["message"]  # what the route takes
