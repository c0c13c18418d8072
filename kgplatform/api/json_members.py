"""A JSON request body that gives one member twice in an object is refused (422 naming the member),
not read as its last value.

JSON parsers keep the last of repeated names (RFC 8259 leaves it to them), so a hand-built or
concatenated body such as `{"event_id": "e1", "correct": true, ..., "correct": false}` was stored as
`false`, and `{"concept_ids": [...], "concept_ids": []}` emptied a learner's goals, with a 200 either way
(a review, 5 December 2026). The curriculum import already refuses them (`curriculum/io.py`); this does
the same for every other JSON body, before the route (and FastAPI's own parse) sees it.
"""

from __future__ import annotations

import json
from typing import Any

from starlette._utils import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kgplatform.api.allowed_methods import Resource, resources_of
from kgplatform.api.problems import problem
from kgplatform.json_repeats import repeats_hook

# The import reads its body itself and reports a row's repeated key as that row's error in its report.
IMPORT_SUFFIX = "/import"


class RepeatedMember(ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _refuse(_: dict[str, Any], repeated: list[str]) -> dict[str, Any]:
    raise RepeatedMember(repeated[0])  # the first one the object gives, as the import lists them first


_refuse_repeats = repeats_hook(_refuse)


def repeated_member(body: bytes) -> str | None:
    """The first member name given twice in one object of the JSON body (the innermost object the parser
    finishes first; in it, the first such name it gives); None when there is none or the body is not JSON
    at all (FastAPI then says why, as before)."""
    try:
        json.loads(body, object_pairs_hook=_refuse_repeats)
    except RepeatedMember as error:
        return error.name
    except (ValueError, RecursionError):  # not JSON, not UTF-8, too deep: the framework's 422/400
        return None
    return None


def _is_json(scope: Scope) -> bool:
    """As FastAPI decides to parse a body as JSON: application/json or application/*+json."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            kind = value.decode("latin-1").split(";", 1)[0].strip().lower()
            return kind == "application/json" or (kind.startswith("application/") and kind.endswith("+json"))
    return False


class RefuseRepeatedMembers:
    """Pure ASGI middleware, inside the size limit and the key check: reads a JSON body whole, refuses it
    when an object repeats a member, and otherwise hands the same bytes on to the route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Read on the first request, as `AllowedMethods` does: the routes are all added by then.
        self.resources: list[Resource] | None = None

    def judges(self, scope: Scope) -> bool:
        """A JSON body sent to a route that reads one; an unknown path stays routing's 404."""
        if scope["method"] not in ("POST", "PUT", "PATCH", "DELETE") or not _is_json(scope):
            return False
        if self.resources is None:
            self.resources = resources_of(scope["app"].routes)
        path = get_route_path(scope)
        resource = next((r for r in self.resources if r.regex.match(path)), None)
        return resource is not None and not getattr(resource.route, "path", "").endswith(IMPORT_SUFFIX)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.judges(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client left: let the app see it
                await self.app(scope, _replay(message, receive), send)
                return
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and (name := repeated_member(body)) is not None:
            response = problem(
                422,
                "Validation failed",
                f"member {name!r} is given more than once in one JSON object: JSON keeps only the last, so "
                "the others would be lost; give it once (nothing was changed)",
                field=name,
            )
            await response(scope, receive, send)
            return
        done = {"type": "http.request", "body": body, "more_body": False}
        await self.app(scope, _replay(done, receive), send)


def _replay(first: Message, receive: Receive) -> Receive:
    """A receive that gives `first` once, then the server's own messages (a disconnect)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return first
        return await receive()

    return replayed
