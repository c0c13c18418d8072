"""Whole-graph checks on prerequisite edges: self-loops, cycles, dangling ids, duplicates.

Plain functions over `(prerequisite, concept)` pairs, so importers, the import validator and tests
share them without a database. Cycles are reported as strongly connected components (every member
named, in a stable order), because a designer fixes a cycle by looking at all of its concepts; a
single witness cycle would hide the others in a tangled component.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import networkx as nx

Edge = tuple[str, str]
K = TypeVar("K", bound=Hashable)


SHOWN_MEMBERS = 10


def shortened(shown: Sequence[str], total: int | None = None) -> str:
    """`shown` joined by commas, then how many of `total` were left out."""
    total = len(shown) if total is None else total
    rest = total - len(shown)
    return ", ".join(shown) + (f", ... and {rest} more" if rest > 0 else "")


@dataclass(frozen=True)
class Cycle:
    """A strongly connected component of more than one concept, with the edges that bind it."""

    members: tuple[str, ...]
    edges: tuple[Edge, ...]

    @property
    def is_ring(self) -> bool:
        """True when the members, in order, are one simple cycle (then `describe` draws it)."""
        return len(self.edges) == len(self.members)

    def describe(self, names: Mapping[str, str] | None = None, limit: int = SHOWN_MEMBERS) -> str:
        """The cycle in words; with `names` (id -> name), each id is followed by its name when it differs.
        At most `limit` members are named: an import reports this once per edge of the cycle, so a ring
        of n concepts named in full would make a report of n^2 ids (4,000 concepts: over 600 MB); the
        full membership is in the report's `cycles`, once."""
        n = len(self.members)
        shown = [_with_name(m, names) for m in self.members[:limit]]
        if self.is_ring:
            path = " -> ".join(shown) + (f" -> ... ({n - limit} more)" if n > limit else "")
            return f"cycle of {n} concepts: {path} -> {shown[0]}"
        return f"cycle among {n} mutually dependent concepts: {shortened(shown, n)}"


def _with_name(concept_id: str, names: Mapping[str, str] | None) -> str:
    name = (names or {}).get(concept_id)
    return f"{concept_id} ({name})" if name and name != concept_id else concept_id


def find_self_loops(edges: Iterable[Edge]) -> list[Edge]:
    """Edges from a concept to itself, in input order, each once."""
    return list(dict.fromkeys((a, b) for a, b in edges if a == b))


def find_cycles(edges: Iterable[Edge]) -> list[Cycle]:
    """Every strongly connected component with two or more concepts (self-loops are reported apart).

    Members are listed along one cycle through the component when there is a simple one that covers
    it (as for a 2- or 3-cycle), otherwise sorted; components come sorted by their first member.
    """
    graph = nx.DiGraph((a, b) for a, b in edges if a != b)
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        members = _ordered_members(sub, component)
        inner = tuple(sorted(sub.edges()))
        cycles.append(Cycle(members, inner))
    return sorted(cycles, key=lambda c: c.members)


def _ordered_members(sub: nx.DiGraph, component: set[str]) -> tuple[str, ...]:
    start = min(component)
    try:
        ring = [a for a, _ in nx.find_cycle(sub, source=start)]
    except nx.NetworkXNoCycle:  # pragma: no cover - a strongly connected component always has one
        ring = []
    if len(ring) == len(component):
        pivot = ring.index(start) if start in ring else 0
        return tuple(ring[pivot:] + ring[:pivot])
    return tuple(sorted(component))


def find_duplicates(keys: Sequence[K]) -> dict[K, list[int]]:
    """Keys seen more than once, with every 0-based position where each occurs."""
    positions: dict[K, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        positions[key].append(index)
    return {key: where for key, where in positions.items() if len(where) > 1}


def find_dangling(edges: Iterable[Edge], known: set[str]) -> list[tuple[Edge, list[str]]]:
    """Edges naming a concept outside `known`, with the unknown ids (in edge order)."""
    found = []
    for a, b in edges:
        missing = [x for x in dict.fromkeys((a, b)) if x not in known]
        if missing:
            found.append(((a, b), missing))
    return found


def transitive_reduction(edges: Iterable[Edge]) -> list[Edge]:
    """The fewest edges with the same reachability (a Hasse diagram); the graph must be acyclic."""
    graph = nx.DiGraph(edges)
    if not nx.is_directed_acyclic_graph(graph):
        raise ValueError("transitive reduction needs an acyclic graph; remove the cycles first")
    return sorted(nx.transitive_reduction(graph).edges())


def is_transitively_closed(edges: Iterable[Edge]) -> bool:
    """True when every path a -> ... -> c already has its shortcut edge a -> c."""
    graph = nx.DiGraph(edges)
    if nx.is_directed_acyclic_graph(graph):
        closure = nx.transitive_closure_dag(graph)
    else:
        closure = nx.transitive_closure(graph, reflexive=None)
    return closure.number_of_edges() == graph.number_of_edges()
