from __future__ import annotations

import inspect
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from kgplatform.errors import ServiceUnavailable
from kgplatform.graph.migrations import LOCK_LEASE_S, Migration, MigrationError, discover_migrations, migrate

FIXTURE = Path(__file__).parent / "fixtures" / "migrations" / "V0001__two_indexes.cypher"


def test_project_migrations_have_unique_increasing_numbers_and_statements() -> None:
    # Numbers may have gaps (areas reserve theirs); the runner applies any version not yet recorded.
    migrations = discover_migrations()
    versions = [m.version for m in migrations]
    assert versions == sorted(set(versions)) and versions[0] == 1
    assert all(m.statements for m in migrations)


def test_every_schema_statement_is_idempotent() -> None:
    # Migrations may be re-run by a process that lost the lock race, so each must be IF NOT EXISTS (a
    # create), IF EXISTS (a drop, only in a contract migration: graph/migrations.py) or a backfill of what
    # is null (since 4 December 2026).
    for migration in discover_migrations():
        for statement in migration.statements:
            if statement.lstrip().upper().startswith("DROP"):
                assert migration.contract, f"{migration.label} drops without being a contract migration"
                assert statement.rstrip(";").rstrip().endswith("IF EXISTS"), f"{migration.label}: {statement}"
            elif statement.lstrip().upper().startswith("CREATE"):
                assert "IF NOT EXISTS" in statement, f"{migration.label}: {statement}"
            else:
                # A backfill of a property older releases do not read (V0020 stamps AuditLinks with their
                # entry's time): it sets only what is still null, so a re-run finds nothing to do, and in
                # batches, so a large graph holds no one lock for its length.
                assert "IS NULL" in statement and "IN TRANSACTIONS" in statement, (
                    f"{migration.label}: {statement}"
                )


def test_checksum_changes_when_a_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "V0001__first.cypher"
    path.write_text(FIXTURE.read_text())
    before = discover_migrations(tmp_path)[0].checksum
    path.write_text(FIXTURE.read_text().replace("n.x", "n.z"))
    assert discover_migrations(tmp_path)[0].checksum != before


def test_badly_named_files_are_refused(tmp_path: Path) -> None:
    (tmp_path / "0001_constraints.cypher").write_text(FIXTURE.read_text())
    with pytest.raises(MigrationError, match="V0001__what_it_does"):
        discover_migrations(tmp_path)


def test_duplicate_versions_are_refused(tmp_path: Path) -> None:
    for name in ("V0001__a.cypher", "V0001__b.cypher"):
        (tmp_path / name).write_text(FIXTURE.read_text())
    with pytest.raises(MigrationError, match="share a version"):
        discover_migrations(tmp_path)


class _Session:
    def run(self, *_: object) -> _Session:
        return self

    def consume(self) -> None:
        pass


class LockedGraph:
    """A fake graph holding the migration lock's state: `holder`, and who asked to renew it when."""

    def __init__(self) -> None:
        self.holder: str | None = None
        self.renewals: list[str] = []
        self.recorded: list[int] = []
        self.lock = threading.Lock()

    @contextmanager
    def session(self) -> Iterator[_Session]:
        yield _Session()

    def read(self, name: str, /, **_: object) -> list[dict[str, object]]:
        assert name == "graph/list_applied_migrations"
        return []

    def write(self, name: str, /, **params: Any) -> list[dict[str, object]]:
        with self.lock:
            if name == "graph/acquire_migration_lock":
                self.renewals.append(threading.current_thread().name)
                self.holder = self.holder or params["holder"]
                return [{"holder": self.holder}]
            if name == "graph/record_migration":
                self.recorded.append(params["version"])
            if name == "graph/release_migration_lock" and self.holder == params["holder"]:
                self.holder = None
            return []


def two_migrations() -> list[Migration]:
    return [Migration(version=v, name=f"m{v}", statements=("RETURN 1",), checksum=str(v)) for v in (1, 2)]


