"""The headers a write sets on its response: the ETag of a versioned entity (concept, task), the If-Match a
later change sends, and the Location of what a POST created."""

from __future__ import annotations

from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from fastapi import Response
from starlette.datastructures import MutableHeaders
from starlette.types import Message, Send

from kgplatform.curriculum.versions import etag


class Versioned(Protocol):
    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)

# The response headers a route sets, for its `responses=` in the OpenAPI document: a generated client
# has an accessor only for a documented header, and clients must send the ETag back as If-Match.
ETAG = {
    "ETag": {
        "description": 'The version read or written, e.g. "3": send it as If-Match to change or delete',
        "schema": {"type": "string"},
    }
}
LOCATION = {
    "Location": {
        "description": "The path of what was created (its id percent-encoded)",
        "schema": {"type": "string"},
    }
}


def with_headers(*headers: dict[str, Any]) -> dict[str, Any]:
    """A response object documenting `headers` (FastAPI merges it into the route's own response)."""
    return {"headers": {name: spec for group in headers for name, spec in group.items()}}


def with_etag(response: Response, entity: V) -> V:
    response.headers["ETag"] = etag(entity.version)
    return entity


def with_location(response: Response, collection: str, entity_id: str) -> None:
    """`/collection/{id}` as the response's Location (LOCATION). Ids may hold any character and a header
    carries only latin-1, so the id is percent-encoded; its `/` stay, as the routes' `:id` ids take them."""
    response.headers["Location"] = f"/{collection}/{quote(entity_id, safe='/')}"


def weakening_etag(send: Send) -> Send:
    """`send`, weakening the ETag of a response that was compressed on its way out: a strong ETag names
    one representation's bytes (RFC 9110 §8.8.3), and the gzip bytes are another."""

    async def send_with_weak_etag(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            etag = headers.get("etag")
            if etag and not etag.startswith("W/") and "content-encoding" in headers:
                headers["ETag"] = "W/" + etag
        await send(message)

    return send_with_weak_etag
