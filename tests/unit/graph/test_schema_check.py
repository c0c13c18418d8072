"""The schema check: which migrations this code ships that the graph lacks, which it has that the code does
not know, and how long a running process believes a migrated graph."""

from __future__ import annotations

from kgplatform.graph.migrations import Migration
from kgplatform.graph.schema_check import SchemaState, SchemaWatch, compare_schema


def migration(version: int, name: str, checksum: str = "c") -> Migration:
    return Migration(version=version, name=name, statements=(), checksum=checksum)


SHIPPED = [migration(1, "constraints"), migration(2, "indexes"), migration(12, "audit_links")]


def row(version: int, name: str, checksum: str = "c") -> dict[str, object]:
    return {"version": version, "name": name, "checksum": checksum}


def test_every_shipped_migration_applied_is_ok() -> None:
    state = compare_schema([row(1, "constraints"), row(2, "indexes"), row(12, "audit_links")], SHIPPED)
    assert state == SchemaState(missing=(), newer=(), changed=())
    assert state.usable and state.verdict() == "ok" and state.findings() == []


def test_migrations_not_applied_are_named_with_what_to_run() -> None:
    state = compare_schema([row(1, "constraints")], SHIPPED)
    assert state.missing == ("V0002__indexes", "V0012__audit_links")
    assert not state.usable
    assert state.verdict() == (
        "migrations not applied: V0002__indexes, V0012__audit_links (run `kgplatform migrate`)"
    )


def test_a_graph_never_migrated_lacks_them_all() -> None:
    assert compare_schema([], SHIPPED).missing == (
        "V0001__constraints",
        "V0002__indexes",
        "V0012__audit_links",
    )


def test_a_newer_release_s_migrations_are_reported_not_refused() -> None:
    """A rollback: the graph was migrated by a newer release; its migrations only add."""
    rows = [row(1, "constraints"), row(2, "indexes"), row(12, "audit_links"), row(13, "next_thing")]
    state = compare_schema(rows, SHIPPED)
    assert state.usable and state.verdict() == "ok"
    assert state.newer == ("V0013__next_thing",)
    assert any("V0013__next_thing" in note for note in state.findings())


def test_a_contract_migration_not_applied_is_a_note_not_a_reason_to_be_unready() -> None:
    """This code runs with or without what a contract migration removes (`migrate --contract`)."""
    shipped = [*SHIPPED, migration(15, "contract_drop_old_index")]
    state = compare_schema([row(1, "constraints"), row(2, "indexes"), row(12, "audit_links")], shipped)
    assert state.usable and state.verdict() == "ok" and state.missing == ()
    assert state.held_back == ("V0015__contract_drop_old_index",)
    assert any("kgplatform migrate --contract" in note for note in state.findings())
    # An expand migration missing beside it is still missing, and the contract one still only a note.
    state = compare_schema([row(1, "constraints"), row(2, "indexes")], shipped)
    assert state.missing == ("V0012__audit_links",) and state.held_back == ("V0015__contract_drop_old_index",)


def test_a_file_changed_after_it_was_applied_is_reported() -> None:
    state = compare_schema([row(1, "constraints"), row(2, "indexes", "old"), row(12, "audit_links")], SHIPPED)
    assert state.usable and state.changed == ("V0002__indexes",)
    assert any("append-only" in note for note in state.findings())


def test_the_watch_rereads_a_graph_not_migrated_at_every_check() -> None:
    states = iter([compare_schema([], SHIPPED), compare_schema([row(1, "constraints")], SHIPPED)])
    reads: list[int] = []

    def read() -> SchemaState:
        reads.append(1)
        return next(states)

    watch = SchemaWatch(read, ok_ttl_s=60.0, clock=lambda: 0.0)
    assert watch.verdict().startswith("migrations not applied: V0001__constraints")
    assert watch.verdict().startswith("migrations not applied: V0002__indexes")
    assert len(reads) == 2


def test_the_watch_believes_a_migrated_graph_for_its_ttl_then_reads_again() -> None:
    """Not forever: a restore of an older dump takes a running deployment back behind its code."""
    now = [0.0]
    states = iter(
        [compare_schema([row(v.version, v.name) for v in SHIPPED], SHIPPED), compare_schema([], SHIPPED)]
    )
    watch = SchemaWatch(lambda: next(states), ok_ttl_s=60.0, clock=lambda: now[0])
    assert watch.verdict() == "ok"
    now[0] = 59.0
    assert watch.verdict() == "ok"  # not read: `states` would give the unmigrated graph
    now[0] = 61.0
    assert watch.verdict().startswith("migrations not applied")