def test_a_heartbeat_renews_the_lease_while_a_slow_migration_runs() -> None:
    graph = LockedGraph()
    report = migrate(
        graph,  # type: ignore[arg-type]
        migrations=two_migrations(),
        on_apply=lambda _: time.sleep(0.3),
        lease_s=1,
        heartbeat_s=0.05,
    )
    assert report.applied == ["V0001__m1", "V0002__m2"] and graph.recorded == [1, 2]
    heartbeats = [name for name in graph.renewals if name.endswith("-lease")]
    assert len(heartbeats) >= 4  # ~0.6 s of migrations at one renewal per 0.05 s
    assert graph.holder is None  # released


def test_a_failed_renewal_of_any_kind_does_not_stop_the_heartbeat() -> None:
    """The API's GuardedGraph raises the project's ServiceUnavailable, not a driver error: a heartbeat
    that caught only driver errors died on the first one, and renewal silently stopped."""
    graph = LockedGraph()
    write = graph.write
    failures = iter([True, True])

    def flaky(name: str, /, **params: Any) -> list[dict[str, object]]:
        is_heartbeat = threading.current_thread().name.endswith("-lease")
        if name == "graph/acquire_migration_lock" and is_heartbeat and next(failures, False):
            raise ServiceUnavailable("Neo4j is unavailable")
        return write(name, **params)

    graph.write = flaky  # type: ignore[method-assign]
    migrate(
        graph,  # type: ignore[arg-type]
        migrations=two_migrations(),
        on_apply=lambda _: time.sleep(0.3),
        lease_s=1,
        heartbeat_s=0.05,
    )
    heartbeats = [name for name in graph.renewals if name.endswith("-lease")]
    assert len(heartbeats) >= 3  # renewals went on after the two failures


def test_a_holder_whose_lease_was_taken_over_stops_before_recording() -> None:
    graph = LockedGraph()

    def lease_lapses_and_another_process_takes_the_lock(migration: Migration) -> None:
        if migration.version == 1:
            graph.holder = "migrate-other"

    with pytest.raises(MigrationError, match="lost the migration lock to migrate-other"):
        migrate(
            graph,  # type: ignore[arg-type]
            migrations=two_migrations(),
            on_apply=lease_lapses_and_another_process_takes_the_lock,
            heartbeat_s=60,
        )
    assert graph.recorded == [] and graph.holder == "migrate-other"  # not ours to release


def test_waiters_outwait_a_whole_lease() -> None:
    """A waiter giving up before a dead holder's lease runs out would fail where it only had to wait."""
    assert inspect.signature(migrate).parameters["wait_timeout_s"].default > LOCK_LEASE_S


def test_a_run_that_must_wait_for_the_lock_says_whose_it_is_and_for_how_long() -> None:
    """A `migrate` killed while it held the lock (kill -9, a deploy timing out) holds it until its lease runs
    out: the next `migrate` waited up to 120 s printing nothing, as if it hung (a review, 5 December 2026)."""
    graph = LockedGraph()
    graph.holder = "migrate-web1-pid4242-0123456789ab"
    write = graph.write

    def leased(name: str, /, **params: Any) -> list[dict[str, object]]:
        rows = write(name, **params)
        return [{**row, "lease_left_s": 117} for row in rows]

    graph.write = leased  # type: ignore[method-assign]
    told: list[tuple[str, int | None]] = []
    threading.Timer(0.6, lambda: setattr(graph, "holder", None)).start()  # its lease runs out
    report = migrate(
        graph,  # type: ignore[arg-type]
        migrations=two_migrations(),
        on_wait=lambda holder, left_s: told.append((holder, left_s)),
    )
    assert told == [("migrate-web1-pid4242-0123456789ab", 117)]  # once, not on every retry
    assert report.applied == ["V0001__m1", "V0002__m2"]


def test_a_holder_is_named_by_its_host_and_process() -> None:
    import os
    import socket

    from kgplatform.graph.migrations import lock_holder_name, waiting_words

    name = lock_holder_name()
    assert socket.gethostname() in name and f"pid{os.getpid()}" in name and name != lock_holder_name()
    assert "in 30 s" in waiting_words(name, 30) and name in waiting_words(name, 30)
