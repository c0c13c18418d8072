"""The API's large JSON answers gzip-compressed for a client that accepts it, as pure ASGI middleware.

The web page's Learner view read about 1 MB of JSON on its first opening of a 3,000-concept curriculum, and
a curriculum's export or whole read is megabytes: on a 400 kbit/s classroom network, seconds each (a review,
6 December 2026). JSON of ids and names shrinks about tenfold.

Only answers of at least `API_GZIP_MIN_BYTES`: next-tasks, POST /answers and every error are far smaller and
go as they are, so the hot path pays nothing but one header look-up. A streamed answer (an export) stays
streamed, each chunk compressed as it comes. A compressed answer's ETag is weakened (`W/"3"`): a strong ETag
names one representation's bytes (RFC 9110 §8.8.3), and the gzip bytes are another. Every comparison the API
makes takes the weak form back: If-None-Match compares weakly (a 304 as before) and If-Match drops the `W/`
(`curriculum.versions.if_match_tags`, which compressing proxies already needed).

Left out: the web page's files (`ui_headers.page_files` compresses them itself) and the keys' routes, which
answer with a key's secret beside text a request put there (a key's name), the mix that BREACH reads by
answer sizes. Elsewhere that attack has no footing: it needs a victim's browser to send the credential by
itself on requests an attacker's page starts, and the key travels in X-API-Key, which a page of another
origin cannot set (the API answers no CORS preflight).
"""

from __future__ import annotations

from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.gzip import GZipResponder
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.ui_headers import is_ui_path

# Smaller answers go as they are: next-tasks (about 2 KiB) and POST /answers must not wait for a compressor,
# and below this the bytes saved are milliseconds even on a slow network.
API_GZIP_MIN_BYTES = 16 * 1024
# zlib's default level: on a 3,000-concept curriculum's 2.5 MB of JSON, level 9 took four times as long
# (400 ms against 100 ms) for 7 % fewer bytes, level 1 a third of the time for 40 % more
# (bench/bench_compression.py, 6 December 2026).
API_GZIP_LEVEL = 6
KEYS_PREFIX = "/api-keys"


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
            or not accepts_gzip(Headers(scope=scope).get("accept-encoding", ""))
        ):
            await self.app(scope, receive, send)
            return
        responder = GZipResponder(self.app, self.minimum_size, compresslevel=API_GZIP_LEVEL)
        await responder(scope, receive, _weakening_etag(send))


def _weakening_etag(send: Send) -> Send:
    """`send`, weakening the ETag of a response that was compressed (on its way out of the responder)."""

    async def send_with_weak_etag(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            etag = headers.get("etag")
            if etag and not etag.startswith("W/") and "content-encoding" in headers:
                headers["ETag"] = "W/" + etag
        await send(message)

    return send_with_weak_etag
