"""The OpenAPI document says what every route can answer, errors included, and what each takes.

Routes that read their body themselves get its schema from `documented_bodies`.

Routes document their own success and some domain errors; this adds the domain errors a route can meet by
what it is (`domain_errors`: 404, 409, 412, 428) and what the platform itself can answer
on every route, as RFC 9457 problem details: 401/403 where a key is needed, 400 where a body is read
(one that cannot be decoded), 415 where it must be JSON, 413 (body size), 422
(validation, replacing FastAPI's own shape, which the API never sends), 429 (rate limit), 500 and 503,
less those a route cannot meet (`NEVER_SENT`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from kgplatform.api.content_type import is_json
from kgplatform.api.documented_bodies import add_documented_bodies
from kgplatform.api.limits import UNLIMITED_PATHS

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; extra members (field, errors, retry_after_s) name the cause.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "Validation failed"},
        "status": {"type": "integer", "example": 422},
        "detail": {"type": "string", "example": "invalid request: limit"},
        "field": {"type": "string", "description": "The field, parameter or header at fault."},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
        "retry_after_s": {
            "type": "integer",
            "description": "With 429 and 503: when to retry (also Retry-After).",
        },
    },
    "additionalProperties": True,
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Every 401 carries it (`problems.problem_of`, RFC 9110): a generated client reads only documented headers.
WWW_AUTHENTICATE_HEADER = {
    "WWW-Authenticate": {
        "description": 'How to authenticate: `ApiKey header="X-API-Key"`',
        "schema": {"type": "string"},
    }
}
RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}
COMMON: dict[str, tuple[str, bool]] = {
    "413": ("Request body over the size limit; nothing was changed", False),
    "422": ("Invalid request; `field` or `errors` name what is wrong; nothing was changed", False),
    "429": ("Over the API key's rate limit", True),
    "500": ("Unexpected server error; the body names an error id, never internals", False),
    "503": ("Neo4j or Redis is unavailable; nothing was changed", True),
}
BODY: dict[str, tuple[str, bool]] = {
    "400": ("The body could not be read at all (`field: body`); nothing was changed", False),
}
# Routes whose body is JSON alone refuse other media types (`content_type.require_json_body`).
JSON_BODY: dict[str, tuple[str, bool]] = {
    "415": (
        "The body was not sent as JSON (`field: content-type`), or was sent compressed (`field: "
        "content-encoding`: send it without a Content-Encoding); nothing was changed",
        False,
    ),
}
# Routes taking several media types refuse the others (the curriculum import: JSON, zip, multipart).
OTHER_MEDIA: dict[str, tuple[str, bool]] = {
    "415": (
        "The body's media type is none the route takes (`field: content-type`), or it was sent "
        "compressed (`field: content-encoding`: send it without a Content-Encoding); nothing was changed",
        False,
    ),
}
# Routes that create what their path names on first sight: an unknown id is never a 404 there. A roster
# PUT creates its class (the document promised a 404 it never sends: a review, 4 December).
CREATES_ON_FIRST_SIGHT = {
    ("/learners/{learner_id}/goals", "put"),
    ("/learners/{learner_id}/interests", "put"),
    ("/classes/{class_id}/learners", "put"),
    ("/classes/{class_id}", "put"),  # naming a class creates it, empty, as its roster PUT does
}
# Responses a route sends in a shape of its own, not as problem details: the readiness probe's 503 is its
# usual body, naming the service that is down.
OWN_SHAPE = {("/readyz", "503")}
# Common statuses a route cannot send: the probes and /metrics are never rate-limited; /healthz reads
# neither Neo4j nor Redis, and /metrics leaves out the queue depth when Redis fails (`QueueDepthCollector`).
# `GET /api-keys/me` takes any valid key: no role to refuse (403).
NEVER_SENT = {(path, "429") for path in UNLIMITED_PATHS} | {
    ("/healthz", "503"),
    ("/metrics", "503"),
    ("/api-keys/me", "403"),
    # A class's roster trail outlives the class: an unknown id reads an empty one.
    ("/classes/{class_id}/audit", "404"),
}
# A route's domain errors, by what the route is (`domain_errors`): a client generator learns every status
# it can meet (schemathesis's status-code check holds the document to it).
NOT_FOUND = ("No such entity: `field` names the unknown id; nothing was changed", False)
CONFLICT = (
    "Conflicts with the graph as it is (a cycle, a duplicate, an entity still in use, a batch already "
    "running): `field` names what; nothing was changed",
    False,
)
PRECONDITION_FAILED = (
    "If-Match names an older version: it changed since you read it; nothing was changed",
    False,
)
# `*` is a 428 too (`versions.parse_if_match`): saying only "required" misled a client that sent one.
PRECONDITION_REQUIRED = (
    "If-Match is missing, names no ETag, or is `*`: send the ETag of the version you read; nothing was "
    "changed",
    False,
)
# Routes that look an entity up by an id in their body or query rather than their path.
LOOKS_UP_BY_BODY = {"/prerequisites", "/jobs/recompute"}
EDITS_GRAPH = ("/curricula", "/concepts", "/tasks", "/prerequisites", "/jobs")
VERSIONED = ("/concepts/{concept_id}", "/tasks/{task_id}")

AUTH: dict[str, tuple[str, bool]] = {
    "401": ("Missing, unknown or revoked API key (X-API-Key)", False),
    "403": ("The key's role may not do this", False),
}


def problem_response(description: str, retry: bool) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM_REF}},
    }
    if retry:
        response["headers"] = RETRY_AFTER
    return response


def _is_frameworks_422(response: dict[str, Any]) -> bool:
    """FastAPI's own 422 (its HTTPValidationError body, which the API never sends), to be replaced. A 422
    a route declares is kept, as its other statuses are, and given the Problem schema below: next-tasks'
    was the document's only word on "a learner with no curriculum is 422 `curriculum_id`" (a review, s30)."""
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    return str(schema.get("$ref", "")).endswith("/HTTPValidationError")


