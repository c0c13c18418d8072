"""The one-learner task (`kgp.plans.recompute_learner`, still run for messages queued before the due set)
plans with its process's curricula arrays, as the drains and batch chunks do, without services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import workers.tasks as tasks
from kgplatform.planning.graph import ConceptGraph, build_graph
from kgplatform.planning.stamps import InputStamps
from kgplatform.planning.store import LearnerRows
from tests.unit.planning.conftest import chain_document

STAMPS = InputStamps(datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC), None)


class CountingStore:
    """A PlanStore for learners of the chain curriculum with no plan yet; counts the graphs it builds."""

    graph = None

    def __init__(self) -> None:
        self.built = 0
        self.saved: list[dict[str, Any]] = []

    def concept_graph(self, curriculum_id: str) -> ConceptGraph:
        self.built += 1
        return build_graph(chain_document())

    def learner_curriculum(self, learner_id: str) -> str:
        return "chain"

    def input_stamps(self, learner_id: str, curriculum_id: str) -> InputStamps:
        return STAMPS

    def latest_plan(self, learner_id: str) -> None:
        return None

    def learner_rows(self, learner_id: str) -> LearnerRows:
        return LearnerRows(learner_id, ["d"], [])

    def save_plans(self, records: list[dict[str, Any]]) -> int:
        self.saved.extend(records)
        return len(records)


class EmptyCache:
    def __init__(self, *_: object) -> None:
        pass

    def get(self, learner_id: str) -> None:
        return None

    def put(self, record: object) -> bool:
        return True


class NoDebounce:
    def __init__(self, *_: object) -> None:
        pass

    def clear_many(self, learner_ids: list[str]) -> None:
        pass


def test_one_learner_messages_share_the_processs_curriculum_arrays(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each message built a PlanService with a cache of its own, so every learner's message re-read and
    rebuilt the curriculum's arrays; the process's cache now serves them, as it serves drains and chunks."""
    store = CountingStore()
    monkeypatch.setattr(tasks, "_graphs", None)
    monkeypatch.setattr(tasks, "get_graph", lambda: None)
    monkeypatch.setattr(tasks, "get_redis", lambda: None)
    monkeypatch.setattr(tasks, "PlanStore", lambda graph: store)
    monkeypatch.setattr(tasks, "PlanCache", EmptyCache)
    monkeypatch.setattr(tasks, "Debouncer", NoDebounce)
    planned = [tasks.recompute_learner.run(learner) for learner in ("l-1", "l-2", "l-3")]
    assert all(planned) and [r["learner_id"] for r in store.saved] == ["l-1", "l-2", "l-3"]
    assert store.built == 1
    assert list(tasks.concept_graphs(store)) == ["chain"]  # type: ignore[arg-type]
