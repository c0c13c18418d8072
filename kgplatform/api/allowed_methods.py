"""405 for a method a path does not take, with an Allow header naming every method it does take.

Starlette gives a refused method to the first route whose path matches, and that route answers 405
with its own methods only: /curricula (GET and POST, two routes) answered a PUT with `Allow: POST`. And
ids may hold '/', so a `{concept_id:path}` route of the method can match a longer path as a whole: PUT
/concepts/c1/audit (the audit trail, GET only) ran PUT /concepts/{concept_id} on a concept "c1/audit"
and answered 422, though no id may end in an action (`curriculum.models.CONCEPT_ROUTE_ACTIONS`). Here the
first route whose path matches, in routing order (actions before the bare id), names the resource; the
methods of every route with its path template are the methods the path takes. A route that takes any
method (a mount: the web page's static files answer their own 405) is left to routing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Starlette's router matches paths without the root path with this; matching the same way here keeps
# the two in step.
from starlette._utils import get_route_path
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from kgplatform.api.problems import problem
from kgplatform.api.route_list import flat_routes


class Resource:
    """One path template and the methods its routes take (None: one of them takes any method)."""

    def __init__(self, route: BaseRoute, regex: re.Pattern[str]) -> None:
        self.route = route
        self.regex = regex
        self.methods: set[str] | None = set()

    def add(self, methods: set[str] | None) -> None:
        self.methods = None if methods is None or self.methods is None else self.methods | methods


def resources_of(routes: Sequence[BaseRoute]) -> list[Resource]:
    """The app's path templates in routing order (of each template's first route), with their methods."""
    by_pattern: dict[str, Resource] = {}
    for route in flat_routes(routes):
        regex = getattr(route, "path_regex", None)
        if regex is None:
            continue
        resource = by_pattern.setdefault(regex.pattern, Resource(route, regex))
        resource.add(getattr(route, "methods", None))
    return list(by_pattern.values())


class AllowedMethods:
    """Pure ASGI middleware; innermost but for the next-tasks fast path, whose hits are GETs it takes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        # Read on the first request: the middleware is built then, after every route was added.
        self.resources: list[Resource] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        resource = self.refusing(scope) if scope["type"] == "http" else None
        if resource is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = resource.route  # metrics label it by its template, as routing would
        response = problem(
            405,
            "Method Not Allowed",
            f"{scope['method']} is not allowed on {scope['path']!r}",
            headers={"Allow": ", ".join(sorted(resource.methods or ()))},
        )
        await response(scope, receive, send)

    def refusing(self, scope: Scope) -> Resource | None:
        """The resource the path names, when it does not take the request's method."""
        if self.resources is None:
            self.resources = resources_of(scope["app"].routes)
        path = get_route_path(scope)
        resource = next((r for r in self.resources if r.regex.match(path)), None)
        if resource is None or resource.methods is None or scope["method"] in resource.methods:
            return None
        return resource
