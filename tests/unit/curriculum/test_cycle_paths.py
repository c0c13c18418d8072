"""One edge that closes a cycle in a large curriculum is reported as the cycle it closes, a real path,
and only that edge is blamed (every edge on the path in a first import, which stores nothing yet); not
every edge of the strongly connected set it binds."""

from __future__ import annotations

import json

from kgplatform.curriculum.graph_checks import find_cycle_paths
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import parse_json

LEVELS, WIDTH = 40, 50  # 2,000 concepts


def layered() -> tuple[list[str], list[tuple[str, str]]]:
    """A root needed by the first level, each concept needing two of the level below, the last level all
    needed by a top concept: a DAG of 2,002 concepts where the root reaches the top by many paths."""
    ids = ["root", *(f"c{level:02d}-{i:02d}" for level in range(LEVELS) for i in range(WIDTH)), "top"]
    edges = [("root", f"c00-{i:02d}") for i in range(WIDTH)]
    edges += [
        (f"c{level:02d}-{(i + k) % WIDTH:02d}", f"c{level + 1:02d}-{i:02d}")
        for level in range(LEVELS - 1)
        for i in range(WIDTH)
        for k in (0, 1)
    ]
    edges += [(f"c{LEVELS - 1:02d}-{i:02d}", "top") for i in range(WIDTH)]
    return ids, edges


def document(ids: list[str], edges: list[tuple[str, str]]) -> str:
    return json.dumps(
        {
            "curriculum": {"id": "big", "name": "Big"},
            "concepts": [{"id": c, "name": c} for c in ids],
            "prerequisites": [{"prerequisite": a, "concept": b} for a, b in edges],
        }
    )


def is_cycle_path(members: list[str], edges: set[tuple[str, str]]) -> bool:
    steps = zip(members, members[1:] + members[:1], strict=True)
    return len(set(members)) == len(members) and all(step in edges for step in steps)


def test_a_reimport_with_one_edge_back_blames_only_the_cycle_it_closes() -> None:
    ids, stored = layered()
    back = ("top", "root")  # the top back to the root: all 2,002 concepts join one strongly connected set
    file_edges = [*stored, back]
    report = validate_import(
        parse_json(document(ids, file_edges)),
        "big",
        ExistingGraph(concepts=set(ids), edges=set(stored)),
        dry_run=True,
        skip_invalid=False,
    ).report
    [cycle] = report.cycles
    assert is_cycle_path(cycle, set(file_edges)), cycle
    assert cycle[0].startswith("c00-") and cycle[-2:] == ["top", "root"], "in order, from its smallest id"
    assert len(cycle) == LEVELS + 2, "the shortest way round: one concept per level, the top and the root"
    # Before: every one of the 4,050 edges of the strongly connected set was blamed. The stored edges on
    # the path are not news: only the edge the file adds is.
    assert [tuple(e.id.split("->")) for e in report.errors] == [back]
    assert f"closes a cycle of 42 concepts: {cycle[0]} -> " in report.errors[0].message


def test_a_first_import_with_one_edge_back_blames_one_cycle_too() -> None:
    ids, stored = layered()
    back = ("top", "root")
    report = validate_import(
        parse_json(document(ids, [*stored, back])), "big", ExistingGraph(), dry_run=True, skip_invalid=False
    ).report
    assert len(report.cycles) == 1 and is_cycle_path(report.cycles[0], {*stored, back})
    assert len(report.errors) == LEVELS + 2


def test_each_edge_that_closes_a_cycle_gets_its_own_path() -> None:
    stored = [("a", "b"), ("b", "c"), ("c", "d")]
    cycles = find_cycle_paths([*stored, ("d", "a"), ("c", "b")], suspects={("d", "a"), ("c", "b")})
    assert [c.members for c in cycles] == [("a", "b", "c", "d"), ("b", "c")]
    assert all(c.is_ring for c in cycles)
    assert cycles[0].describe() == "cycle of 4 concepts: a -> b -> c -> d -> a"
