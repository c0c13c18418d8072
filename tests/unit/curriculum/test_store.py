"""The store's transactions with a recording fake session: which named queries run, in what order,
and that a refusal from `decide` stops the transaction before anything is written."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from kgplatform.curriculum import store
from kgplatform.errors import Conflict
from kgplatform.graph.queries import get_catalog


class FakeRecord:
    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row

    def data(self) -> dict[str, Any]:
        return self.row


class RecordingTx:
    """Answers each named query from `answers` (name -> rows) and records (name, params)."""

    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.answers = answers
        self.ran: list[tuple[str, dict[str, Any]]] = []
        self.names_by_text = {get_catalog()[n].text: n for n in get_catalog().names()}

    def run(self, text: str, params: dict[str, Any]) -> list[FakeRecord]:
        name = self.names_by_text[text]
        self.ran.append((name, params))
        return [FakeRecord(row) for row in self.answers.get(name, [])]


class FakeGraph:
    def __init__(self, answers: dict[str, list[dict[str, Any]]]) -> None:
        self.tx = RecordingTx(answers)

    @contextmanager
    def session(self) -> Iterator[FakeGraph]:
        yield self

    def execute_write(self, work: Callable[[RecordingTx], Any]) -> Any:
        return work(self.tx)

    execute_read = execute_write

    @property
    def names(self) -> list[str]:
        return [name.removeprefix("curriculum/") for name, _ in self.tx.ran]


CONCEPT = {
    "id": "a",
    "curriculum_id": "m",
    "name": "A",
    "description": "",
    "tags": [],
    "difficulty": None,
    "version": 1,
}


def refuse(*_: Any) -> Any:
    raise Conflict("no")


def test_a_refused_update_runs_only_the_lock() -> None:
    graph = FakeGraph({"curriculum/lock_concept": [{"concept": CONCEPT}]})
    with pytest.raises(Conflict):
        store.update_concept(graph, "a", refuse)  # type: ignore[arg-type]
    assert graph.names == ["lock_concept"]


def test_an_update_locks_then_writes_then_audits() -> None:
    graph = FakeGraph(
        {
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/update_concept": [{"concept": {**CONCEPT, "version": 2}}],
        }
    )
    audit = [{"id": "e1"}]
    store.update_concept(graph, "a", lambda _: store.ConceptWrite(props={"name": "B"}, audit=audit))  # type: ignore[arg-type]
    assert graph.names == ["lock_concept", "update_concept", "create_audit_entries"]
    assert graph.tx.ran[1][1] == {"id": "a", "props": {"name": "B"}}
    assert graph.tx.ran[2][1] == {"entries": audit}


def test_edge_checks_lock_the_curriculum_then_both_ends_in_id_order_before_looking_for_a_cycle() -> None:
    graph = FakeGraph(
        {
            "curriculum/find_concept_curricula": [{"curriculum_id": "m"}],
            "curriculum/lock_concepts": [
                {"id": "a", "curriculum_id": "m"},
                {"id": "b", "curriculum_id": "m"},
            ],
            "curriculum/find_cycle_path": [{"path": ["a", "x", "b"]}],
        }
    )
    seen: list[store.PrerequisiteContext] = []

    def decide(context: store.PrerequisiteContext) -> Any:
        seen.append(context)
        raise Conflict("cycle")

    with pytest.raises(Conflict):
        store.add_prerequisite(graph, "b", "a", 1.0, decide)  # type: ignore[arg-type]
    assert graph.names == [
        "find_concept_curricula",
        "lock_curricula",
        "lock_concepts",
        "find_prerequisite",
        "find_cycle_path",
    ]
    assert graph.tx.ran[1][1] == {"ids": ["m"]} and graph.tx.ran[2][1] == {"ids": ["a", "b"]}
    assert seen[0].cycle_path == ["a", "x", "b"]


def test_a_missing_endpoint_skips_the_path_search() -> None:
    graph = FakeGraph(
        {
            "curriculum/find_concept_curricula": [{"curriculum_id": "m"}],
            "curriculum/lock_concepts": [{"id": "a", "curriculum_id": "m"}],
        }
    )
    with pytest.raises(Conflict):
        store.add_prerequisite(graph, "a", "ghost", 1.0, refuse)  # type: ignore[arg-type]
    assert graph.names == ["find_concept_curricula", "lock_curricula", "lock_concepts"]


def test_a_cascade_deletes_tasks_then_the_concept_then_bumps_and_audits() -> None:
    graph = FakeGraph(
        {
            "curriculum/lock_concept": [{"concept": CONCEPT}],
            "curriculum/inspect_concept_links": [{"incoming": [], "outgoing": [], "tasks": []}],
        }
    )
    deletion = store.ConceptDeletion(delete_task_ids=["t1"], bump_task_ids=["t2"], audit=[{"id": "e"}])
    store.delete_concept(graph, "a", lambda _: deletion)  # type: ignore[arg-type]
    assert graph.names == [
        "lock_concept",
        "lock_concept_tasks",
        "inspect_concept_links",
        "delete_tasks",
        "delete_concept",
        "bump_curriculum_revision",
        "bump_task_versions",
        "create_audit_entries",
    ]
