"""The per-process cache of curricula's planning arrays: concurrent misses build once (a review, 7 December
2026: each request missing after an edit built its own)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from kgplatform.planning.graph_cache import ConceptGraphs
from kgplatform.planning.stamps import InputStamps
from tests.unit.waiting_calls import all_running_or_waiting, count_waits

EDITED = InputStamps(None, datetime(2026, 12, 7, 10, tzinfo=UTC), None)
EDITED_AGAIN = InputStamps(None, datetime(2026, 12, 7, 11, tzinfo=UTC), None)
CALLERS = 8


class SlowStore:
    """A plan store whose builds wait for `release` (each build a new object), counting them."""

    def __init__(self, fail: bool = False) -> None:
        self.builds: list[str] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.fail = fail

    def concept_graph(self, curriculum_id: str) -> Any:
        self.builds.append(curriculum_id)
        self.started.set()
        assert self.release.wait(timeout=10)
        if self.fail:
            raise ConnectionError(f"Neo4j went away while reading {curriculum_id}")
        return object()


def _callers(graphs: ConceptGraphs, stamps: InputStamps) -> tuple[list[threading.Thread], list[Any]]:
    """CALLERS threads asking for 'algebra' at once, started and waiting (on the build or inside it)."""
    outcomes: list[Any] = []
    entered = threading.Barrier(CALLERS + 1)

    def ask() -> None:
        entered.wait(timeout=10)
        try:
            outcomes.append(graphs.get("algebra", stamps))
        except ConnectionError as error:
            outcomes.append(error)

    threads = [threading.Thread(target=ask) for _ in range(CALLERS)]
    for thread in threads:
        thread.start()
    entered.wait(timeout=10)
    return threads, outcomes


@pytest.fixture(autouse=True)
def counted_waits(monkeypatch: pytest.MonkeyPatch) -> None:
    count_waits(monkeypatch)


def _all_asked(store: SlowStore) -> None:
    """Returns once every caller builds or waits on a build."""
    all_running_or_waiting(lambda: len(store.builds), CALLERS)


def _settle(store: SlowStore, threads: list[threading.Thread]) -> None:
    _all_asked(store)
    store.release.set()
    for thread in threads:
        thread.join(timeout=10)


def test_requests_missing_together_build_once_and_share_the_graph() -> None:
    store = SlowStore()
    graphs = ConceptGraphs(store)  # type: ignore[arg-type]
    threads, outcomes = _callers(graphs, EDITED)
    _settle(store, threads)
    assert store.builds == ["algebra"]
    assert len(outcomes) == CALLERS and all(graph is outcomes[0] for graph in outcomes)
    assert graphs.get("algebra", EDITED) is outcomes[0] and store.builds == ["algebra"]  # kept


def test_a_failed_build_fails_those_waiting_on_it_and_the_next_request_builds_again() -> None:
    store = SlowStore(fail=True)
    graphs = ConceptGraphs(store)  # type: ignore[arg-type]
    threads, outcomes = _callers(graphs, EDITED)
    _settle(store, threads)
    assert store.builds == ["algebra"]
    assert len(outcomes) == CALLERS and all(isinstance(error, ConnectionError) for error in outcomes)
    store.fail = False
    assert graphs.get("algebra", EDITED) is not None and store.builds == ["algebra", "algebra"]


def test_new_stamps_build_anew_and_other_curricula_do_not_wait() -> None:
    store = SlowStore()
    graphs = ConceptGraphs(store)  # type: ignore[arg-type]
    threads, outcomes = _callers(graphs, EDITED)
    _all_asked(store)

    class QuickStore:
        def concept_graph(self, curriculum_id: str) -> Any:
            return curriculum_id

    graphs.store = QuickStore()  # type: ignore[assignment]
    assert graphs.get("physics", EDITED) == "physics"  # not behind algebra's build
    assert graphs.get("algebra", EDITED_AGAIN) == "algebra"  # newer stamps: not the build in progress
    graphs.store = store  # type: ignore[assignment]
    _settle(store, threads)
    assert store.builds == ["algebra"] and len(outcomes) == CALLERS


@pytest.mark.parametrize("keep", [1, 2])
def test_only_the_most_recently_used_are_kept(keep: int) -> None:
    class CountingStore:
        builds = 0

        def concept_graph(self, curriculum_id: str) -> Any:
            CountingStore.builds += 1
            return curriculum_id

    graphs = ConceptGraphs(CountingStore(), keep=keep)  # type: ignore[arg-type]
    for curriculum_id in ("a", "b", "a", "c"):
        graphs.get(curriculum_id, EDITED)
    assert list(graphs) == (["c"] if keep == 1 else ["a", "c"])


def test_a_kept_graph_is_built_again_once_its_stamps_move() -> None:
    """An edit moves the curriculum's stamps: the graph kept for the old ones must not be served, or plans
    would follow the curriculum as it was before the edit until the process restarted."""
    store = SlowStore()
    store.release.set()  # builds at once
    graphs = ConceptGraphs(store)  # type: ignore[arg-type]
    before = graphs.get("algebra", EDITED)
    after = graphs.get("algebra", EDITED_AGAIN)
    assert after is not before and store.builds == ["algebra", "algebra"]
    assert graphs.get("algebra", EDITED_AGAIN) is after and len(store.builds) == 2  # the new one kept
