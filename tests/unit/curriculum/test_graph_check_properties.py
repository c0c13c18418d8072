"""Properties of the prerequisite checks on generated graphs, against brute force: the cycles reported are
real and cover what they must, the edges an import skips leave no cycle, and nothing depends on row order."""

from __future__ import annotations

import json
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from kgplatform.curriculum.graph_checks import (
    find_cycle_paths,
    find_cycles,
    find_dangling,
    find_duplicates,
    find_self_loops,
)
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json
from tests.unit.properties import checked, has_cycle, reachable

IDS = list("abcdefg")  # few ids, so that generated graphs close cycles often
edge_lists = st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), max_size=16)


def components(edges: list[tuple[str, str]]) -> set[frozenset[str]]:
    """Sets of two or more concepts that each reach one another (brute force)."""
    reach = reachable(IDS, edges)
    groups = {frozenset({a} | {b for b in IDS if (a, b) in reach and (b, a) in reach}) for a in IDS}
    return {g for g in groups if len(g) > 1}


def is_simple_cycle(members: tuple[str, ...], edges: set[tuple[str, str]]) -> bool:
    ring = [*members, members[0]]
    return len(members) > 1 and len(set(members)) == len(members) and all(s in edges for s in pairwise(ring))


@given(edge_lists)
@checked(200)
def test_cycles_are_the_mutually_dependent_sets_with_their_edges(edges: list[tuple[str, str]]) -> None:
    cycles = find_cycles(edges)
    assert {frozenset(c.members) for c in cycles} == components(edges)
    assert len(cycles) == len(components(edges))
    for cycle in cycles:
        inside = {(a, b) for a, b in edges if a != b and a in cycle.members and b in cycle.members}
        assert set(cycle.edges) == inside and len(cycle.edges) == len(inside)
        if cycle.is_ring:  # described as a path: it must be one
            assert is_simple_cycle(cycle.members, set(edges))
            assert cycle.members[0] == min(cycle.members)
    assert [c.members for c in cycles] == sorted(c.members for c in cycles)


@given(edge_lists, st.randoms(use_true_random=False))
@checked(200)
def test_cycle_paths_are_real_rings_and_removing_their_edges_leaves_no_cycle(
    edges: list[tuple[str, str]], rng: object
) -> None:
    cycles = find_cycle_paths(edges)
    edge_set = set(edges)
    for cycle in cycles:
        assert is_simple_cycle(cycle.members, edge_set), cycle
        assert cycle.members[0] == min(cycle.members) and cycle.is_ring
    assert [c.members for c in cycles] == sorted({c.members for c in cycles})
    assert bool(cycles) == bool(components(edges))
    # A first import blames every edge on the paths: without them no cycle may remain.
    blamed = {e for c in cycles for e in c.edges}
    assert not has_cycle(IDS, {(a, b) for a, b in edges if a != b} - blamed)
    shuffled = list(edges)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    assert [c.members for c in find_cycle_paths(shuffled)] == [c.members for c in cycles], "row order"


@st.composite
def stored_and_new(draw: st.DrawFn) -> tuple[set[tuple[str, str]], list[tuple[str, str]]]:
    """An acyclic stored graph (edges forward in a drawn order of the ids) and new edges of any kind."""
    order = draw(st.permutations(IDS))
    forward = [(a, b) for i, a in enumerate(order) for b in order[i + 1 :]]
    stored = set(draw(st.lists(st.sampled_from(forward), max_size=12)))
    new = draw(st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), min_size=1, max_size=8))
    return stored, new


@given(stored_and_new())
@checked(200)
def test_the_new_edges_blamed_on_cycle_paths_are_enough_to_break_every_cycle(
    drawn: tuple[set[tuple[str, str]], list[tuple[str, str]]],
) -> None:
    stored, new = drawn
    suspects = {e for e in new if e not in stored and e[0] != e[1]}
    cycles = find_cycle_paths([*stored, *new], suspects)
    everything = stored | {e for e in new if e[0] != e[1]}
    for cycle in cycles:
        assert is_simple_cycle(cycle.members, everything), cycle
        assert set(cycle.edges) & suspects, "the stored graph has no cycle: a new edge closes each"
    blamed = {e for c in cycles for e in c.edges if e in suspects}
    assert not has_cycle(IDS, everything - blamed)


@given(
    st.lists(st.tuples(st.sampled_from(IDS), st.sampled_from(IDS)), max_size=12),
    st.sets(st.sampled_from(IDS)),
)
@checked(200)
def test_self_loops_dangling_ids_and_duplicates_against_loops(
    edges: list[tuple[str, str]], known: set[str]
) -> None:
    loops: list[tuple[str, str]] = []
    for a, b in edges:
        if a == b and (a, b) not in loops:
            loops.append((a, b))
    assert find_self_loops(edges) == loops
    expected = []
    for a, b in edges:
        missing = [a] if a not in known else []
        if b not in known and b != a:
            missing.append(b)
        if missing:
            expected.append(((a, b), missing))
    assert find_dangling(edges, known) == expected
    repeats = {e: [i for i, f in enumerate(edges) if f == e] for e in edges if edges.count(e) > 1}
    assert find_duplicates(edges) == repeats


def document(concepts: list[str], edges: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "curriculum": {"id": "cur", "name": "Cur"},
            "concepts": [{"id": c, "name": c} for c in concepts],
            "prerequisites": [{"prerequisite": a, "concept": b} for a, b in edges],
        }
    )


@given(stored_and_new(), st.sets(st.sampled_from(IDS)), st.booleans())
@checked(150)
def test_an_import_is_refused_exactly_when_a_row_is_wrong_and_what_it_writes_has_no_cycle(
    drawn: tuple[set[tuple[str, str]], list[tuple[str, str]]], in_file: set[str], skip_invalid: bool
) -> None:
    stored, new = drawn
    # The curriculum stores the ends of its edges and one more; the file defines some ids, and the rest
    # (not stored, not in the file) are unknown.
    stored_concepts = {c for e in stored for c in e} | {"a"}
    known = stored_concepts | in_file
    plan = validate_import(
        parse_json(document(sorted(in_file), new)),
        "cur",
        ExistingGraph(concepts=stored_concepts, edges=stored),
        dry_run=True,
        skip_invalid=skip_invalid,
    )
    wrong = (
        any(a == b for a, b in new)
        or any(a not in known or b not in known for a, b in new)
        or len(set(new)) < len(new)
        or has_cycle(IDS, stored | {e for e in new if e[0] in known and e[1] in known})
    )
    assert (plan.document is None) == (wrong and not skip_invalid)
    assert bool(plan.report.errors) == wrong
    # Each cycle blames the file's edges on it that the curriculum does not store yet, else (all stored:
    # never, the stored graph has none) every file edge on it; nothing else is blamed for a cycle.
    blamed: set[tuple[str, str]] = set()
    for members in plan.report.cycles:
        assert is_simple_cycle(tuple(members), stored | set(new)), members
        ring = list(pairwise([*members, members[0]]))
        on_cycle = [e for e in ring if e in new]
        blamed |= set([e for e in on_cycle if e not in stored] or on_cycle)
    closing = {e.id for e in plan.report.errors if e.message.startswith("closes a ")}
    assert closing == {f"{a}->{b}" for a, b in blamed}
    if plan.document is not None:
        written = [(p.prerequisite, p.concept) for p in plan.document.prerequisites]
        assert len(set(written)) == len(written)
        assert all(a != b and a in known and b in known for a, b in written)
        assert not has_cycle(IDS, stored | set(written))
