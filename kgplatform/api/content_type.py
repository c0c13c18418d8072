"""JSON routes refuse a body sent as another media type, with a 415 that says what to send.

Without it FastAPI read such a body as raw bytes and validated those against the route's JSON model:
curl's default `application/x-www-form-urlencoded` (or `text/plain`) answered 422 "body: Input should
be a valid list", which sent services looking for a fault in their JSON. A body with no Content-Type
at all gets the same 415: FastAPI no longer reads it as JSON (`strict_content_type`, its default now, as a
browser can send a body without that header across origins with no CORS preflight), and it answered the
same 422.
Routes that read their body themselves (the curriculum import: JSON, ZIP, multipart) declare no body
field and are not checked here.
"""

from __future__ import annotations

from fastapi import Request, params

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
    sent = "without a Content-Type" if media_type is None else f"as {media_type or 'an empty Content-Type'}"
    raise UnsupportedMediaType(
        f"the body was sent {sent}; this route takes JSON: "
        "send it with the header 'Content-Type: application/json' (curl: -H 'Content-Type: "
        "application/json', or --json)",
        field="content-type",
    )
