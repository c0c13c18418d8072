"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.datastructures import State

from kgplatform.api.readiness import ReadinessProbe
from kgplatform.errors import caused_by
from kgplatform.graph.driver import DATABASE_FAILED, LOGIN_REFUSED, PANIC_CODES, login_refused

router = APIRouter(tags=["health"])


class Readiness(BaseModel):
    status: Literal["ready", "not ready"]
    # "neo4j", "redis": "ok" or "unavailable: <error class>" (for Neo4j, with its status code when it sent
    # one); "schema": "ok", the migrations not applied,
    # or why it was not checked.
    checks: dict[str, str]


@router.get("/healthz", summary="The process is alive")
async def healthz() -> dict[str, str]:
    # On the event loop, not in the thread pool the sync routes share: when Neo4j stalls (a frozen
    # process, a network dropping packets), the requests waiting on it hold every thread for minutes,
    # and a liveness probe queued behind them timed out, so an orchestrator would restart a process that
    # is alive and serving cached plans (a review, s34).
    return {"status": "ok"}


def backend_checks(state: State) -> dict[str, str]:
    """Pings Neo4j and Redis: "ok" or "unavailable: <error class>" for each; and whether every migration
    this code ships is applied to the graph (a process started before `kgplatform migrate` is not ready:
    without the constraints two concurrent writes of one learner make two nodes)."""
    checks: dict[str, str] = {}
    try:
        state.graph.ping()
        checks["neo4j"] = "ok"
    except Exception as error:  # noqa: BLE001 - any failure means not ready; the reason is reported
        checks["neo4j"] = f"unavailable: {_neo4j_error_name(error)}"
    if checks["neo4j"] == "ok":
        try:
            checks["schema"] = state.schema_watch.verdict()
        except Exception as error:  # noqa: BLE001
            checks["schema"] = f"not checked: {error.__class__.__name__}"
    else:
        checks["schema"] = "not checked: Neo4j unavailable"
    try:
        state.redis.ping()
        checks["redis"] = "ok"
    except Exception as error:  # noqa: BLE001
        checks["redis"] = f"unavailable: {error.__class__.__name__}"
    return checks


def _neo4j_error_name(error: Exception) -> str:
    """The error's class, and Neo4j's status code when the server sent one: a refused password, a database
    the server does not hold and one it cannot open all read "unavailable: ClientError" or the like, which
    left an operator of a remote Neo4j to guess (a review, 6 December 2026). The code names no secret. The
    API's graph raises its 503 with Neo4j's error behind it, which is the one named. A failed database (a
    full disk's "database panic") says so: its code alone did not tell that a restart is needed."""
    from neo4j.exceptions import Neo4jError

    server_error = caused_by(error, Neo4jError)
    code = server_error.code if isinstance(server_error, Neo4jError) else None
    if server_error is None or not code:
        return error.__class__.__name__
    name = f"{server_error.__class__.__name__} ({code})"
    if code in PANIC_CODES:
        return f"{name}: {DATABASE_FAILED}"
    # The rate limit's code alone did not say that the password is what is wrong.
    return f"{name}: {LOGIN_REFUSED}" if login_refused(server_error) else name


@router.get(
    "/readyz",
    summary="Neo4j and Redis are reachable and the graph is migrated",
    description=(
        "The answer of a check is reused for 1 s, and probes arriving during a check share it. `schema` "
        "lists the migrations this release ships that the graph lacks (run `kgplatform migrate`)."
    ),
    response_model=Readiness,
    responses={
        503: {
            "model": Readiness,
            "description": "Neo4j or Redis unreachable, or the graph lacks migrations: `checks` says which",
        }
    },
)
async def readyz(request: Request) -> JSONResponse:
    probe: ReadinessProbe = request.app.state.readiness
    checks = await probe.checks()
    ready = all(v == "ok" for v in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "not ready", "checks": checks}, status_code=200 if ready else 503
    )
