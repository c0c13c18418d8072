"""JSON routes refuse a body sent as another media type, with a 415 that says what to send.

Without it FastAPI read such a body as raw bytes and validated those against the route's JSON model:
curl's default `application/x-www-form-urlencoded` (or `text/plain`) answered 422 "body: Input should
be a valid list", which sent services looking for a fault in their JSON. A body with no Content-Type
at all gets the same 415: FastAPI no longer reads it as JSON (`strict_content_type`, its default now, as a
browser can send a body without that header across origins with no CORS preflight), and it answered the
same 422.
Routes that read their body themselves (the curriculum import: JSON, ZIP, multipart) declare no body
field and are not checked here.
On a route that needs a key, the key and then its role are checked first: this dependency is app-wide, so
it runs before the route's own, and a keyless text/plain request was told to send JSON rather than that it
needs a key (and a key of the wrong role, rather than that it may not).
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request, params
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from kgplatform.api.deps import API_KEY_HEADER, authenticate
from kgplatform.api.problems import problem
from kgplatform.auth.models import Principal
from kgplatform.errors import UnsupportedMediaType


def is_json(media_type: str) -> bool:
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


async def require_json_body(request: Request) -> None:
    """An app-wide dependency: 415 for a non-empty body whose Content-Type is not JSON, on routes
    whose body is a JSON model."""
    field = getattr(request.scope.get("route"), "body_field", None)
    if field is None or isinstance(field.field_info, params.Form | params.File):
        return
    content_type = request.headers.get("content-type")
    media_type = None if content_type is None else content_type.split(";")[0].strip().lower()
    if (media_type is not None and is_json(media_type)) or not await request.body():
        return
    route = request.scope.get("route")
    if isinstance(route, APIRoute):
        await check_key_first(request, route)
    sent = "without a Content-Type" if media_type is None else f"as {media_type or 'an empty Content-Type'}"
    raise UnsupportedMediaType(
        f"the body was sent {sent}; this route takes JSON: "
        "send it with the header 'Content-Type: application/json' (curl: -H 'Content-Type: "
        "application/json', or --json)",
        field="content-type",
    )


async def check_key_first(request: Request, route: APIRoute) -> None:
    """On a route that needs a key: 401, then the route's role check (403), before an app-wide check
    refuses the request, as the route would answer: a key of the wrong role was told to send JSON, then,
    having done so, that it may not. In a thread, as FastAPI runs the route's own: a key not cached yet is
    looked up in Neo4j."""
    if not _needs_key(route):
        return
    principal = await run_in_threadpool(
        request.app.state.authenticator.authenticate, request.headers.get(API_KEY_HEADER)
    )
    for check in _role_checks(route.dependant):
        check(principal)


def _needs_key(route: APIRoute) -> bool:
    """Whether the route's dependencies include `deps.authenticate` (directly or through a role check);
    worked out once per route and kept on it (FastAPI's Dependant is not hashable)."""
    known: bool | None = getattr(route, "_kgp_needs_key", None)
    if known is None:
        known = _depends_on_key(route.dependant)
        route._kgp_needs_key = known  # type: ignore[attr-defined]
    return known


def _role_checks(dependant: Dependant) -> list[Callable[[Principal], Principal]]:
    """The route's `deps.require_roles` checks, at any depth."""
    found = [d.call for d in dependant.dependencies if getattr(d.call, "checks_role", False)]
    # A dependency that authenticates and checks its role itself names its role check.
    found += [d.call.role_check for d in dependant.dependencies if getattr(d.call, "role_check", None)]
    return found + [c for d in dependant.dependencies for c in _role_checks(d)]


def _depends_on_key(dependant: Dependant) -> bool:
    return any(
        d.call is authenticate or getattr(d.call, "authenticates", False) or _depends_on_key(d)
        for d in dependant.dependencies
    )


class RefuseContentCoding:
    """Pure ASGI middleware: 415 for a body sent with a Content-Encoding (gzip, br, deflate), which the
    API does not decode, with `Accept-Encoding: identity` (RFC 9110, 15.5.16).

    Without it the coding was ignored: a gzip body (an HTTP client compressing its requests) was a 400
    saying the body was not UTF-8 text, and a body labelled `br` but sent plain was stored, so a client
    believing its compression worked was never told otherwise (a review, 3 December). Routes without a
    body are not concerned: a GET with the header sends nothing to decode.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (coding := _refused_coding(scope["headers"])) is not None:
            response = problem(
                415,
                "Unsupported media type",
                f"the body was sent with Content-Encoding {coding!r}, which this API does not decode: "
                "send it uncompressed (no Content-Encoding header); nothing was changed",
                headers={"Accept-Encoding": "identity"},
                field="content-encoding",
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _refused_coding(headers: list[tuple[bytes, bytes]]) -> str | None:
    """The request's Content-Encoding when it names a coding other than identity and a body comes with
    it (a Content-Length above 0, or chunked); else None."""
    codings: list[str] = []
    has_body = False
    for name, value in headers:
        if name == b"content-encoding":
            codings += [c.strip().lower() for c in value.decode("latin-1").split(",") if c.strip()]
        elif name == b"content-length":
            has_body = has_body or value.strip() not in (b"", b"0")
        elif name == b"transfer-encoding":
            has_body = True
    if not has_body or all(c == "identity" for c in codings):
        return None
    return ", ".join(codings)
