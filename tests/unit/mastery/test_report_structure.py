"""The report graphs kept with the curricula's structures (`ReportStructures.graph`)."""

from __future__ import annotations

from kgplatform.mastery import report_structure
from kgplatform.mastery.report_structure import ReportStructures


def test_a_graph_is_kept_for_its_key_and_curricula_and_dropped_with_the_key() -> None:
    structures = ReportStructures()
    made: list[str] = []

    def make(name: str) -> object:
        made.append(name)
        return name

    structures.curricula("k1", [], lambda _: {})
    assert structures.graph("k1", ("a",), lambda: make("a1")) == "a1"
    assert structures.graph("k1", ("a",), lambda: make("again")) == "a1"
    assert structures.graph("k1", ("a", "b"), lambda: make("ab1")) == "ab1"  # other curricula, own graph
    structures.curricula("k2", [], lambda _: {})  # a curriculum changed: every graph is dropped
    assert structures.graph("k2", ("a",), lambda: make("a2")) == "a2"
    assert made == ["a1", "ab1", "a2"]


def test_a_graph_made_under_an_old_key_is_not_kept() -> None:
    """A report whose structure was read before an edit (its key older than the structures' now) makes its
    graph for itself: keeping it would give the old prerequisites to reports after the edit."""
    structures = ReportStructures()
    structures.curricula("new", [], lambda _: {})
    assert structures.graph("old", ("a",), lambda: "old graph") == "old graph"
    assert structures.graph("new", ("a",), lambda: "new graph") == "new graph"
    assert structures.graph("old", ("a",), lambda: "old again") == "old again"  # not the new key's
    structures.clear()
    structures.curricula("k", [], lambda _: {})

    def moved_meanwhile() -> str:
        structures.curricula("k-after", [], lambda _: {})
        return "made under k"

    assert structures.graph("k", ("a",), moved_meanwhile) == "made under k"
    assert structures.graph("k-after", ("a",), lambda: "made under k-after") == "made under k-after"


def test_the_graphs_kept_are_bounded() -> None:
    structures = ReportStructures()
    structures.curricula("k", [], lambda _: {})
    for i in range(report_structure.GRAPHS + 5):
        structures.graph("k", ("loose", i), lambda i=i: i)
    assert len(structures._graphs) <= report_structure.GRAPHS
