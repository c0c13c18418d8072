"""The web page's security headers: on everything under /ui (page, modules, redirects, 404s), never on
the API's routes, /ui-support included."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.testclient import TestClient

from kgplatform.api.ui_headers import CONTENT_SECURITY_POLICY, UiSecurityHeaders


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "index.html").write_text("<!doctype html><title>page</title>")
    (tmp_path / "app.js").write_text("export {};")
    app = FastAPI()
    app.add_middleware(UiSecurityHeaders)

    @app.get("/ui-support/transfer-edges")
    def transfer_edges() -> dict[str, list[str]]:
        return {"edges": []}

    app.mount("/ui", StaticFiles(directory=tmp_path, html=True), name="ui")
    return TestClient(app)


@pytest.mark.parametrize("path", ["/ui/", "/ui/app.js", "/ui/missing.js", "/ui"])
def test_every_ui_response_carries_the_headers(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_pages_files_are_checked_again_before_each_use(client: TestClient) -> None:
    """An upgrade replaces the page's modules: a browser that cached the old ones must not run them (nor a
    mix of old and new) until a guessed lifetime ends; `no-cache` keeps them, revalidated by ETag."""
    first = client.get("/ui/app.js")
    assert first.headers["cache-control"] == "no-cache"
    again = client.get("/ui/app.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


def test_the_policy_allows_only_the_pages_own_files() -> None:
    directives = dict(d.strip().split(" ", 1) for d in CONTENT_SECURITY_POLICY.split(";"))
    assert directives == {
        "default-src": "'self'",
        "script-src": "'self'",  # no 'unsafe-inline' nor 'unsafe-eval'
        "style-src": "'self'",
        "img-src": "'self' data: blob:",
        "connect-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": "'self'",
    }


def test_the_page_is_served_with_them_once(client: TestClient) -> None:
    response = client.get("/ui/")
    assert response.status_code == 200
    assert response.headers.get_list("content-security-policy") == [CONTENT_SECURITY_POLICY]


def test_api_routes_are_left_alone(client: TestClient) -> None:
    response = client.get("/ui-support/transfer-edges")
    assert response.status_code == 200
    assert "content-security-policy" not in response.headers
    assert "x-frame-options" not in response.headers