def add_problem_responses(document: dict[str, Any]) -> dict[str, Any]:
    """Adds the platform's error responses to every operation of an OpenAPI document (in place)."""
    components = document.setdefault("components", {})
    components.setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    for path, path_item in document.get("paths", {}).items():
        for method, operation in path_item.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            media = operation.get("requestBody", {}).get("content", {})
            extra = {
                **domain_errors(path, method),
                **COMMON,
                **(AUTH if operation.get("security") else {}),
                **(BODY if "requestBody" in operation else {}),
                **(JSON_BODY if media and all(is_json(m) for m in media) else OTHER_MEDIA if media else {}),
            }
            for status, (description, retry) in extra.items():
                if (path, status) in OWN_SHAPE or (path, status) in NEVER_SENT:
                    continue
                existing = responses.get(status)
                if existing is None or (status == "422" and _is_frameworks_422(existing)):
                    responses[status] = problem_response(description, retry)
                elif retry:
                    existing.setdefault("headers", {}).update(RETRY_AFTER)
            if "401" in responses:
                responses["401"].setdefault("headers", {}).update(WWW_AUTHENTICATE_HEADER)
            # Every error status, the platform's and a route's own (404, 409, ...), is problem details.
            for status, response in responses.items():
                if str(status)[:1] in "45" and (path, str(status)) not in OWN_SHAPE:
                    content = response.setdefault("content", {})
                    content.pop("application/json", None)
                    content.setdefault("application/problem+json", {})["schema"] = PROBLEM_REF
    for unused in ("HTTPValidationError", "ValidationError"):
        components["schemas"].pop(unused, None)
    return document


def domain_errors(path: str, method: str) -> dict[str, tuple[str, bool]]:
    """404 where an entity is named (in the path, or the body of a few routes), 409 where the graph is
    changed, 412 and 428 where a versioned entity is (If-Match)."""
    errors: dict[str, tuple[str, bool]] = {}
    if ("{" in path or path in LOOKS_UP_BY_BODY) and (path, method) not in CREATES_ON_FIRST_SIGHT:
        errors["404"] = NOT_FOUND
    if method != "get" and path.startswith(EDITS_GRAPH):
        errors["409"] = CONFLICT
    if method in ("put", "patch", "delete") and path in VERSIONED:
        errors["412"] = PRECONDITION_FAILED
        errors["428"] = PRECONDITION_REQUIRED
    # An edge's ETag: required to change its weight, optional on its removal (`versions.parse_*_if_match`).
    if path == "/prerequisites" and method in ("patch", "delete"):
        errors["412"] = PRECONDITION_FAILED
        if method == "patch":
            errors["428"] = PRECONDITION_REQUIRED
    return errors


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = add_problem_responses(add_documented_bodies(document, app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
