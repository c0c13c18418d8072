"""Every error the API returns is RFC 9457 problem details (`application/problem+json`).

Known errors (`KgpError`) carry their own status and the field at fault. Outages of Neo4j or Redis
that escape a route become 503 with what is down and a Retry-After, and so does a Redis that refuses
writes (out of memory, read-only); anything unexpected becomes a 500 that names only an error id (the
traceback goes to the log, never to the caller).
"""

from __future__ import annotations

import itertools
import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j import exceptions as neo4j_errors
from starlette.exceptions import HTTPException as StarletteHTTPException

from kgplatform.api.outages import (
    NEO4J_DOWN,
    NEO4J_OUTAGE_ERRORS,
    REDIS_DOWN,
    REDIS_OUTAGE_ERRORS,
    REDIS_REFUSAL_ERRORS,
    REDIS_REFUSED_RETRY_S,
    REDIS_REFUSES,
    unavailable,
)
from kgplatform.api.ui_headers import API_HEADERS, UI_HEADERS, is_ui_path
from kgplatform.errors import KgpError
from kgplatform.validation_messages import error_message, json_type_message

PROBLEM_JSON = "application/problem+json"
WWW_AUTHENTICATE = 'ApiKey header="X-API-Key"'
LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
# How many of a 422's validation errors are listed (`errors_total` counts them all).
MAX_LISTED_ERRORS = 20
log = logging.getLogger("kgplatform.api")


# A refusal that names the request's path shows at most this much of it: the path is the client's own
# (a 65,000-character one was answered back whole in a 404, a review, 3 December), and the start of it is
# what tells one request from another.
MAX_SHOWN_PATH = 300


def shown_path(path: str) -> str:
    """`path` quoted for a refusal's text, cut at MAX_SHOWN_PATH characters with its length said."""
    if len(path) <= MAX_SHOWN_PATH:
        return repr(path)
    return f"{path[:MAX_SHOWN_PATH]!r}... ({len(path):,} characters)"


