"""Every route of an app in one flat list, in the order routing tries them, each with its full path.

FastAPI since 0.16x keeps an included router as a single entry of `app.routes` (its routes get their
prefix only while a request is matched); `iter_route_contexts` lists each route with its full path,
methods and path regex. Older FastAPI copied the routes into `app.routes`, which is already that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import fastapi.routing
from starlette.applications import Starlette
from starlette.routing import BaseRoute


def flat_routes(routes: Sequence[BaseRoute]) -> list[Any]:
    """Each route (or FastAPI's view of it): `path`, `path_format`, `path_regex`, `methods`, `endpoint`."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(iterate(routes)) if iterate is not None else list(routes)


def build_routes_now(app: Starlette) -> None:
    """Has FastAPI build an included router's routes (each parameter's pydantic validator) now, as it
    otherwise does on the first request that reads them, and keeps them until a route is added.

    That build hides a pydantic warning FastAPI sets off for every parameter (the alias FastAPI gives it,
    pydantic/pydantic#12356) inside `warnings.catch_warnings`, which swaps the process's one filter list and
    is not thread-safe before Python 3.14 (python/cpython#128384). The lifespan's matplotlib warm-up thread
    uses it too (matplotlib's import), and when its block closed during the first request's build, the
    warning escaped it: a 500 under the tests' warnings-as-errors, one run in about 20 (a review,
    7 December 2026). Built at the start, before that thread runs, no request builds them."""
    flat_routes(app.routes)
