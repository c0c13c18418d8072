"""An ingest reads only the transfer edges its answers can use: those out of the concepts of its tasks
(one hop, `bkt.TransferEdges`), and for a full replay those out of the other concepts in the replayed
histories; the mastery is the same as with the whole model, and the stamp names the model either way."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import IngestTx, MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_answers
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import reset

EDGES = [
    {"source": "c0000", "target": "c0005", "strength": 0.6},
    {"source": "c0002", "target": "c0003", "strength": 0.3},
    {"source": "c0003", "target": "c0002", "strength": 0.2},
    {"source": "c0007", "target": "c0001", "strength": 0.4},
]


def publish(graph: Graph) -> None:
    graph.write("testing/create_transfer_edges", edges=EDGES, model_version="gnn-test", now=datetime.now(UTC))


def task_of(curriculum: SyntheticCurriculum, concept_ids: list[str]) -> str:
    return next(t["id"] for t in curriculum.tasks if t["concept_ids"] == concept_ids)


def test_the_context_reads_the_edges_out_of_the_batchs_concepts_only(
    graph: Graph, curriculum: SyntheticCurriculum
) -> None:
    publish(graph)
    task = task_of(curriculum, ["c0000"])

    def read(tx: IngestTx, task_ids: list[str]) -> tuple[list[tuple[str, str]], str | None, bool | None]:
        context = tx.context(task_ids, [])
        return (
            sorted((e.source, e.target) for e in context.transfer),
            context.transfer_model,
            context.transfer_edges,
        )

    store = MasteryStore(graph)
    assert store.run_ingest(lambda tx: read(tx, [task])) == ([("c0000", "c0005")], "gnn-test", True)
    # No edge out of this batch's concepts: none read, and the model still counts for the stamp.
    lone = task_of(curriculum, ["c0010"])
    assert store.run_ingest(lambda tx: read(tx, [lone])) == ([], "gnn-test", True)


def ingest_one_by_one(service: MasteryService, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        assert len(service.ingest([row]).accepted) == 1


def test_one_answer_batches_replayed_out_of_order_give_the_mastery_of_one_batch(
    graph: Graph, service: MasteryService, curriculum: SyntheticCurriculum
) -> None:
    publish(graph)
    log = make_answers(curriculum, 4, 160, seed=21)
    assert len(service.ingest(log).accepted) == len(log)
    whole = all_mastery(graph)
    assert {m["model_version"] for m in whole} == {"bkt-default+transfer:gnn-test"}

    reset(graph, curriculum)
    publish(graph)
    # Newest first, one answer per request: every answer after the first of a learner is out of order,
    # so each is a full replay of a history on other concepts, whose edges the batch's context lacks.
    ingest_one_by_one(service, sorted(log, key=lambda r: r["answered_at"], reverse=True))
    assert all_mastery(graph) == whole
