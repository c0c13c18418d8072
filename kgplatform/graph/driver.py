"""Driver lifecycle and the thin `Graph` facade that stores use to run named queries.

One driver per process (the API's lifespan, each Celery worker process after the fork, each CLI
command). Reads go through `execute_read`, writes through `execute_write`, so the driver retries
transient errors and a routing URI sends each to the right cluster member.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Self, TypeVar, cast

import neo4j
from neo4j import Driver, GraphDatabase, ManagedTransaction, unit_of_work
from neo4j import exceptions as neo4j_errors

from kgplatform.errors import DatabaseFailed, ServiceUnavailable, raising_what_is_behind
from kgplatform.graph.deleted_meanwhile import rerun_if_deleted_meanwhile
from kgplatform.graph.queries import query_text
from kgplatform.settings import Neo4jSettings

Row = dict[str, Any]
T = TypeVar("T")


# Neo4j's answer to every login for a few seconds after a few failed ones, the right password's included.
LOGIN_RATE_LIMITED = "Neo.ClientError.Security.AuthenticationRateLimit"


def describe_connection_error(settings: Neo4jSettings, error: Exception) -> str:
    """One line naming what failed, for people and logs."""
    if isinstance(error, neo4j_errors.AuthError):
        return (
            f"Neo4j at {settings.uri} refused user {settings.user!r}: wrong password or user "
            "(set KGP_NEO4J__USER / KGP_NEO4J__PASSWORD)"
        )
    if (getattr(error, "code", None) or "") == LOGIN_RATE_LIMITED:
        return (
            f"Neo4j at {settings.uri} refuses logins for a while after too many failed ones: check "
            f"KGP_NEO4J__USER / KGP_NEO4J__PASSWORD (user {settings.user!r}) and try again in a minute"
        )
    if isinstance(error, neo4j_errors.ServiceUnavailable | OSError):
        return (
            f"Neo4j at {settings.uri} is not reachable: {error.__class__.__name__}: {error} "
            "(is it running? `kgplatform services up` starts a local one)"
        )
    return f"Neo4j at {settings.uri} failed: {error.__class__.__name__}: {error}"


def open_driver(settings: Neo4jSettings, *, verify: bool = True) -> Driver:
    """Creates the driver; with `verify`, fails fast with `ServiceUnavailable` and a clear message."""
    driver = GraphDatabase.driver(
        settings.uri,
        auth=(settings.user, settings.password.get_secret_value()),
        connection_timeout=settings.connection_timeout_s,
        connection_acquisition_timeout=settings.connection_acquisition_timeout_s,
        max_transaction_retry_time=settings.max_transaction_retry_time_s,
        # Server notifications (e.g. "property key does not exist yet" on an empty graph) are
        # logged as warnings by the driver; they are noise in operation, so they are opt-in.
        notifications_min_severity=settings.notifications_min_severity,
    )
    if verify:
        try:
            driver.verify_connectivity()
            driver.verify_authentication()
        except (neo4j_errors.Neo4jError, neo4j_errors.DriverError, OSError) as error:
            driver.close()
            raise ServiceUnavailable(describe_connection_error(settings, error)) from error
    return driver


def failure_behind(error: BaseException) -> BaseException | None:
    """The server's or the connection's error that the driver's ResultFailedError wraps (through any
    number of such wrappers), or None when it wraps something else or nothing."""
    found: BaseException = error
    while isinstance(found, neo4j_errors.ResultFailedError) and isinstance(
        found.__cause__, neo4j_errors.Neo4jError | neo4j_errors.DriverError
    ):
        found = found.__cause__
    return None if found is error else found


# Neo4j's database failed and stays failed until Neo4j is restarted (a "database panic"): on a full disk the
# commit that could not extend a store or index file fails with PANIC_COMMIT, and from then on every
# transaction with PANIC_START, "The database has encountered a critical error, and needs to be restarted";
# freeing the space does not end it (measured 7 December 2026, docs/operations.md, "A full disk"). The
# failed commit was written to the transaction log before the store refused it, and the restart's recovery
# applied it. `Graph.session` raises both as `DatabaseFailed`.
PANIC_START = "Neo.DatabaseError.Transaction.TransactionStartFailed"
PANIC_COMMIT = "Neo.DatabaseError.Transaction.TransactionCommitFailed"
PANIC_CODES = (PANIC_START, PANIC_COMMIT)
DATABASE_FAILED = (
    "Neo4j's database has failed and needs a restart (a full disk, for one; `kgplatform services status` "
    "and Neo4j's debug.log say why)"
)


# Neo4j refuses this process's login: a wrong user or password (Unauthorized, an AuthError), a password it
# requires changed first, or, after a few failed logins in a row, every login for a few seconds (the right
# password included: AuthenticationRateLimit, a plain ClientError). An operator's to fix, not the caller's.
LOGIN_REFUSED_CODES = frozenset({LOGIN_RATE_LIMITED, "Neo.ClientError.Security.CredentialsExpired"})
LOGIN_REFUSED = (
    "Neo4j refuses this service's login: KGP_NEO4J__USER / KGP_NEO4J__PASSWORD do not match the server's "
    "(after a few failed logins Neo4j refuses every login for a few seconds); an operator must correct them"
)


def login_refused(error: BaseException) -> bool:
    """Whether `error` is Neo4j refusing the credentials this process logs in with."""
    return isinstance(error, neo4j_errors.AuthError) or (
        isinstance(error, neo4j_errors.Neo4jError) and error.code in LOGIN_REFUSED_CODES
    )


class SessionWrapper:
    """A driver session whose managed transactions go through `_execute` (given the session's own
    execute_read or execute_write and its arguments); everything else is the session's own."""

    def __init__(self, session: neo4j.Session) -> None:
        self._session = session

    def execute_read(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._execute(self._session.execute_read, work, *args, **kwargs)

    def execute_write(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self._execute(self._session.execute_write, work, *args, **kwargs)

    def _execute(self, execute: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        raise NotImplementedError

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)


class UnwrappingSession(SessionWrapper):
    """A driver session whose failed managed transactions raise the error they failed on, not the driver's
    `ResultFailedError` around it.

    The driver rolls a failed transaction back after reading its results to their end, and when the
    connection is not yet reset, the result that met the failure raises ResultFailedError from it (seen
    in CI, 7 December 2026: an ingest's deadlock with a learner's erase; and a pipelined statement's
    uniqueness clash, `mastery.store`). Callers and retries choose by the error's type: the wrapper is not
    retryable, so neither the API's retry (`LivenessAwareRetry`) nor Celery's
    (`workers.tasks.TRANSIENT_ERRORS`) ran that deadlock again and the request was a 500, and a wrapped
    clash on a new concept's id would not be the 409 it is (`curriculum.store`). The driver's own retry,
    inside the call, still gives up on a wrapped error."""

    def _execute(self, execute: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return raising_what_is_behind(
            lambda: execute(*args, **kwargs), neo4j_errors.ResultFailedError, failure_behind
        )


class Graph:
    """Runs named queries against one database; the only door stores use into Neo4j.

    `transaction_timeout_s` bounds each transaction it runs, waiting for locks included (None: the
    server's default, which by default is unlimited). Batch jobs and imports run without one; the API's
    request paths take a bounded view (`with_transaction_timeout`) so a request waiting on an import's
    locks fails instead of holding a worker thread for as long as the import runs."""

    def __init__(self, driver: Driver, database: str, *, transaction_timeout_s: float | None = None) -> None:
        self.driver = driver
        self.database = database
        self.transaction_timeout_s = transaction_timeout_s

    def with_transaction_timeout(self, seconds: float | None) -> Self:
        """The same graph (driver, and any outage state) whose transactions end after `seconds`."""
        bounded = copy.copy(self)
        bounded.transaction_timeout_s = seconds
        return bounded

    @classmethod
    def connect(cls, settings: Neo4jSettings) -> Graph:
        return cls(open_driver(settings), settings.database)

    def close(self) -> None:
        self.driver.close()

    @contextmanager
    def session(self, **options: Any) -> Iterator[neo4j.Session]:
        """A driver session on this graph's database; `options` are the driver's session settings. Its
        failed managed transactions raise the error they failed on (`UnwrappingSession`), and a failed
        database's `DatabaseFailed`."""
        with self.driver.session(database=self.database, **options) as session:
            try:
                # It stands for the session: callers use execute_read/_write and the rest as they are.
                yield cast(neo4j.Session, UnwrappingSession(session))
            except neo4j_errors.DatabaseError as error:
                # Before, a worker's on-demand drain blamed it on each learner and dropped them all from the
                # due set within 75 s, and a batch chunk was not retried (DatabaseError is no transient one).
                if error.code not in PANIC_CODES:
                    raise
                raise DatabaseFailed(f"{DATABASE_FAILED}: {error.code}") from error

    def ping(self) -> bool:
        """A round trip to the database (the readiness probe); raises when it is unreachable."""
        return bool(self.read("graph/ping"))

    def database_status(self) -> Row | None:
        """This graph's database as the server sees it (`current_status`, `status_message`), read from the
        system database; None when the server holds no such database. Says why a database that the server
        cannot open (or is still starting) answers every query with DatabaseUnavailable."""
        system = Graph(self.driver, "system", transaction_timeout_s=self.transaction_timeout_s)
        rows = system.read("graph/show_database_status", name=self.database)
        return rows[0] if rows else None

    def execute_read(self, work: Callable[[ManagedTransaction], T]) -> T:
        """`work` in one managed read transaction, bounded by this graph's timeout."""
        with self.session() as session:
            return session.execute_read(self._bounded(work))

    def execute_write(self, work: Callable[[ManagedTransaction], T]) -> T:
        """`work` in one managed write transaction, bounded by this graph's timeout."""
        with self.session() as session:
            return session.execute_write(self._bounded(work))

    def _bounded(self, work: Callable[[ManagedTransaction], T]) -> Callable[[ManagedTransaction], T]:
        return unit_of_work(timeout=self.transaction_timeout_s)(work)

    def read(self, name: str, /, **params: Any) -> list[Row]:
        with self.session() as session:
            return session.execute_read(_fetch_all(name, timeout_s=self.transaction_timeout_s), params)

    def read_plain(self, name: str, /, **params: Any) -> list[Row]:
        """Like `read`, for queries that return only scalars and lists of them (no nodes, no maps to
        convert): rows are built by zipping keys and values. `Record.data()` re-walks every nested
        list, which for thousands of learners' columnar mastery costs as much as the fetch itself."""
        with self.session() as session:
            return session.execute_read(
                _fetch_all(name, plain=True, timeout_s=self.transaction_timeout_s), params
            )

    def write(self, name: str, /, **params: Any) -> list[Row]:
        with self.session() as session:
            return session.execute_write(_fetch_all(name, timeout_s=self.transaction_timeout_s), params)

    def write_in_batches(
        self, name: str, rows: Sequence[Mapping[str, Any]], /, batch_size: int = 5000, **params: Any
    ) -> list[Row]:
        """Runs an `UNWIND $rows ...` query once per batch, each batch its own transaction. A batch that
        met a node deleted by a concurrent commit after it matched it runs again, without that node
        (`deleted_meanwhile`: a transfer model's edges to a concept a designer deleted meanwhile failed the
        whole publish, a review, 6 December 2026)."""
        results: list[Row] = []
        for start in range(0, len(rows), batch_size):
            batch = list(rows[start : start + batch_size])
            written = rerun_if_deleted_meanwhile(lambda batch=batch: self.write(name, rows=batch, **params))
            results.extend(written)
        return results

    def write_many(self, statements: Iterable[tuple[str, Mapping[str, Any]]]) -> list[list[Row]]:
        """Several named queries in one transaction: all of them happen, or none."""
        statements = list(statements)

        def work(tx: ManagedTransaction) -> list[list[Row]]:
            return [[r.data() for r in tx.run(query_text(name), dict(params))] for name, params in statements]

        return self.execute_write(work)


def _fetch_all(name: str, *, plain: bool = False, timeout_s: float | None = None) -> Any:
    """A transaction function running one named query; its name travels as transaction metadata.
    `plain`: rows are built by zipping keys and values, without `Record.data()`'s recursive conversion
    (see `Graph.read_plain`). `timeout_s`: see `Graph.transaction_timeout_s`."""

    @unit_of_work(metadata={"kgp_query": name}, timeout=timeout_s)
    def work(tx: ManagedTransaction, params: dict[str, Any]) -> list[Row]:
        result = tx.run(query_text(name), params)
        return plain_rows(result) if plain else [record.data() for record in result]

    return work


def plain_rows(result: neo4j.Result) -> list[Row]:
    """A result's rows built by zipping keys and values, for queries that return only scalars and lists of
    them: `Record.data()` re-walks every nested list (see `Graph.read_plain`)."""
    keys = result.keys()
    return [dict(zip(keys, record.values(), strict=True)) for record in result]
