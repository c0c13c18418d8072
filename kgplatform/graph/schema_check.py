"""Whether the graph's schema is the one this code was written for: every migration it ships applied.

Migrations only add constraints and indexes, and the code relies on them: without a uniqueness constraint
two concurrent MERGEs of one learner make two nodes, without an index a lookup scans every node. Nothing
noticed a process started on a graph `kgplatform migrate` had not yet reached (a deployment that forgot the
step, a restore of an older dump): it served, slower and unsafe, with no word anywhere (a review of
upgrades, 3 December, left it as "no schema version check"). The API's readiness now says so, and the API
and each worker log it at start.

Applied migrations the code does not ship are a newer release's (a rollback): they only add, so the older
code runs as it did (docs/operations.md, "Rolling back"); they are reported, never refused. The exception
is a contract migration (`kgplatform migrate --contract`, graph/migrations.py), which removes what older
releases read; this code runs with or without the ones it ships, so one not yet applied is a note, not a
reason to be unready.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from kgplatform.graph.declared_schema import declared_schema, lost_items
from kgplatform.graph.driver import Graph
from kgplatform.graph.migrations import Migration, discover_migrations

log = logging.getLogger(__name__)
# Once a process found its schema applied, how long it believes it without reading the graph again. Not
# forever: a restore of an older dump takes a running deployment back behind its code.
SCHEMA_OK_TTL_S = 60.0


def label_of(version: int, name: str) -> str:
    return f"V{version:04d}__{name}"


@dataclass(frozen=True)
class SchemaState:
    missing: tuple[str, ...]  # shipped with this code, not applied to the graph
    newer: tuple[str, ...]  # applied to the graph, unknown to this code (a newer release migrated it)
    changed: tuple[str, ...]  # applied from a file whose text has changed since
    # shipped contract migrations not applied: this code runs without them (`migrate --contract`)
    held_back: tuple[str, ...] = ()
    # indexes and constraints the applied migrations created that the graph no longer has (graph/
    # declared_schema.py): the code runs, slower (an index) or unguarded (a constraint), until `migrate`
    # creates them again
    lost: tuple[str, ...] = ()

    @property
    def usable(self) -> bool:
        """Every migration this code ships is applied (changed ones were applied too: `migrate` refuses
        them, and a review must, but the process runs on what they created)."""
        return not self.missing

    @property
    def complete(self) -> bool:
        """Usable, and nothing the applied migrations created is missing (`migrate --check`'s exit 0)."""
        return self.usable and not self.lost

    def verdict(self) -> str:
        """ "ok", or what is missing and what to run: the readiness check's value."""
        if self.usable:
            return "ok"
        return f"migrations not applied: {', '.join(self.missing)} (run `kgplatform migrate`)"

    def findings(self) -> list[str]:
        """One sentence per thing an operator should know, for the start-up log; none when all is well."""
        notes = [] if self.usable else [self.verdict()]
        if self.newer:
            notes.append(
                f"the graph has migrations this code does not know: {', '.join(self.newer)} (a newer "
                "release migrated it; they only add, so this code runs as before)"
            )
        if self.held_back:
            notes.append(
                f"contract migrations not yet applied: {', '.join(self.held_back)} (they remove what "
                "releases before this one read; run `kgplatform migrate --contract` once every API, worker "
                "and beat runs this release)"
            )
        if self.lost:
            notes.append(
                f"indexes or constraints the applied migrations created are missing from the graph: "
                f"{', '.join(self.lost)} (dropped by hand, or a store restored without them); run "
                "`kgplatform migrate`, which creates them again"
            )
        if self.changed:
            notes.append(
                f"migration files changed after they were applied: {', '.join(self.changed)} "
                "(`kgplatform migrate` refuses them; migrations are append-only)"
            )
        return notes


def compare_schema(recorded: Iterable[Mapping[str, Any]], shipped: Iterable[Migration]) -> SchemaState:
    """`recorded`: the graph's Migration rows (version, name, checksum); `shipped`: this code's files."""
    applied = {int(row["version"]): row for row in recorded}
    known = {m.version: m for m in shipped}
    pending = [m for v, m in sorted(known.items()) if v not in applied]
    missing = tuple(m.label for m in pending if not m.contract)
    held_back = tuple(m.label for m in pending if m.contract)
    newer = tuple(label_of(v, str(applied[v]["name"])) for v in sorted(applied) if v not in known)
    changed = tuple(
        label_of(v, m.name)
        for v, m in sorted(known.items())
        if v in applied and not m.recorded_as(str(applied[v]["checksum"]))
    )
    return SchemaState(missing=missing, newer=newer, changed=changed, held_back=held_back)


def read_schema_state(graph: Graph, shipped: list[Migration] | None = None) -> SchemaState:
    shipped = discover_migrations() if shipped is None else shipped
    recorded = graph.read("graph/list_applied_migrations")
    state = compare_schema(recorded, shipped)
    applied = {int(row["version"]) for row in recorded}
    lost = lost_items(
        declared_schema(m for m in shipped if m.version in applied), present_schema_names(graph)
    )
    return replace(state, lost=tuple(item.name for item in lost))


def present_schema_names(graph: Graph) -> set[str]:
    """The names of the graph's indexes and constraints."""
    return {row["name"] for row in graph.read("graph/show_indexes")} | {
        row["name"] for row in graph.read("graph/show_constraints")
    }


class SchemaWatch:
    """The readiness check's schema verdict. A graph not yet migrated is read again at each check (the
    probe runs one a second at most), so readiness follows `kgplatform migrate` at once; one that was
    found migrated is believed for `ok_ttl_s`."""

    def __init__(
        self,
        read: Callable[[], SchemaState],
        ok_ttl_s: float = SCHEMA_OK_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read, self.ok_ttl_s, self._clock = read, ok_ttl_s, clock
        self._ok_at: float | None = None

    def verdict(self) -> str:
        if self._ok_at is not None and self._clock() - self._ok_at < self.ok_ttl_s:
            return "ok"
        state = self._read()
        self._ok_at = self._clock() if state.usable else None
        return state.verdict()


def log_schema_findings(graph: Graph, who: str, shipped: list[Migration] | None = None) -> SchemaState | None:
    """Once at a process's start: a warning per finding. A Neo4j that does not answer yet is no finding
    (the process starts, and readiness reports the schema once Neo4j answers)."""
    try:
        state = read_schema_state(graph, shipped)
    except Exception as error:  # noqa: BLE001 - a start-up note must never stop the start
        log.debug("%s: schema not checked (%r)", who, error)
        return None
    for note in state.findings():
        log.warning("%s: %s", who, note)
    return state
