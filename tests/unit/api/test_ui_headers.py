"""The web page's security headers: on everything under /ui (page, modules, redirects, 404s), never on
the API's routes, /ui-support included."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from kgplatform.api.app import UI_DIR, create_app
from kgplatform.api.ui_headers import CONTENT_SECURITY_POLICY, GZIP_MIN_BYTES, PageFiles, UiSecurityHeaders


@pytest.fixture
def client(tmp_path: Path) -> TestClient:
    (tmp_path / "index.html").write_text("<!doctype html><title>page</title>")
    (tmp_path / "app.js").write_text("export {};")
    (tmp_path / "big.js").write_text("export const words = [" + "'prerequisite', " * 500 + "];")
    app = FastAPI()
    app.add_middleware(UiSecurityHeaders)

    @app.get("/ui-support/transfer-edges")
    def transfer_edges() -> dict[str, list[str]]:
        return {"edges": ["x" * 2 * GZIP_MIN_BYTES]}

    app.mount("/ui", PageFiles(tmp_path), name="ui")
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


def test_the_pages_files_are_sent_compressed_and_the_api_is_not(client: TestClient) -> None:
    """On a slow network the page's modules were most of the wait (cytoscape, 441 KB, went uncompressed).
    PageFiles compresses the page's files only: the API's answers are compressed apart, by
    api/response_compression.py (tests/unit/api/test_response_compression.py)."""
    page = client.get("/ui/big.js", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"
    assert page.text.startswith("export const words")  # httpx decoded it
    api = client.get("/ui-support/transfer-edges", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in api.headers
    plain = client.get("/ui/big.js", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert plain.text == page.text
    etag = page.headers["etag"]
    # Two representations, two validators: the gzip bytes' ETag is the file's, weakened (RFC 9110 §8.8.3).
    assert etag == "W/" + plain.headers["etag"], (etag, plain.headers["etag"])
    again = client.get("/ui/big.js", headers={"Accept-Encoding": "gzip", "If-None-Match": etag})
    assert again.status_code == 304


def test_the_api_sends_the_vendored_graph_library_at_a_third_of_its_size() -> None:
    """Through the app the API serves (its lifespan not run: no services are needed for the page's files)."""
    client = TestClient(create_app())
    gzip = {"Accept-Encoding": "gzip"}
    with client.stream("GET", "/ui/vendor/cytoscape.esm.min.js", headers=gzip) as response:
        sent = sum(len(chunk) for chunk in response.iter_raw())
    size = (UI_DIR / "vendor" / "cytoscape.esm.min.js").stat().st_size
    assert response.headers["content-encoding"] == "gzip"
    assert sent < size / 3, (sent, size)
