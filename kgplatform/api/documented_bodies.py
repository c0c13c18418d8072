"""The OpenAPI request body of routes that read their body themselves.

POST /answers validates each row on its own (a bad row is rejected with its reason while the others are
stored), so its parameter is `list | dict`; the curriculum import reads JSON, a zip or a multipart upload,
so it has no body parameter at all. FastAPI documented both bodies as untyped, and a client generated
from /openapi.json sent untyped dicts. Such a route names the type its body has (`documented_body`);
`add_documented_bodies` writes that type's JSON schema into the operation and its models into
components/schemas, after FastAPI built the document: `openapi_extra` merges dicts but not lists, so it
cannot take the place of the `anyOf` FastAPI generated, and a schema written by hand there would drift
from the models the rows are validated with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pydantic import TypeAdapter
from starlette.routing import BaseRoute

from kgplatform.api.route_list import flat_routes

REF_TEMPLATE = "#/components/schemas/{model}"
# Kept from what the route declared (its Body(...) text and example): they say what the type cannot.
KEPT_KEYWORDS = ("description", "examples")
ATTRIBUTE = "__documented_body__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def documented_body(body_type: Any, media_type: str = "application/json") -> Callable[[Endpoint], Endpoint]:
    """Marks a route's endpoint: its `media_type` body has the shape of `body_type` (a model, a union...)."""

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, ATTRIBUTE, (media_type, body_type))
        return endpoint

    return mark


def add_documented_bodies(document: dict[str, Any], routes: Sequence[BaseRoute]) -> dict[str, Any]:
    """Gives each marked route's operations their body schema (in place); the models go to components."""
    marked = [
        (route, getattr(route.endpoint, ATTRIBUTE))
        for route in flat_routes(routes)
        if hasattr(getattr(route, "endpoint", None), ATTRIBUTE) and route.path_format in document["paths"]
    ]
    if not marked:
        return document
    inputs = [(index, "validation", TypeAdapter(body)) for index, (_, (_, body)) in enumerate(marked)]
    schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF_TEMPLATE)
    components = document.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in definitions.get("$defs", {}).items():
        # pydantic names a definition after its model: a name FastAPI already wrote is that same model
        # (used by a typed route too), and its entry stays as FastAPI wrote it.
        components.setdefault(name, schema)
    for index, (route, (media_type, _)) in enumerate(marked):
        for method in sorted(route.methods or ()):
            operation = document["paths"][route.path_format].get(method.lower())
            if operation is None:
                continue
            body = operation.setdefault("requestBody", {"required": True, "content": {}})
            declared = body["content"].get(media_type, {}).get("schema", {})
            kept = {key: declared[key] for key in KEPT_KEYWORDS if key in declared}
            body["content"][media_type] = {"schema": {**schemas[(index, "validation")], **kept}}
    return document
