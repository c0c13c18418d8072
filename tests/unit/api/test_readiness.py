"""/readyz: one backend check answers the probes of a second and those arriving while it runs; the answer
stays strict (503 naming what is down)."""

from __future__ import annotations

import asyncio
import threading
import time

import anyio
import anyio.to_thread
import httpx
import pytest

from kgplatform.api.readiness import ReadinessProbe
from kgplatform.graph.schema_check import SchemaState, SchemaWatch
from tests.unit.api.serving_app import FakeRedis, serving_app


class SlowGraph:
    """A Neo4j whose ping takes a while, counted."""

    def __init__(self, seconds: float = 0.2) -> None:
        self.seconds, self.pings = seconds, 0
        self._lock = threading.Lock()

    def ping(self) -> None:
        with self._lock:
            self.pings += 1
        time.sleep(self.seconds)


class PingedRedis(FakeRedis):
    def ping(self) -> bool:
        return self._call("ping", True)  # type: ignore[no-any-return]


def test_concurrent_probes_share_one_backend_check() -> None:
    """Each /readyz was a Neo4j transaction and a Redis round trip, with no key and no rate limit, each
    holding a thread of the pool every sync route shares (a review, s29: 200 probes, 400 round trips)."""
    graph, redis = SlowGraph(), PingedRedis()
    app, _ = serving_app(graph=graph, sync_redis=redis)

    async def probe_100() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
            answers = await asyncio.gather(*(client.get("/readyz") for _ in range(100)))
        return [answer.status_code for answer in answers]

    assert asyncio.run(probe_100()) == [200] * 100
    assert graph.pings <= 2 and redis.calls.count("ping") <= 2, (graph.pings, redis.calls)


def test_a_down_backend_is_still_reported() -> None:
    redis = PingedRedis(ConnectionError("refused"))
    _, client = serving_app(sync_redis=redis)  # the graph is down too
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "not ready",
        "checks": {
            "neo4j": "unavailable: ServiceUnavailable",
            "redis": "unavailable: ConnectionError",
            "schema": "not checked: Neo4j unavailable",
        },
    }


def test_a_graph_not_migrated_is_not_ready_and_says_what_to_run() -> None:
    """A process started before `kgplatform migrate` (a deployment that forgot it, an older dump
    restored) served on a graph without its constraints, and /readyz said ready."""
    app, client = serving_app(graph=SlowGraph(0.0), sync_redis=PingedRedis())
    app.state.schema_watch = SchemaWatch(
        lambda: SchemaState(missing=("V0012__audit_links",), newer=(), changed=())
    )
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"] == {
        "neo4j": "ok",
        "redis": "ok",
        "schema": "migrations not applied: V0012__audit_links (run `kgplatform migrate`)",
    }


def test_a_check_is_reused_for_its_ttl_then_made_again() -> None:
    now = [100.0]
    answers = iter([{"neo4j": "ok"}, {"neo4j": "unavailable: ServiceUnavailable"}])
    probe = ReadinessProbe(lambda: next(answers), ttl_s=1.0, clock=lambda: now[0])
    assert asyncio.run(probe.checks()) == {"neo4j": "ok"}
    now[0] += 0.9
    assert asyncio.run(probe.checks()) == {"neo4j": "ok"}
    now[0] += 0.2
    assert asyncio.run(probe.checks()) == {"neo4j": "unavailable: ServiceUnavailable"}


def test_a_check_that_raises_fails_its_waiters_and_is_not_kept() -> None:
    calls = [0]

    def check() -> dict[str, str]:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("a bug")
        return {"neo4j": "ok"}

    probe = ReadinessProbe(check)
    with pytest.raises(RuntimeError):
        asyncio.run(probe.checks())
    assert asyncio.run(probe.checks()) == {"neo4j": "ok"}


