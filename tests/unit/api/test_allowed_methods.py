"""Every path answers a method it does not take with 405 and an Allow header naming exactly the methods
it takes (all its routes together), and an unknown path with 404, whatever the method.

The expected methods come from the route table grouped by path template, not from the middleware's
own grouping by regex; each template is requested with sample values in its parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from unittest.mock import Mock

import pytest
from fastapi.testclient import TestClient
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from kgplatform.api.app import create_app
from kgplatform.api.route_list import flat_routes
from kgplatform.api.ui_headers import PageFiles
from kgplatform.auth.service import KeyAuthenticator
from kgplatform.settings import Settings

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
# Redis where nothing listens: no request of this test can reach a real one (the lifespan, which opens
# Neo4j, does not run without `with TestClient(...)`).
NO_REDIS = "redis://127.0.0.1:1/0"
# A sample value per parameter; an `:id` one (and the page files' `:path`) holds a '/', as ids may.
PARAMETER = re.compile(r"{(\w+)(:id|:path)?}")


def sample_path(template: str) -> str:
    return PARAMETER.sub(lambda m: "s-1/part" if m.group(2) else "s-1", template)


def templates() -> dict[str, set[str]]:
    """Each path template (converters kept: `{id}` and `{id:id}` are two templates) and the methods
    of all its routes; the web page's static files take GET and HEAD (StaticFiles)."""
    app = create_app(Settings(redis={"url": NO_REDIS}))
    table: dict[str, set[str]] = {}
    for route in flat_routes(app.routes):
        if isinstance(getattr(route, "original_route", route), Mount):
            # The page's files come through gzip (ui_headers.PageFiles), which answers no method itself.
            files = route.app.files if isinstance(route.app, PageFiles) else route.app
            assert isinstance(files, StaticFiles), f"a mount the test does not know: {route.path}"
            table[route.path + "/{path:path}"] = {"GET", "HEAD"}
        else:
            table.setdefault(route.path, set()).update(route.methods)
    return table


TEMPLATES = templates()


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    settings = Settings(redis={"url": NO_REDIS})
    app = create_app(settings)
    # What the lifespan would set, minus any connection: no key is sent, so a route that needs one
    # answers 401 once routing chose it, before the graph is used.
    app.state.authenticator = KeyAuthenticator(lambda _: None)
    app.state.graph = Mock()
    app.state.settings = settings
    yield TestClient(app, raise_server_exceptions=False)


def test_the_walk_covers_the_api() -> None:
    assert len(TEMPLATES) >= 30
    assert TEMPLATES["/curricula"] == {"GET", "POST"}
    assert TEMPLATES["/concepts/{concept_id:id}/audit"] == {"GET"}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_a_method_the_path_does_not_take_is_405_with_every_method_it_takes(
    client: TestClient, template: str
) -> None:
    path, allowed = sample_path(template), TEMPLATES[template]
    for method in METHODS:
        response = client.request(method, path, follow_redirects=False)
        if method in allowed:
            # Answered by its route: 401 (no key), 200, 404 (no such file under /ui), 503 (/readyz).
            assert response.status_code not in (405, 500), (method, path, response.text[:200])
            continue
        assert response.status_code == 405, (method, path, response.status_code, response.text[:200])
        assert set(response.headers["allow"].split(", ")) == allowed, (method, path)
        assert response.headers["content-type"] == "application/problem+json"
        if method != "HEAD":
            assert response.json()["detail"] == f"{method} is not allowed on {path!r}"


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # Two routes on one path: the Allow header named only the first one's method.
        ("PUT", "/curricula", "GET, POST"),
        ("DELETE", "/curricula/c-1/tasks", "GET, POST"),
        # A `{concept_id:id}` PUT route matched the audit path as a whole: a 422 for a concept "c-1/audit".
        ("PUT", "/concepts/c-1/audit", "GET"),
        ("PATCH", "/concepts/c-1/neighbourhood", "GET"),
        ("DELETE", "/tasks/t-1/audit", "GET"),
    ],
)
def test_allow_names_every_route_and_an_action_path_is_not_a_longer_id(
    client: TestClient, method: str, path: str, allow: str
) -> None:
    response = client.request(method, path, json={"name": "x"}, headers={"If-Match": '"1"'})
    assert (response.status_code, response.headers.get("allow")) == (405, allow), response.text[:200]


@pytest.mark.parametrize(
    "path", ["/no/such/route", "/learner", "/learners/l-1/nothing", "/answer", "/jobs/j-1/x"]
)
def test_an_unknown_path_is_404_whatever_the_method(client: TestClient, path: str) -> None:
    for method in METHODS:
        response = client.request(method, path, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "allow" not in response.headers


@pytest.mark.parametrize(
    "path", ["/curricula/", "/concepts/", "/tasks/", "/concepts//audit", "/curricula//import"]
)
def test_a_path_whose_id_would_be_empty_is_404_like_an_unknown_one(client: TestClient, path: str) -> None:
    """An `:id` id matches the empty string: POST /curricula/ (a base URL ending in a slash) was a 405
    `Allow: GET`, saying POST is not supported, and GET /curricula/ looked up a curriculum '' (a
    review, s30). app.py's rule: a trailing-slash path is a 404 like any unknown one."""
    for method in METHODS:
        response = client.request(method, path, json={"id": "c", "name": "C"}, follow_redirects=False)
        assert response.status_code == 404, (method, path, response.status_code)
        assert "allow" not in response.headers
        assert response.headers["cache-control"] == "no-store"
        if method != "HEAD":
            assert response.json()["detail"] == f"no route matches {path!r}"


def test_options_is_a_method_like_any_other() -> None:
    """No CORS: the web page is served by the API itself (same origin), so no preflight is answered and
    OPTIONS is refused like any method no route takes (the walk above checks each path)."""
    app = create_app(Settings(redis={"url": NO_REDIS}))
    assert not any(m.cls is CORSMiddleware for m in app.user_middleware)
    assert not any("OPTIONS" in methods for methods in TEMPLATES.values())
