"""The API's large JSON answers gzip-compressed for a client that accepts it, as pure ASGI middleware.

The web page's Learner view read about 1 MB of JSON on its first opening of a 3,000-concept curriculum, and
a curriculum's export or whole read is megabytes: on a 400 kbit/s classroom network, seconds each (a review,
6 December 2026). Their JSON shrinks eleven- to fifteenfold.

Only answers of at least `API_GZIP_MIN_BYTES`: next-tasks, POST /answers and every error are far smaller and
go as they are, and straight on when they declare their length (`_LargeOnly`): the hot path pays a look-up of
two headers, about 2 µs a response against 9 µs through the gzip responder (6 December 2026). A streamed
answer (an export) stays streamed, each chunk compressed as it comes.

A compressed answer's ETag is weakened (`W/"3"`): a strong ETag names one representation's bytes (RFC 9110
§8.8.3), and the gzip bytes are another. Every comparison the API makes takes the weak form back:
If-None-Match compares weakly (a 304 as before) and If-Match drops the `W/` (`curriculum.versions.
if_match_tags`, which compressing proxies already needed).

Left out: the web page's files (`ui_headers.PageFiles` compresses them itself) and the keys' routes, which
answer with a key's secret beside text a request put there (a key's name), the mix that BREACH reads by
answer sizes. Elsewhere that attack has no footing: it needs a victim's browser to send the credential by
itself on requests an attacker's page starts, and the key travels in X-API-Key, which a page of another
origin cannot set (the API answers no CORS preflight).
"""

from __future__ import annotations

import functools

from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.etags import weakening_etag
from kgplatform.api.ui_headers import is_ui_path

# Smaller answers go as they are: next-tasks (about 2 KiB), POST /answers and errors stay far below it, while
# the reads the review measured (90 KB to 3.7 MB) are far above it.
API_GZIP_MIN_BYTES = 16 * 1024
# zlib's default level: on a 3,000-concept curriculum's 2.5 MB of JSON, level 9 took four times as long
# (400 ms against 100 ms) for 7 % fewer bytes, level 1 a third of the time for 40 % more
# (bench/bench_compression.py, 6 December 2026).
API_GZIP_LEVEL = 6
KEYS_PREFIX = "/api-keys"


@functools.lru_cache(maxsize=64)  # clients send a handful of distinct values; a browser, the same each time
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding names gzip (or `*`) without refusing it by `q=0` (RFC 9110 §12.5.3)."""
    for member in accept_encoding.split(","):
        coding, _, params = member.partition(";")
        if coding.strip().lower() not in ("gzip", "x-gzip", "*"):
            continue
        quality = params.strip().lower().removeprefix("q=").strip() if params else "1"
        try:
            return float(quality) > 0
        except ValueError:
            return False
    return False


def is_compressed_path(path: str) -> bool:
    return not is_ui_path(path) and not (path == KEYS_PREFIX or path.startswith(KEYS_PREFIX + "/"))


class CompressLargeResponses:
    def __init__(self, app: ASGIApp, minimum_size: int = API_GZIP_MIN_BYTES) -> None:
        self.app = app
        self.minimum_size = minimum_size

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or not is_compressed_path(scope["path"])
            or not accepts_gzip(_accept_encoding(scope))
        ):
            await self.app(scope, receive, send)
            return
        await self.app(scope, receive, _LargeOnly(self.app, send, self.minimum_size).send)


class _LargeOnly:
    """One response's way out: one that declares a Content-Length under the threshold (next-tasks, an
    answer's 201, an error) goes straight on, as without this middleware; any other goes through Starlette's
    gzip responder (which sends a body under the threshold as it is, compresses the rest, and streams a
    stream). Handing every response to the responder made next-tasks slower for a browser's request."""

    def __init__(self, app: ASGIApp, send: Send, minimum_size: int) -> None:
        self.app = app
        self.direct = send
        self.minimum_size = minimum_size
        self.responder: GZipResponder | None = None  # made only for a response that may be compressed

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            length = _declared_length(message)
            if length is None or length >= self.minimum_size:
                self.responder = GZipResponder(self.app, self.minimum_size, compresslevel=API_GZIP_LEVEL)
                self.responder.send = weakening_etag(self.direct)
        if self.responder is None:
            await self.direct(message)
        else:
            await self.responder.send_with_compression(message)


def _accept_encoding(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"accept-encoding":  # ASGI servers give header names in lower case
            return value.decode("latin-1")
    return ""


def _declared_length(start: Message) -> int | None:
    for name, value in start.get("headers", ()):
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None
