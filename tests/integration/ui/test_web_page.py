"""The web page's server side: the static files at /ui and the transfer-edges read route it draws from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kgplatform.auth.models import Role
from tests.integration.api.harness import Api


def transfer(api: Api, edges: list[tuple[str, str, float]], model_version: str, at: datetime) -> None:
    rows = [{"source": s, "target": t, "strength": w} for s, t, w in edges]
    api.graph.write("testing/create_transfer_edges", edges=rows, model_version=model_version, now=at)


def test_the_page_and_its_modules_are_served_with_the_right_types(api: Api) -> None:
    page = api.client.get("/ui/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="app.js">' in page.text
    to_folder = api.client.get("/ui", follow_redirects=False)
    assert to_folder.status_code == 308 and to_folder.headers["location"] == "/ui/"  # relative: no Host in it
    for module in ("app.js", "api.js", "graph.js", "vendor/cytoscape.esm.min.js"):
        response = api.client.get(f"/ui/{module}")
        assert response.status_code == 200, module
        # Browsers refuse an ES module served under any other type.
        assert "javascript" in response.headers["content-type"], (module, response.headers["content-type"])
    missing = api.client.get("/ui/nothing-here.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_transfer_edges_touching_the_concepts_newest_model_only_strongest_first(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c", "d")
    now = datetime.now(UTC)
    transfer(api, [("a", "b", 0.9), ("c", "d", 0.8)], "old", now - timedelta(days=1))
    transfer(api, [("a", "c", 0.3), ("d", "a", 0.6), ("b", "d", 0.7)], "new", now)
    # a->b touches "a" too, but belongs to the older model: not drawn as if current.
    response = api.call("GET", "/ui-support/transfer-edges", params={"concept": ["a"]}, role=Role.SERVICE)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model_version"] == "new" and body["truncated"] is False
    assert [(e["source"], e["target"], e["strength"]) for e in body["edges"]] == [
        ("d", "a", 0.6),
        ("a", "c", 0.3),
    ]
    assert body["edges"][0]["source_name"] == "D"


def test_transfer_edges_limit_says_truncated(api: Api) -> None:
    api.curriculum("maths", "a", "b", "c")
    transfer(api, [("a", "b", 0.9), ("a", "c", 0.4)], "m1", datetime.now(UTC))
    body = api.call("GET", "/ui-support/transfer-edges", params={"concept": ["a"], "limit": 1}).json()
    assert [e["target"] for e in body["edges"]] == ["b"] and body["truncated"] is True


def test_transfer_edges_refuse_bad_input_naming_the_field(api: Api) -> None:
    missing = api.call("GET", "/ui-support/transfer-edges")
    assert missing.status_code == 422 and "concept" in missing.json()["detail"]
    too_many = api.call("GET", "/ui-support/transfer-edges", params={"concept": [str(i) for i in range(301)]})
    assert too_many.status_code == 422 and too_many.json()["field"] == "concept"
    blank = api.call("GET", "/ui-support/transfer-edges", params={"concept": ["  "]})
    assert blank.status_code == 422 and blank.json()["field"] == "concept"
    anonymous = api.client.get("/ui-support/transfer-edges", params={"concept": ["a"]})
    assert anonymous.status_code == 401
