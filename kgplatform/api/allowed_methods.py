"""405 for a method a path does not take, with an Allow header naming every method it does take.

Starlette gives a refused method to the first route whose path matches, and that route answers 405
with its own methods only: /curricula (GET and POST, two routes) answered a PUT with `Allow: POST`. And
ids may hold '/', so a `{concept_id:id}` route of the method can match a longer path as a whole: PUT
/concepts/c1/audit (the audit trail, GET only) ran PUT /concepts/{concept_id} on a concept "c1/audit"
and answered 422, though no id may end in an action (`curriculum.models.CONCEPT_ROUTE_ACTIONS`). Here the
first route whose path matches, in routing order (actions before the bare id), names the resource; the
methods of every route with its path template are the methods the path takes. A route that takes any
method (a mount: the web page's static files answer their own 405) is left to routing.

A path whose id would be empty (`/curricula/`: `{curriculum_id:id}` matches nothing as the id) is a 404
"no route matches" here too, as `/answers/` is (app.py: no slash redirects): routing ran the route on the
id '' (GET: "no curriculum ''"), and this middleware answered a POST with 405 `Allow: GET`, telling a
client whose base URL ends in a slash that POST is not supported (a review, s30). No id may be empty.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Starlette's router matches paths without the root path with this; matching the same way here keeps
# the two in step.
from starlette._utils import get_route_path
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from kgplatform.api.problems import problem, shown_path
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
        response = self.refusal(scope) if scope["type"] == "http" else None
        if response is None:
            await self.app(scope, receive, send)
            return
        await response(scope, receive, send)

    def refusal(self, scope: Scope) -> Response | None:
        """404 when the path's route would get an empty id, 405 when the path does not take the method."""
        if self.resources is None:
            self.resources = resources_of(scope["app"].routes)
        path = get_route_path(scope)
        found = next(((r, m) for r in self.resources if (m := r.regex.match(path))), None)
        if found is None or found[0].methods is None:
            return None
        resource, match = found
        if "" in match.groupdict().values():
            return problem(404, "Not Found", f"no route matches {shown_path(scope['path'])}")
        if scope["method"] in resource.methods:
            return None
        scope["route"] = resource.route  # metrics label it by its template, as routing would
        return problem(
            405,
            "Method Not Allowed",
            f"{scope['method']} is not allowed on {shown_path(scope['path'])}",
            headers={"Allow": ", ".join(sorted(resource.methods))},
        )