def problem(
    status: int, title: str, detail: str, *, headers: dict[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def problem_of(error: KgpError) -> JSONResponse:
    extra: dict[str, Any] = dict(error.details)
    if error.field:
        extra["field"] = error.field
    retry = extra.get("retry_after_s")
    headers = {"Retry-After": str(retry)} if isinstance(retry, int) else {}
    if error.status_code == 401:  # RFC 9110: a 401 says how to authenticate
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return problem(error.status_code, error.title, error.message, headers=headers or None, **extra)


def _loc_parts(loc: tuple[Any, ...]) -> list[str]:
    """A validation error's location as field names. Pydantic also names the member of a union it tried
    (`list[any]`, `dict[str,any]`) as a part: no field of ours holds '[', so such parts are left out."""
    return [str(p) for p in loc if "[" not in str(p)]


def _listed(error: Any) -> tuple[list[str], str]:
    """A validation error's field (as parts) and message. A JSON syntax error's location is ("body",
    offset): the offset is no member of the body, so it goes in the message, with the parser's reason
    ("body.24" read as a field named 24, a review, s30). A member of the wrong JSON type says what was sent
    and what to send (`json_type_message`), not only "Input should be a valid number"; a validator's own
    words come without pydantic's "Value error, " (`plain_message`, as the CLI and import reports give
    them)."""
    parts = _loc_parts(error["loc"])
    if error["type"] != "json_invalid":
        return parts, error_message(error, json_type_message)
    offset = f" at character {parts[1]}" if len(parts) > 1 else ""
    reason = (error.get("ctx") or {}).get("error")
    return parts[:1], f"{error['msg']}{offset}" + (f": {reason}" if reason else "")


def _field_name(parts: list[str]) -> str:
    """A field as the service's own errors, the README and `field` name it: without where it came from
    (body, query, path), so `learner_ids.1`, not `body.learner_ids.1`; a missing or unreadable body as a
    whole is "body", and a member or parameter named "" names the part of the request instead."""
    field = ".".join(parts[1:] if parts[:1] and parts[0] in LOCATIONS and parts[1:] else parts)
    return field if field.strip(".") else ".".join(part for part in parts if part)


def _by_field(found: list[Any]) -> dict[str, list[str]]:
    """Each field once, with its distinct messages, in the order first met: a union's alternatives (POST
    /answers' body: a list or an object) and a path parameter that two dependencies both read were each
    listed twice, under one name (a review, 5 December 2026)."""
    fields: dict[str, list[str]] = {}
    for error in found:
        parts, message = _listed(error)
        messages = fields.setdefault(_field_name(parts), [])
        if message not in messages:
            messages.append(message)
    return fields


def _either(messages: list[str]) -> str:
    """One field's messages as one: alternatives ("Input should be a valid list or a valid dictionary")."""
    lead = "Input should be "
    if len(messages) > 1 and all(m.startswith(lead) for m in messages):
        return lead + " or ".join(m.removeprefix(lead) for m in messages)
    return " or ".join(messages)


def _unreadable_body(cause: BaseException | None) -> str | None:
    """Why the framework could not read a JSON body, from the error its 400 was raised from; None when it
    says nothing a client can act on. FastAPI answers both of these with "There was an error parsing the
    body" alone: a client sending Latin-1 or Windows-1252 text (a legacy LMS, `charset=latin-1`, which
    the parser does not read) was not told that the encoding was the fault (a review, s34)."""
    if isinstance(cause, UnicodeDecodeError):
        return (
            f"the body is not UTF-8 text: byte 0x{cause.object[cause.start]:02x} at offset {cause.start} "
            "cannot be decoded; send JSON encoded as UTF-8 (a Content-Type charset is not read)"
        )
    if isinstance(cause, RecursionError):
        return "the body nests arrays or objects too deeply to be read"
    return None


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(KgpError)
    async def kgp_error(_: Request, error: KgpError) -> JSONResponse:
        return problem_of(error)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, error: RequestValidationError) -> JSONResponse:
        fields = _by_field(list(error.errors()))
        # The first few errors, and how many there were: a body with 300,000 unknown members answered
        # with a 24 MB list of them, each named twice (a review, 1 December). Each names its field as
        # `field` does (the errors named `body.learner_ids.1` beside `field: learner_ids.1`, a review,
        # 5 December 2026).
        errors = [
            {"field": name, "message": _either(messages)}
            for name, messages in itertools.islice(fields.items(), MAX_LISTED_ERRORS)
        ]
        shown = ", ".join(e["field"] for e in errors)
        if len(fields) > len(errors):
            shown += f" and {len(fields) - len(errors):,} more"
        # `field`: the first offending one, as the service's own errors give it, so a client reads the
        # field of every 422 in one place.
        extra = {"field": errors[0]["field"]} if errors and errors[0]["field"] else {}
        return problem(
            422,
            "Validation failed",
            f"invalid request: {shown}",
            errors=errors,
            errors_total=len(fields),
            **extra,
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        detail = str(error.detail)
        if error.status_code == 404 and detail == "Not Found":
            detail = f"no route matches {shown_path(request.url.path)}"
        elif error.status_code == 405:
            detail = f"{request.method} is not allowed on {shown_path(request.url.path)}"
        # The framework's own 400s are a body it could not read at all (malformed JSON, a multipart
        # without its boundary): the field at fault is the body as a whole. The routes raise none.
        extra = {"field": "body"} if error.status_code == 400 else {}
        if error.status_code == 400:
            detail = _unreadable_body(error.__cause__) or detail
        return problem(error.status_code, str(error.detail), detail, headers=error.headers, **extra)

    async def neo4j_down(_: Request, error: Exception) -> JSONResponse:
        return problem_of(unavailable(NEO4J_DOWN, 2.0))

    async def redis_down(_: Request, error: Exception) -> JSONResponse:
        return problem_of(unavailable(REDIS_DOWN, 2.0))

    async def redis_refuses(request: Request, error: Exception) -> JSONResponse:
        # Redis answers, so no probe shows this: the log must.
        log.warning("Redis refused %s %s: %s", request.method, request.url.path, error)
        return problem_of(unavailable(REDIS_REFUSES, REDIS_REFUSED_RETRY_S))

    for outage in NEO4J_OUTAGE_ERRORS:
        app.add_exception_handler(outage, neo4j_down)
    for outage in REDIS_OUTAGE_ERRORS:
        app.add_exception_handler(outage, redis_down)
    for refusal in REDIS_REFUSAL_ERRORS:
        app.add_exception_handler(refusal, redis_refuses)

    @app.exception_handler(neo4j_errors.ConstraintError)
    async def constraint(_: Request, error: neo4j_errors.ConstraintError) -> JSONResponse:
        # Two writers raced for one unique key; the loser's transaction was rolled back.
        detail = "a concurrent request created the same item first; nothing was changed"
        return problem(409, "Conflict", detail)

    @app.exception_handler(UnicodeEncodeError)
    async def not_unicode(request: Request, error: UnicodeEncodeError) -> JSONResponse:
        # JSON may escape a lone surrogate ("\\ud800"); Python decodes it, and the first thing that
        # must encode the text (the Neo4j driver, a response) fails. Such text can only have come in.
        if "surrogates not allowed" not in str(error):
            return await unexpected(request, error)
        detail = "the request holds text that is not valid Unicode (a lone surrogate such as \\ud800)"
        return problem(422, "Validation failed", detail)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        error_id = uuid.uuid4().hex
        log.error("unhandled error %s on %s %s", error_id, request.method, request.url.path, exc_info=error)
        # Starlette runs this handler in ServerErrorMiddleware, outside every middleware of ours, so
        # UiSecurityHeaders never sees its response: it sets their headers itself (a review, s30).
        headers = UI_HEADERS if is_ui_path(request.url.path) else API_HEADERS
        return problem(
            500,
            "Internal error",
            f"the server failed on this request (error id {error_id}); its log has the details",
            headers=dict(headers),
            error_id=error_id,
        )
