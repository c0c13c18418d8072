"""The cache-hit path of next-tasks as pure ASGI, in front of FastAPI's routing and dependencies.

A service asks for next tasks on every screen, so a cache hit must cost little more than the Redis
GET. This middleware answers exactly the requests whose answer is certain without FastAPI: a GET of
`/learners/{id}/next-tasks` with at most a valid `limit`, a key the authenticator checked within
the last seconds and whose role may read plans, and a cached plan of the current planner. Anything
else (a miss, a new key, a bad or unknown parameter, a wrong role) goes on to the documented route in
`routes/plans.py`, which answers it, or its error, the same way through the same `NextTasksServing`.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Receive, Scope, Send

from kgplatform.api.deps import LEARNER_READERS, recently_checked_principal
from kgplatform.api.plan_serving import NextTasksServing
from kgplatform.auth.models import Role

PREFIX, SUFFIX = "/learners/", "/next-tasks"
DEFAULT_LIMIT, MAX_LIMIT, MAX_ID_LENGTH = 10, 100, 200
# The roles of the route's own check (`deps.LEARNER_READERS`, and admin): a teacher's key left out here
# was sent on to the route on every hit, the thread hop and FastAPI's dependencies the fast path saves.
READERS = frozenset({*LEARNER_READERS, Role.ADMIN})


def fast_limit(query_string: bytes) -> int | None:
    """The `limit` of a query string holding nothing else, when valid; None sends it to the route."""
    if not query_string:
        return DEFAULT_LIMIT
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    if len(pairs) != 1 or pairs[0][0] != "limit":
        return None
    value = pairs[0][1]
    # ASCII digits only ("²" is a digit to str.isdigit but not to int) and few of them (int refuses
    # over 4,300): anything else goes to the route, which answers 422.
    if not (value.isascii() and value.isdigit() and len(value) <= 9):
        return None
    limit = int(value)
    return limit if 1 <= limit <= MAX_LIMIT else None


class NextTasksFastPath:
    def __init__(self, app: ASGIApp, route_template: str = PREFIX + "{learner_id}" + SUFFIX) -> None:
        self.app = app
        self.route = _Route(route_template)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and path.endswith(SUFFIX)
            and path.startswith(PREFIX)
        ):
            body = await self._answer(scope, path[len(PREFIX) : -len(SUFFIX)])
            if body is not None:
                scope["route"] = self.route  # metrics label it like the route would
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, learner_id: str) -> bytes | None:
        if not learner_id or "/" in learner_id or len(learner_id) > MAX_ID_LENGTH:
            return None
        limit = fast_limit(scope.get("query_string", b""))
        if limit is None:
            return None
        principal = recently_checked_principal(scope)
        # A key scoped to classes goes to the route, which reads the learner's classes (a graph read the
        # fast path does not make): answered here, it read every learner's cached plan.
        if principal is None or principal.role not in READERS or principal.classes:
            return None
        serving: NextTasksServing = scope["app"].state.next_tasks
        return await serving.cached_answer(learner_id, limit)


class _Route:
    """Stands in for the APIRoute in `scope["route"]`: only its template is read (by the metrics)."""

    def __init__(self, path: str) -> None:
        self.path = path
