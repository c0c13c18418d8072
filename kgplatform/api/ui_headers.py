"""Security headers on the web page's responses (/ui), as pure ASGI middleware: defence in depth.

The page builds its DOM without innerHTML; the Content-Security-Policy still lets only the page's own
scripts, styles and API run or load, so an injection that slipped through could neither run inline
script nor send data elsewhere. The page must not be framed (clickjacking) and sends no Referer.
The API's routes get no CSP (a browser does not render JSON), but `Cache-Control: no-store` and
`nosniff`: the key travels in X-API-Key, not Authorization, so a shared cache's rules for authenticated
responses would not keep a learner's data, plans or picture out of it.

The page's files get `Cache-Control: no-cache`: a browser keeps them but asks again (a 304 against the
ETag) before each use. Without it a browser guesses a lifetime from Last-Modified (a tenth of the file's
age: days for a release a month old), and after an upgrade it kept running the old modules, or a mix of
old and new ones, against the new API.
"""

from __future__ import annotations

from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.etags import weakening_etag

UI_PREFIX = "/ui"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
UI_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


def is_ui_path(path: str) -> bool:
    # Not a bare prefix test: /ui-support/... is an API route, not the page.
    return path == UI_PREFIX or path.startswith(UI_PREFIX + "/")


class UiSecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if is_ui_path(scope["path"]):
            # The page's headers replace any the app set: one policy, ours.
            await self.app(scope, receive, _with_headers(send, UI_HEADERS, replace=True))
        else:
            await self.app(scope, receive, _with_headers(send, API_HEADERS, replace=False))


API_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _with_headers(send: Send, added: dict[str, str], *, replace: bool) -> Send:
    """`send`, adding `added` to the response's headers (`replace`: over any the app set)."""

    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            for name, value in added.items():
                if replace:
                    headers[name] = value
                else:
                    headers.setdefault(name, value)
        await send(message)

    return send_with_headers


# Files smaller than this go as they are: compressing them saves less than the header costs.
GZIP_MIN_BYTES = 1024


class PageFiles:
    """The page's files, gzip-compressed for a browser that accepts it. The vendored cytoscape alone is 441 KB
    (138 KB compressed): on a 400 kbit/s classroom network the first sign-in waited about 9 s for it (a
    review, 3 December). The API's large answers are compressed apart (`response_compression`), which leaves
    these paths to this. A compressed file's ETag is weak, as the API's are; StaticFiles compares
    If-None-Match weakly, so a browser's revalidation still gets its 304."""

    def __init__(self, directory: Path) -> None:
        self.files = StaticFiles(directory=directory, html=True)
        self._compressed = GZipMiddleware(self.files, minimum_size=GZIP_MIN_BYTES)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._compressed(scope, receive, weakening_etag(send))
