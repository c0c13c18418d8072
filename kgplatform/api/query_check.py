"""Query parameters a route does not take are refused with a 422 naming them, on every route.

FastAPI ignores a query parameter it was not told about: `POST /answers?atomc=true` (meaning all or
nothing) stored the good rows of a batch and listed the bad ones as rejected, and a misspelt
`curriculumid=` on next-tasks answered the default curriculum's plan (reviews, 1 and 2 December). A
parameter given twice is refused too unless the route takes a list: FastAPI keeps the last value, so
`atomic=true&atomic=false` was a non-atomic batch.
As with the media-type check (`content_type`), a route that needs a key checks the key and its role first:
this dependency is app-wide and runs before the route's own.
"""

from __future__ import annotations

import typing
from collections.abc import Sequence

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel

from kgplatform.api.content_type import check_key_first

_SEQUENCES = (list, tuple, set, frozenset, Sequence)


async def refuse_unknown_query(request: Request) -> None:
    """An app-wide dependency: 422 for a query parameter the route does not declare, or a single-valued
    one given more than once."""
    route = request.scope.get("route")
    if not request.url.query or not isinstance(route, APIRoute):
        return
    known = _query_parameters(route)
    params = request.query_params
    errors = []
    for name in dict.fromkeys(params.keys()):
        if not name:
            # `?=x` or `?&=x`: no name to put in `field`, so the query string as a whole is at fault
            # (the fuzzer's `concept=0&=null` answered a 422 whose `field` was empty).
            message = "a parameter with an empty name (a bare '=' in the query string)"
            errors.append({"type": "extra_forbidden", "loc": ("query",), "msg": message})
        elif name not in known:
            takes = ", ".join(sorted(known)) or "none"
            message = f"Extra inputs are not permitted: not a parameter of this route (it takes: {takes})"
            errors.append({"type": "extra_forbidden", "loc": ("query", name), "msg": message})
        elif not known[name] and len(params.getlist(name)) > 1:
            message = f"given {len(params.getlist(name))} times; give it once"
            errors.append({"type": "too_many_values", "loc": ("query", name), "msg": message})
    if errors:
        await check_key_first(request, route)
        # Rendered as FastAPI's own 422s are (`problems`): `field` names the first, `errors` lists them.
        raise RequestValidationError(errors)


def _query_parameters(route: APIRoute) -> dict[str, bool]:
    """The route's query parameters by the name a client sends, each with whether it may repeat; worked
    out once per route and kept on it."""
    known: dict[str, bool] | None = getattr(route, "_kgp_query_parameters", None)
    if known is None:
        known = _declared(route.dependant)
        route._kgp_query_parameters = known  # type: ignore[attr-defined]
    return known


def _declared(dependant: Dependant) -> dict[str, bool]:
    found: dict[str, bool] = {}
    for field in dependant.query_params:
        annotation = field.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):  # a query model
            for name, info in annotation.model_fields.items():
                found[info.alias or name] = _repeatable(info.annotation)
        else:
            found[field.alias] = _repeatable(annotation)
    for sub in dependant.dependencies:
        found |= _declared(sub)
    return found


def _repeatable(annotation: object) -> bool:
    """Whether a parameter of this type takes several values (`list[str]`, optional or not)."""
    origin = typing.get_origin(annotation)
    if origin in _SEQUENCES:
        return True
    return any(_repeatable(arg) for arg in typing.get_args(annotation) if arg is not type(None))
