"""A model's edges written while a designer deletes a concept they name (a retrain publishes at night, a
designer may delete at any hour): the edges of that concept are left out, the rest written."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum.models import ConceptIn, CurriculumIn
from kgplatform.graph.driver import Graph
from kgplatform.transfer.store import TransferStore
from tests.integration.locks import hold_after_audit, wait_until_blocked


def test_edges_written_while_their_concept_is_being_deleted_leave_it_out(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Forced: the delete of b holds its transaction open (b locked and deleted, not committed) while the
    batch, having matched b, waits for its lock; then the delete commits. Before the fix the batch failed
    with Neo4j's EntityNotFound and the publish with it (a review, 6 December 2026)."""
    curriculum_service.create_curriculum(graph, CurriculumIn(id="m", name="m"), "designer")
    for concept_id in ("a", "b", "c"):
        curriculum_service.create_concept(graph, "m", ConceptIn(id=concept_id, name=concept_id), "designer")
    rows = [{"source": "a", "target": "b", "strength": 0.5}, {"source": "a", "target": "c", "strength": 0.4}]
    audited, release = hold_after_audit(monkeypatch, "designer")
    etag = f'"{curriculum_service.get_concept(graph, "b").version}"'
    deleting = threading.Thread(
        target=curriculum_service.delete_concept, args=(graph, "b", etag, True, "designer"), name="designer"
    )
    deleting.start()
    assert audited.wait(timeout=10)
    outcome: dict[str, Any] = {}

    def write() -> None:
        now = datetime.now(UTC).isoformat()
        try:
            outcome["written"] = TransferStore(graph).write_edges(rows, "gnn-race", now, batch_size=10)
        except Exception as error:  # noqa: BLE001 - the test names it
            outcome["error"] = error

    writing = threading.Thread(target=write)
    writing.start()
    wait_until_blocked(graph)
    release.set()
    deleting.join(timeout=30)
    writing.join(timeout=30)
    assert outcome == {"written": 1}, repr(outcome)
    assert TransferStore(graph).count_edges("gnn-race") == 1
