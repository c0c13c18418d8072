"""Every route of an app in one flat list, in the order routing tries them, each with its full path.

FastAPI since 0.16x keeps an included router as a single entry of `app.routes` (its routes get their
prefix only while a request is matched); `iter_route_contexts` lists each route with its full path,
methods and path regex. Older FastAPI copied the routes into `app.routes`, which is already that list.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import fastapi.routing
from starlette.routing import BaseRoute


def flat_routes(routes: Sequence[BaseRoute]) -> list[Any]:
    """Each route (or FastAPI's view of it): `path`, `path_format`, `path_regex`, `methods`, `endpoint`."""
    iterate = getattr(fastapi.routing, "iter_route_contexts", None)
    return list(iterate(routes)) if iterate is not None else list(routes)
