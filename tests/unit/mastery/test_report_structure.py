"""The curricula's structures and report graphs kept between reports (`ReportStructures`)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from kgplatform.mastery import report_structure
from kgplatform.mastery.report_structure import ReportStructures
from tests.unit.waiting_calls import CountedFuture, all_running_or_waiting, count_waits


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


def test_a_curriculum_without_stamps_is_read_every_time() -> None:
    """Nothing would tell its change (`cacheable`): kept, its report would miss every edit of it."""
    structures = ReportStructures()
    reads: list[list[str]] = []

    def read(ids: list[str]) -> dict[str, list[object]]:
        reads.append(list(ids))
        return {cid: [cid] for cid in ids}

    for _ in range(2):
        assert structures.curricula("k", ["a", "b"], read, lambda cid: cid == "a") == {"a": ["a"], "b": ["b"]}
    assert reads == [["a", "b"], ["b"]]


def test_a_structure_read_under_an_old_key_is_not_kept() -> None:
    """A read that the key moved past while it ran (an edit meanwhile) is not served under the new key."""
    structures = ReportStructures()
    reads: list[str] = []

    def read_while_the_key_moves(ids: list[str]) -> dict[str, list[object]]:
        reads.append("old")
        structures.curricula("k-after", [], lambda _: {})
        return {cid: ["before the edit"] for cid in ids}

    assert structures.curricula("k", ["a"], read_while_the_key_moves) == {"a": ["before the edit"]}

    def read_after(ids: list[str]) -> dict[str, list[object]]:
        reads.append("new")
        return {cid: ["after the edit"] for cid in ids}

    assert structures.curricula("k-after", ["a"], read_after) == {"a": ["after the edit"]}
    assert reads == ["old", "new"]


def _six_at_once(ask: Callable[[], object], runs: list[object], release: threading.Event) -> list[object]:
    """`ask()` from six threads at once, released once each runs or waits on a run."""
    outcomes: list[object] = []
    threads = [threading.Thread(target=lambda: outcomes.append(ask())) for _ in range(6)]
    for thread in threads:
        thread.start()
    all_running_or_waiting(lambda: len(runs), 6)
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    return outcomes


def test_reports_missing_together_share_one_read_and_one_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    """A class's reports fetched at once after an edit each read the curricula and made the graph (a review,
    7 December 2026)."""
    count_waits(monkeypatch)
    structures = ReportStructures()
    reads: list[object] = []
    release = threading.Event()

    def read(missing: list[str]) -> dict[str, list[tuple[str]]]:
        reads.append(list(missing))
        assert release.wait(timeout=10)
        return {cid: [(f"{cid}-1",)] for cid in missing}

    outcomes = _six_at_once(lambda: structures.curricula("k", ["algebra"], read), reads, release)
    assert reads == [["algebra"]] and outcomes == [{"algebra": [("algebra-1",)]}] * 6
    assert structures.curricula("k", ["algebra"], lambda _: pytest.fail("read again")) == outcomes[0]

    makes: list[object] = []
    release = threading.Event()

    def make() -> object:
        makes.append(1)
        assert release.wait(timeout=10)
        return object()

    CountedFuture.waits = 0
    graphs = _six_at_once(lambda: structures.graph("k", ("algebra",), make), makes, release)
    assert len(makes) == 1 and all(graph is graphs[0] for graph in graphs) and len(graphs) == 6