def test_healthz_answers_while_every_thread_of_the_pool_is_taken() -> None:
    """/healthz ran in the thread pool every sync route shares: with Neo4j stalled (a frozen process,
    a network dropping packets) the requests waiting on it took every thread, and the liveness probe
    waited 115 s behind them (a review, s34), so an orchestrator would restart a live process."""
    app, _ = serving_app()

    async def probe_with_the_pool_taken() -> int:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        await limiter.acquire()  # the only thread, held as a request blocked on Neo4j holds it
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
                answer = await asyncio.wait_for(client.get("/healthz"), timeout=2.0)
            return answer.status_code
        finally:
            limiter.release()

    assert anyio.run(probe_with_the_pool_taken) == 200


class RefusingGraph:
    """A Neo4j that answers with an error of its own: a refused password (remote, or changed)."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def ping(self) -> None:
        raise self.error


@pytest.mark.parametrize(
    "code",
    ["Neo.ClientError.Security.Unauthorized", "Neo.ClientError.Database.DatabaseNotFound"],
)
def test_a_neo4j_that_answers_with_an_error_is_named_by_its_code(code: str) -> None:
    """A refused password and a missing database both read "unavailable: ClientError" (a review, 6 December
    2026): the operator of a remote Neo4j could not tell which setting to fix."""
    from neo4j.exceptions import ClientError

    error = ClientError._hydrate_neo4j(code=code, message="The server's own words.")
    _, client = serving_app(graph=RefusingGraph(error), sync_redis=PingedRedis())
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json()["checks"]["neo4j"].startswith(f"unavailable: {error.__class__.__name__} ({code})")
    assert "own words" not in answer.text  # the code, not the server's message


def test_a_failed_database_says_it_needs_a_restart() -> None:
    """On a full disk Neo4j 5.26's database panicked (7 December 2026): the API's graph raised its 503 with
    this error behind it, and /readyz read "unavailable: ServiceUnavailable", no word of a restart."""
    from neo4j.exceptions import DatabaseError

    from kgplatform.errors import ServiceUnavailable

    code = "Neo.DatabaseError.Transaction.TransactionStartFailed"
    panic = DatabaseError._hydrate_neo4j(code=code, message="The database has encountered a critical error")
    try:
        raise ServiceUnavailable("Neo4j's database has failed") from panic
    except ServiceUnavailable as raised:
        wrapped = raised
    _, client = serving_app(graph=RefusingGraph(wrapped), sync_redis=PingedRedis())
    answer = client.get("/readyz")
    assert answer.status_code == 503
    neo4j = answer.json()["checks"]["neo4j"]
    assert neo4j.startswith(f"unavailable: DatabaseError ({code}): ") and "needs a restart" in neo4j


@pytest.mark.parametrize(
    "code", ["Neo.ClientError.Security.Unauthorized", "Neo.ClientError.Security.AuthenticationRateLimit"]
)
def test_a_refused_login_says_the_credentials_are_wrong(code: str) -> None:
    """With a wrong KGP_NEO4J__PASSWORD Neo4j 5.26 soon refused every login for a while (8 December 2026):
    /readyz read "unavailable: ClientError (Neo.ClientError.Security.AuthenticationRateLimit)", no word of
    the password. The API's graph raises its 503 with Neo4j's refusal behind it."""
    from neo4j.exceptions import ClientError

    from kgplatform.errors import ServiceUnavailable

    refusal = ClientError._hydrate_neo4j(code=code, message="The server's own words.")
    try:
        raise ServiceUnavailable("Neo4j refuses this service's login") from refusal
    except ServiceUnavailable as raised:
        wrapped = raised
    _, client = serving_app(graph=RefusingGraph(wrapped), sync_redis=PingedRedis())
    answer = client.get("/readyz")
    assert answer.status_code == 503
    neo4j = answer.json()["checks"]["neo4j"]
    assert neo4j.startswith(f"unavailable: {refusal.__class__.__name__} ({code}): ")
    assert "KGP_NEO4J__PASSWORD" in neo4j and "own words" not in neo4j
