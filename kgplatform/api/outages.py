"""Backing-service outages as fast, clear 503s, and recovery without restarting the API.

The driver retries a refused connection for `max_transaction_retry_time`; an API that waited that
long on every request during an outage would pile up requests. `GuardedGraph` retries only while Neo4j
answers (`neo4j_retry`), so a request that finds it down fails within the API driver's connection
timeout, and it opens a short circuit after a connectivity failure: for `cooldown_s` every call fails
at once with `ServiceUnavailable`, then calls go through again (the first one finding out as fast), so
the API recovers by itself the moment Neo4j answers.

A request's transaction that outlives its timeout (`KGP_NEO4J__TRANSACTION_TIMEOUT_S`, typically
because it waits for locks a long import holds) is ended by Neo4j and becomes a 503 too: busy, not down,
so the breaker stays closed.

A Neo4j that refuses the API's login (a wrong `KGP_NEO4J__PASSWORD`) is a 503 too, opening the breaker: not
the caller's fault, and each further login attempt would only keep Neo4j's rate limit on failed logins on.
It is logged once, plainly, rather than as a 500's traceback per request.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, cast

import neo4j
import redis
from fastapi import Depends
from neo4j import Driver
from neo4j import exceptions as neo4j_errors

from kgplatform.api.deps import GraphDep, SettingsDep
from kgplatform.api.neo4j_retry import SINGLE_ATTEMPT, LivenessAwareRetry, RetryingSession, neo4j_answers
from kgplatform.circuit_breaker import CircuitBreaker
from kgplatform.errors import DatabaseFailed, ServiceUnavailable
from kgplatform.graph.driver import DATABASE_FAILED as NEO4J_FAILED
from kgplatform.graph.driver import LOGIN_REFUSED, Graph, login_refused
from kgplatform.graph.driver import PANIC_COMMIT as NEO4J_PANIC_COMMIT
from kgplatform.jobs.redis_refusals import REDIS_REFUSED_WRITE

# Errors that mean "the service is not there (now)", as opposed to a bad query or bad data.
NEO4J_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    neo4j_errors.ServiceUnavailable,  # includes Read/WriteServiceUnavailable
    neo4j_errors.SessionExpired,
    neo4j_errors.DatabaseUnavailable,
)
REDIS_OUTAGE_ERRORS: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.BusyLoadingError,
)
# Redis answers but refuses the command: the refused writes the workers retry (`jobs.redis_refusals`: full
# at `maxmemory` under `noeviction`, a read-only replica after a failover, a replica cut off from its
# primary, a disk too full for its append-only file), or an ACL that denies it. Not the request's fault: a
# 503 for routes that need Redis (the plan cache treats them as a miss, `best_effort_cache`).
REDIS_REFUSAL_ERRORS: tuple[type[BaseException], ...] = (
    *REDIS_REFUSED_WRITE,
    redis.exceptions.NoPermissionError,
)

# Neo4j ended the transaction before it committed: its timeout passed, while it ran or while it waited for
# a lock (a lock wait cut short reports LockClientStopped), or an operator terminated it.
NEO4J_ENDED_CODES = frozenset(
    {
        "Neo.ClientError.Transaction.TransactionTimedOut",
        "Neo.ClientError.Transaction.TransactionTimedOutClientConfiguration",
        "Neo.ClientError.Transaction.LockClientStopped",
        "Neo.ClientError.Transaction.Terminated",
    }
)
# A request ended that way is retried after this long (the locks it waited on may well still be held).
ENDED_RETRY_AFTER_S = 5.0

log = logging.getLogger(__name__)

NEO4J_DOWN = "Neo4j (the graph database) is unavailable"
REDIS_DOWN = "Redis (the plan cache and job queue) is unavailable"
REDIS_REFUSES = (
    "Redis (the plan cache and job queue) refuses writes "
    "(out of memory, its disk full, read-only or not permitted)"
)
# A refusing Redis seldom recovers within seconds (someone frees memory or disk, or repoints the URL).
REDIS_REFUSED_RETRY_S = 5.0


class LastOutage:
    """Why the breaker last opened, so the requests it refuses meanwhile (and /readyz) say the same: a failed
    database needs a restart, which "unavailable" alone did not tell. One is shared by the graph and its
    bounded views (`with_transaction_timeout` copies the graph, not this)."""

    def __init__(self) -> None:
        self.noted: tuple[str, BaseException | None] = (NEO4J_DOWN, None)

    def note(self, what: str, error: BaseException) -> bool:
        """Notes the outage; whether its reason differs from the one noted before (to log it once)."""
        changed = self.noted[0] != what
        # A copy: it keeps the class and Neo4j's code, not the traceback, whose frames (a request's whole
        # batch of answers, say) would otherwise stay in memory until the next outage.
        # One assignment: a reader never sees one outage's reason with another's error.
        self.noted = (what, copy.copy(error))
        return changed


class GuardedGraph(Graph):
    """A `Graph` that turns Neo4j outages into `ServiceUnavailable` (503) and fails fast while one lasts.

    Its sessions' managed transactions are retried for up to `retry_s` while Neo4j answers (transient
    errors, a leader switch), and not at all once it does not (see `neo4j_retry`)."""

    def __init__(
        self,
        driver: Driver,
        database: str,
        breaker: CircuitBreaker | None = None,
        *,
        transaction_timeout_s: float | None = None,
        retry_s: float = 3.0,
    ) -> None:
        super().__init__(driver, database, transaction_timeout_s=transaction_timeout_s)
        self.breaker = breaker or CircuitBreaker()
        self.last_outage = LastOutage()
        self.retry = LivenessAwareRetry(retry_s, lambda: neo4j_answers(driver))

    @contextmanager
    def session(self, **options: Any) -> Iterator[neo4j.Session]:
        wait = self.breaker.retry_after_s()
        if wait > 0:
            what, error = self.last_outage.noted
            raise unavailable(what, wait) from error
        try:
            with super().session(**options, **SINGLE_ATTEMPT) as session:
                # It stands for the session: callers use execute_read/_write and the rest as they are.
                yield cast(neo4j.Session, RetryingSession(session, self.retry))
        except neo4j_errors.IncompleteCommit as error:
            # A subclass of ServiceUnavailable, but the commit was sent: "nothing was changed" would be a lie.
            self.breaker.trip()
            self.last_outage.note(NEO4J_DOWN, error)
            raise ServiceUnavailable(
                f"{NEO4J_DOWN}: the connection dropped while committing, so this change may or may not "
                "have been stored; read it back before retrying (answers may simply be sent again: "
                "stored ones come back as duplicates)",
                retry_after_s=max(1, round(self.breaker.cooldown_s + 0.499)),
            ) from error
        except NEO4J_OUTAGE_ERRORS as error:
            self.breaker.trip()
            self.last_outage.note(NEO4J_DOWN, error)
            raise unavailable(NEO4J_DOWN, self.breaker.cooldown_s) from error
        except DatabaseFailed as failed:  # Neo4j's DatabaseError behind it: `graph.driver.PANIC_START`
            error = failed.__cause__ or failed
            self.breaker.trip()  # failed for every request until restarted: fail fast, serve cached plans
            self.last_outage.note(NEO4J_FAILED, error)
            committing = getattr(error, "code", None) == NEO4J_PANIC_COMMIT
            raise database_failed(committing, self.breaker.cooldown_s) from error
        except neo4j_errors.TransientError as error:
            # Still transient after the driver's own retries (e.g. a lock timeout): busy, not down.
            raise unavailable("Neo4j is busy (a transient error outlasted the retries)", 1.0) from error
        except neo4j_errors.ClientError as error:
            if login_refused(error):
                # Before, a 500 with a traceback per request (a review, 8 December 2026).
                self.breaker.trip()  # every request fails alike; retrying logins keeps Neo4j's lock on
                if self.last_outage.note(LOGIN_REFUSED, error):
                    log.error("%s (Neo4j's code: %s)", LOGIN_REFUSED, error.code)
                raise unavailable(LOGIN_REFUSED, self.breaker.cooldown_s) from error
            if error.code not in NEO4J_ENDED_CODES:
                raise
            raise ended_early(self.transaction_timeout_s) from error


def ended_early(timeout_s: float | None) -> ServiceUnavailable:
    """The 503 for a transaction Neo4j ended before it committed (it was rolled back)."""
    limit = f" within {timeout_s:g} s" if timeout_s else ""
    return unavailable(
        f"Neo4j could not finish this request{limit}: most likely another change (such as a curriculum "
        "import) holds what it needed, or the transaction was terminated",
        ENDED_RETRY_AFTER_S,
    )


def database_failed(committing: bool, retry_after_s: float) -> ServiceUnavailable:
    """The 503 for a Neo4j whose database failed (`graph.driver.PANIC_START`); `committing`: this request's
    commit was the one that failed, and may be applied when Neo4j recovers on its restart."""
    if not committing:
        return unavailable(NEO4J_FAILED, retry_after_s)
    return ServiceUnavailable(
        f"{NEO4J_FAILED}: it failed while storing this change, which it may still apply when it restarts; "
        "read it back before retrying (answers may simply be sent again: stored ones come back as "
        "duplicates)",
        retry_after_s=max(1, round(retry_after_s + 0.499)),
    )


def unavailable(what: str, retry_after_s: float) -> ServiceUnavailable:
    """The 503 every outage becomes: what is down, that nothing was changed, when to retry."""
    seconds = max(1, round(retry_after_s + 0.499))
    return ServiceUnavailable(
        f"{what}; nothing was changed by this request, retry in {seconds} s",
        retry_after_s=seconds,
    )


def bounded_graph(graph: GraphDep, settings: SettingsDep) -> Graph:
    """The API's graph with `KGP_NEO4J__TRANSACTION_TIMEOUT_S` on each transaction, for request paths that
    must not wait on other writers' locks without end (the curriculum editing routes, answers and the
    learner routes; next-tasks takes the same view in `app.py`)."""
    return graph.with_transaction_timeout(settings.neo4j.transaction_timeout_s)


BoundedGraphDep = Annotated[Graph, Depends(bounded_graph)]
