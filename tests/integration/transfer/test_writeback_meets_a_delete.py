"""A model's edges written while a designer deletes a concept they name (a retrain publishes at night, a
designer may delete at any hour): the edges of that concept are left out, the rest written."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from kgplatform.curriculum import service as curriculum_service
from kgplatform.curriculum.models import ConceptIn, CurriculumIn
from kgplatform.graph.driver import Graph
from kgplatform.transfer.store import TransferStore
from tests.integration.locks import write_behind_held_writer


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
    etag = f'"{curriculum_service.get_concept(graph, "b").version}"'
    now = datetime.now(UTC).isoformat()
    outcome = write_behind_held_writer(
        graph,
        monkeypatch,
        lambda: curriculum_service.delete_concept(graph, "b", etag, True, "designer"),
        lambda: TransferStore(graph).write_edges(rows, "gnn-race", now, batch_size=10),
    )
    assert outcome == {"result": 1}, repr(outcome)
    assert TransferStore(graph).count_edges("gnn-race") == 1
