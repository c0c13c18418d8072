"""A bound on a request's head (its request line and headers), which uvicorn's HTTP parser lacks.

uvicorn with httptools keeps every header a client sends, of any size and any number, before the app sees
the request: four key-less connections sending 200 MB of headers each took `kgplatform api` from 224 MB to
937 MB, kept after they closed (a review, 5 December 2026; one with 100 MB was answered 200 on 3 December).
A reverse proxy bounds them too (docs/operations.md), but the API is also served bare (`kgplatform demo`,
a compose file's loopback port). `bounded_head_protocol` is uvicorn's httptools protocol that answers 431
and closes the connection once the head it is reading has taken more than `max_head_bytes`.

A head is measured twice. Once whole, when the parser has read it (the URL and each header's name and
value): over the bound, the request is refused before the app sees it. And while it arrives, by the bytes
read since it began, as httptools gathers a header's name and value before it hands them over, so a single
200 MB header would never be handed over at all: over the bound, the connection is refused mid-head. That
count starts with the read after the one the head began in (that read may also hold the end of a pipelined
request before it), so memory is bounded by the bound plus one read (256 KiB) per connection.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

log = logging.getLogger(__name__)
STATUS = 431


def refusal_bytes(max_head_bytes: int) -> bytes:
    """The whole 431 response, problem+json as every refusal of the API, closing the connection."""
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Request header fields too large",
            "status": STATUS,
            "detail": f"the request line and headers are over {max_head_bytes:,} bytes; nothing was read "
            "past them",
            "field": "headers",
        }
    ).encode()
    head = (
        b"content-type: application/problem+json\r\ncontent-length: %d\r\nconnection: close\r\n"
        b"cache-control: no-store\r\n\r\n" % len(body)
    )
    return STATUS_LINE[STATUS] + head + body


class HeadTooLarge(Exception):
    """Raised from the parser's callback to stop it: uvicorn then answers through `send_400_response`."""


class BoundedHeadProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, refusing a request head over `max_head_bytes` with a 431."""

    max_head_bytes = 64 * 1024

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._reading_head = False
        self._head_began_now = False
        self._head_bytes = 0
        self._head_too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._reading_head = True
        self._head_began_now = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._reading_head = False
        # The request line's URL and each header as sent ("name: value" and its line end).
        size = len(self.url) + sum(len(name) + len(value) + 4 for name, value in self.headers)
        if size > self.max_head_bytes:
            self._head_too_large = True
            raise HeadTooLarge
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:  # the parser stopped at our HeadTooLarge, not at a malformed request
            self._refuse()
        else:
            super().send_400_response(msg)

    def data_received(self, data: bytes) -> None:
        self._head_began_now = False
        super().data_received(data)
        if not self._reading_head or self.transport.is_closing():
            return
        # A read that began the head may also hold the end of a request before it: not counted.
        if not self._head_began_now:
            self._head_bytes += len(data)
        if self._head_bytes > self.max_head_bytes:
            self._reading_head = False
            self._refuse()

    def _refuse(self) -> None:
        log.warning(
            "%s sent a request head over %s bytes: refused (431) and the connection closed",
            "{}:{}".format(*self.client) if self.client else "a client",
            f"{self.max_head_bytes:,}",
        )
        self.transport.write(refusal_bytes(self.max_head_bytes))
        self.transport.close()


def bounded_head_protocol(max_head_bytes: int) -> type[BoundedHeadProtocol]:
    """The protocol class for `uvicorn.run(http=...)` with this bound (`KGP_SERVING__MAX_HEAD_BYTES`)."""
    return type("BoundedHeadProtocol", (BoundedHeadProtocol,), {"max_head_bytes": max_head_bytes})
