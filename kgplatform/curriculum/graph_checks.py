"""Whole-graph checks on prerequisite edges: self-loops, cycles, dangling ids, duplicates.

Plain functions over `(prerequisite, concept)` pairs, so importers, the import validator and tests
share them without a database. `find_cycles` gives strongly connected components (every member named,
in a stable order); `find_cycle_paths` gives the simple cycles an import reports and blames, each a
real path a -> b -> c -> a through an edge that closes it.
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
    graph = nx.DiGraph(sorted((a, b) for a, b in edges if a != b))  # see `find_cycle_paths`
    cycles = []
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        sub = graph.subgraph(component)
        members = _ordered_members(sub, component)
        inner = tuple(sorted(sub.edges()))
        cycles.append(Cycle(members, inner))
    return sorted(cycles, key=lambda c: c.members)


def find_cycle_paths(edges: Iterable[Edge], suspects: Iterable[Edge] | None = None) -> list[Cycle]:
    """Simple cycles, each a real path (members in order, its last member back to its first), that
    between them pass through every edge that closes a cycle, and no more than that: what an import
    reports and blames. A component's strongly connected set is no answer: one edge back from a leaf
    to a root of a large curriculum binds thousands of concepts, and blaming every edge among them
    hides the one that is wrong.

    `suspects`: the edges that may be wrong (an import's edges that are not stored already; the stored
    graph has no cycle). Each suspect inside a component, in order, closes the shortest cycle back to
    it; it is then set aside, so the next suspect's cycle is one that remains. When the suspects are
    every edge of a component (a first import), the edges a depth-first search finds pointing back up
    its path play their part (removing them leaves no cycle), the search starting from the concept
    with the most dependants over prerequisites. Whatever cycles remain (the stored graph
    held one) are named one by one. Cycles start at their smallest id and come sorted.
    """
    # Sorted: networkx walks a graph in the order its edges were added, so a shortest path among equally
    # short ones (which a first import blames and --skip-invalid skips) followed the file's row order and
    # Python's hash seed, and two runs on one file could skip different rows (a review, 1 December).
    graph = nx.DiGraph(sorted((a, b) for a, b in edges if a != b))
    suspected = None if suspects is None else set(suspects)
    cycles: set[tuple[str, ...]] = set()
    for component in nx.strongly_connected_components(graph):
        if len(component) < 2:
            continue
        work = nx.DiGraph(graph.subgraph(component))
        inner = set(work.edges())
        closing = sorted(inner & suspected) if suspected is not None else []
        if not closing or len(closing) == len(inner):
            # From the concept most needed and least needing (a curriculum's root, when one edge runs back
            # to it): a search from there meets only the edges that run back as back edges.
            start = max(sorted(component), key=lambda n: work.out_degree(n) - work.in_degree(n))
            closing = _back_edges(work, start)
        for a, b in closing:
            try:
                path = nx.shortest_path(work, b, a)
            except nx.NetworkXNoPath:  # an earlier suspect's removal broke every cycle through this one
                continue
            cycles.add(_from_smallest([a, *path[:-1]]))
            work.remove_edge(a, b)
        while True:
            try:
                ring = [u for u, _ in nx.find_cycle(work)]
            except nx.NetworkXNoCycle:
                break
            cycles.add(_from_smallest(ring))
            work.remove_edge(ring[-1], ring[0])
    return [_ring(members) for members in sorted(cycles)]


def _back_edges(graph: nx.DiGraph, start: str) -> list[Edge]:
    """The edges a depth-first search from `start` (neighbours in id order) finds pointing back to a
    concept on its current path; without them the component has no cycle."""
    found: list[Edge] = []
    on_path: set[str] = set()
    seen: set[str] = set()
    for root in [start, *sorted(graph)]:
        if root in seen:
            continue
        seen.add(root)
        on_path.add(root)
        stack = [(root, iter(sorted(graph.successors(root))))]
        while stack:
            node, successors = stack[-1]
            child = next(successors, None)
            if child is None:
                stack.pop()
                on_path.discard(node)
            elif child in on_path:
                found.append((node, child))
            elif child not in seen:
                seen.add(child)
                on_path.add(child)
                stack.append((child, iter(sorted(graph.successors(child)))))
    return found


def _from_smallest(members: list[str]) -> tuple[str, ...]:
    pivot = members.index(min(members))
    return tuple(members[pivot:] + members[:pivot])


def _ring(members: tuple[str, ...]) -> Cycle:
    return Cycle(members, tuple(zip(members, members[1:] + members[:1], strict=True)))


def _ordered_members(sub: nx.DiGraph, component: set[str]) -> tuple[str, ...]:
    start = min(component)
    try:
        ring = [a for a, _ in nx.find_cycle(sub, source=start)]
    except nx.NetworkXNoCycle:  # pragma: no cover - a strongly connected component always has one
        ring = []
    if len(ring) == len(component):  # the ring holds every member, `start` (the smallest) among them
        return _from_smallest(ring)
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
