"""Applies the numbered schema migrations in `cypher/migrations/`, each exactly once.

Applied migrations are recorded as `(:Migration {version, name, checksum})` nodes. A lease-based
lock node lets several processes (API replicas, workers, test runs) call `migrate` at once: one
applies, the others wait for it and then find nothing left to do. The holder renews its lease from a
heartbeat thread while a migration runs (one may take longer than the lease), checks after each
migration that it still holds the lock, and stops if it does not; waiters wait longer than a lease, so
a crashed holder's lease runs out before they give up.

A migration whose name starts with `contract_` removes something that releases before it still read (an
index they need to avoid a scan). It is held back until `migrate(contract=True)` (`kgplatform migrate
--contract`), which the operator runs once every process runs the release that ships it: the expand and
contract steps of a rolling upgrade. A graph with no migration recorded gets them at once, since nothing older
can be running on it. No other migration may depend on a contract one (a later migration is applied even
while an earlier contract one is held back).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import LiteralString, cast

from neo4j import Query
from neo4j import exceptions as neo4j_errors

from kgplatform.errors import KgpError
from kgplatform.graph.driver import Graph
from kgplatform.graph.former_checksums import FORMER_CHECKSUMS
from kgplatform.graph.queries import CYPHER_DIR, get_catalog, split_statements

CONTRACT_PREFIX = "contract_"
MIGRATION_FILE = re.compile(r"^V(?P<version>\d{4})__(?P<name>[a-z0-9_]+)\.cypher$")
LOCK_LEASE_S = 120
# The lease is renewed this often while migrations run: several renewals fit in one lease, so one slow
# or failed renewal does not let it lapse.
HEARTBEAT_S = LOCK_LEASE_S / 4
# Waiters outwait a whole lease: a holder that died without releasing the lock is replaced, not reported.
WAIT_TIMEOUT_S = 2.5 * LOCK_LEASE_S
log = logging.getLogger(__name__)


class MigrationError(KgpError):
    title = "Migration failed"


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]
    checksum: str
    # What releases before the file's last edit recorded for it (graph/former_checksums.py).
    former_checksums: frozenset[str] = frozenset()

    @classmethod
    def from_file(cls, path: Path) -> Migration:
        match = MIGRATION_FILE.match(path.name)
        if not match:
            raise MigrationError(f"{path.name}: migration files are named V0001__what_it_does.cypher")
        text = path.read_text("utf-8")
        label = path.name.removesuffix(".cypher")
        return cls(
            version=int(match["version"]),
            name=match["name"],
            statements=tuple(split_statements(text)),
            checksum=hashlib.sha256(text.encode()).hexdigest(),
            former_checksums=FORMER_CHECKSUMS.get(label, frozenset()),
        )

    @property
    def label(self) -> str:
        return f"V{self.version:04d}__{self.name}"

    def recorded_as(self, checksum: str) -> bool:
        """Whether a graph recording `checksum` for this migration applied this file's statements: its
        text now, or an earlier text of the same statements that a release recorded."""
        return checksum == self.checksum or checksum in self.former_checksums

    @property
    def contract(self) -> bool:
        """It removes what older releases read: held back until the operator says they are all gone."""
        return self.name.startswith(CONTRACT_PREFIX)


def discover_migrations(folder: Path = CYPHER_DIR / "migrations") -> list[Migration]:
    migrations = sorted((Migration.from_file(p) for p in folder.glob("*.cypher")), key=lambda m: m.version)
    versions = [m.version for m in migrations]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"two migration files share a version number: {versions}")
    return migrations


def run_schema_statement(graph: Graph, statement: str) -> None:
    """Schema commands cannot share a transaction with data writes, so each runs auto-committed."""
    # Statement text comes from a versioned file under cypher/migrations, never from user input.
    schema_query = Query(cast(LiteralString, statement))
    for attempt in range(3):
        try:
            with graph.session() as session:
                session.run(schema_query).consume()
            return
        except (neo4j_errors.TransientError, neo4j_errors.ClientError):
            # Two processes creating the same constraint at the same moment: one may lose the race
            # even with IF NOT EXISTS. The next attempt then finds it and does nothing.
            if attempt == 2:
                raise
            time.sleep(0.2 * (attempt + 1))


@dataclass
class MigrationReport:
    applied: list[str]
    already_applied: list[str]
    # Contract migrations not applied: `migrate(contract=True)` applies them.
    held_back: list[str] = field(default_factory=list)
    # Indexes and constraints of migrations applied before that the graph had lost, created again.
    recreated: list[str] = field(default_factory=list)


def migrate(
    graph: Graph,
    *,
    migrations: list[Migration] | None = None,
    wait_timeout_s: float = WAIT_TIMEOUT_S,
    on_apply: Callable[[Migration], None] | None = None,
    lease_s: int = LOCK_LEASE_S,
    heartbeat_s: float = HEARTBEAT_S,
    contract: bool = False,
    on_wait: Callable[[str, int | None], None] | None = None,
) -> MigrationReport:
    """Applies pending migrations in version order; returns what it applied and what it found. Contract
    migrations are applied only with `contract` or on a graph with none recorded (module docstring).
    `on_wait` is told once, when the lock is held by another, its holder and the seconds left on its lease.
    Raises `MigrationError` if another process took the lock over meanwhile (nothing more is applied)."""
    migrations = discover_migrations() if migrations is None else migrations
    for statement in split_statements(get_catalog()["graph/create_migration_constraints"].path.read_text()):
        run_schema_statement(graph, statement)

    holder = lock_holder_name()
    acquire_lock(graph, holder, wait_timeout_s, lease_s, on_wait)
    try:
        with LeaseKeeper(graph, holder, lease_s, heartbeat_s) as lease:
            return _apply_pending(graph, migrations, holder, lease, on_apply, contract)
    finally:
        graph.write("graph/release_migration_lock", holder=holder)


def _apply_pending(
    graph: Graph,
    migrations: list[Migration],
    holder: str,
    lease: LeaseKeeper,
    on_apply: Callable[[Migration], None] | None,
    contract: bool,
) -> MigrationReport:
    recorded = {row["version"]: row for row in graph.read("graph/list_applied_migrations")}
    contract = contract or not recorded
    applied: list[str] = []
    held_back: list[str] = []
    for migration in migrations:
        label = migration.label
        if migration.version not in recorded and migration.contract and not contract:
            held_back.append(label)
            continue
        if migration.version in recorded:
            if not migration.recorded_as(recorded[migration.version]["checksum"]):
                raise MigrationError(
                    f"{label} was changed after it was applied; migrations are append-only, "
                    "add a new file instead"
                )
            continue
        lease.check()
        if on_apply:
            on_apply(migration)
        for statement in migration.statements:
            run_schema_statement(graph, statement)
        lease.renew()
        lease.check()
        graph.write(
            "graph/record_migration",
            version=migration.version,
            name=migration.name,
            checksum=migration.checksum,
            holder=holder,
        )
        applied.append(label)
    already = [m.label for m in migrations if m.version in recorded]
    # Over every migration applied now, those of this run too: a contract one just applied drops what an
    # older one created, which is then not lost.
    done = set(recorded) | {m.version for m in migrations if m.label in applied}
    recreated = _recreate_lost(graph, [m for m in migrations if m.version in done])
    return MigrationReport(applied=applied, already_applied=already, held_back=held_back, recreated=recreated)


def _recreate_lost(graph: Graph, applied: list[Migration]) -> list[str]:
    """Runs again the CREATE statement of each index or constraint that the `applied` migrations leave
    and the graph no longer has (graph/declared_schema.py); the names of those created."""
    from kgplatform.graph.declared_schema import declared_schema, lost_items
    from kgplatform.graph.schema_check import present_schema_names

    declared = declared_schema(applied)
    if not declared:
        return []
    lost = lost_items(declared, present_schema_names(graph))
    for item in lost:
        log.warning(
            "%s %s of %s was missing from the graph: creating it again", item.kind, item.name, item.migration
        )
        run_schema_statement(graph, item.statement)
    return [item.name for item in lost]


class LeaseKeeper:
    """Renews the migration lock every `heartbeat_s` from a daemon thread while migrations run, and
    remembers when a renewal found another holder (our lease had lapsed and someone took the lock)."""

    def __init__(self, graph: Graph, holder: str, lease_s: int, heartbeat_s: float) -> None:
        self.graph = graph
        self.holder = holder
        self.lease_s = lease_s
        self.heartbeat_s = heartbeat_s
        self.lost_to: str | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"{holder}-lease", daemon=True)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def renew(self) -> None:
        rows = self.graph.write("graph/acquire_migration_lock", holder=self.holder, lease_s=self.lease_s)
        current = rows[0]["holder"] if rows else None
        if current != self.holder:
            self.lost_to = current or "nobody"

    def check(self) -> None:
        if self.lost_to is not None:
            raise MigrationError(
                f"lost the migration lock to {self.lost_to} (our lease of {self.lease_s} s ran out); "
                "stopped before applying or recording anything more; run `kgplatform migrate` again"
            )

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.renew()
            except Exception as error:  # noqa: BLE001 - any error, or the thread dies and renewal stops
                # One failed renewal is survivable (several fit in a lease); the renewal after the
                # migration finds out if the lease was lost meanwhile. (A GuardedGraph raises the
                # project's ServiceUnavailable, not a driver error: catching only those killed the thread.)
                log.warning("renewing the migration lock failed: %s", error)


def lock_holder_name() -> str:
    """Unique, and naming the host and process, so that a process waiting for the lock can say whose it is
    (a `migrate` killed while it held the lock holds it until its lease runs out)."""
    return f"migrate-{socket.gethostname()}-pid{os.getpid()}-{uuid.uuid4().hex[:12]}"


def say_waiting(holder: str, lease_left_s: int | None) -> None:
    log.warning("%s", waiting_words(holder, lease_left_s))


def waiting_words(holder: str, lease_left_s: int | None) -> str:
    left = f"{lease_left_s} s" if lease_left_s is not None else "a while"
    return (
        f"waiting for the migration lock, held by {holder}: its lease runs out in {left} (a migrate still "
        f"running renews it; one that was killed holds it until then, and this run then goes on)"
    )


def acquire_lock(
    graph: Graph,
    holder: str,
    wait_timeout_s: float,
    lease_s: int = LOCK_LEASE_S,
    on_wait: Callable[[str, int | None], None] | None = None,
) -> None:
    """Takes the lock, waiting up to `wait_timeout_s` while another holds it; `on_wait` (default: a logged
    warning) is told once, when it must wait: a re-run after a killed `migrate` waited up to a lease (120 s)
    printing nothing, as if it hung."""
    deadline = time.monotonic() + wait_timeout_s
    told = False
    while True:
        rows = graph.write("graph/acquire_migration_lock", holder=holder, lease_s=lease_s)
        if rows and rows[0]["holder"] == holder:
            return
        if not told and rows:
            (on_wait or say_waiting)(str(rows[0]["holder"]), rows[0].get("lease_left_s"))
            told = True
        if time.monotonic() > deadline:
            raise MigrationError(
                f"another process ({rows[0]['holder'] if rows else '?'}) has held the migration lock "
                f"for over {wait_timeout_s:.0f} s"
            )
        time.sleep(0.25)
