"""Stored edges that a re-import's file leaves out stay (imports never delete), and the report says so."""

from kgplatform.curriculum.graph_checks import transitive_reduction
from kgplatform.curriculum.import_validation import ExistingGraph, validate_import
from kgplatform.curriculum.io import RawDocument


def _chain_closure(n: int) -> list[tuple[str, str]]:
    return [(f"c{i}", f"c{j}") for i in range(n) for j in range(i + 1, n)]


def test_a_reduced_reimport_over_the_closed_graph_says_how_many_stored_edges_stay() -> None:
    """AL-CPL re-imported with --transitive-reduction: the report said "N of M edges kept" while every
    closed edge stayed stored."""
    closed = _chain_closure(6)  # 15 edges; the reduction is the 5 of the chain
    reduced = transitive_reduction(closed)
    raw = RawDocument(
        {"id": "c", "name": "C"},
        [{"id": f"c{i}", "name": f"C{i}"} for i in range(6)],
        [{"prerequisite": a, "concept": b} for a, b in reduced],
        [],
    )
    existing = ExistingGraph(
        concepts={f"c{i}" for i in range(6)},
        edges=set(closed),
        concept_owners={f"c{i}": "c" for i in range(6)},
    )
    plan = validate_import(raw, "c", existing, dry_run=True, skip_invalid=False)
    assert plan.report.errors == []
    [note] = [n for n in plan.report.notes if "stay" in n]
    assert note.startswith(
        "10 stored prerequisite edges among this file's concepts are not in the file and stay"
    )
    assert "c0->c2" in note and "imports never delete" in note


def test_a_file_without_prerequisite_rows_gets_no_such_note() -> None:
    raw = RawDocument({"id": "c", "name": "C"}, [{"id": "c0", "name": "Renamed"}, {"id": "c1", "name": "C1"}])
    existing = ExistingGraph(
        concepts={"c0", "c1"}, edges={("c0", "c1")}, concept_owners={"c0": "c", "c1": "c"}
    )
    assert validate_import(raw, "c", existing, dry_run=True, skip_invalid=False).report.notes == []
