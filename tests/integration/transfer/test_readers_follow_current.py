"""Every reader of transfer edges sees the CURRENT model only, after a second publish and while a third
model is being written (the publish keeps the retired model's edges for one more switch, and the model being
written has the newest `computed_at`, so neither "all edges" nor "the newest edges" is the current model)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from kgplatform.api.routes.ui_support import read_transfer_edges
from kgplatform.graph.driver import Graph
from kgplatform.mastery.store import IngestTx, MasteryStore
from kgplatform.mastery.updater import transfer_mapping
from kgplatform.planning.store import PlanStore
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.writeback import write_model
from tests.integration.transfer.test_export_and_writeback import seed_curriculum

CURRICULUM = "transfer-test"  # the curriculum `seed_curriculum` creates


def read_transfer(tx: IngestTx, task_ids: list[str]) -> tuple[dict[str, dict[str, float]], str | None]:
    """The transfer edges an ingest transaction reads (get_ingest_context) for answers on `task_ids` (those
    out of their concepts), as the tracer maps them, and the model it names."""
    context = tx.context(task_ids, [])
    return transfer_mapping(context.transfer)[0], context.transfer_model


def test_tracer_ui_and_planner_read_only_the_current_model(graph: Graph) -> None:
    ids = seed_curriculum(graph, 4)
    v1 = [
        {"source": ids[0], "target": ids[1], "strength": 0.3},
        {"source": ids[1], "target": ids[2], "strength": 0.2},
    ]
    v2 = [{"source": ids[2], "target": ids[3], "strength": 0.4}]
    v3 = [{"source": ids[3], "target": ids[0], "strength": 0.9}]
    write_model(graph, "v1", v1, "h1", {})
    write_model(graph, "v2", v2, "h2", {})  # v1 is retired but keeps its edges for one more switch
    store = TransferStore(graph)
    # Being written: the newest edges, not current.
    store.register_model("v3", "h3", {}, len(v3), datetime.now(UTC).isoformat())
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    store.write_edges(v3, "v3", later, batch_size=10)
    assert {m["version"]: m["status"] for m in store.models()} == {
        "v1": "retired",
        "v2": "current",
        "v3": "writing",
    }

    every_task = [f"t-{concept_id}" for concept_id in ids]
    mapping, version = MasteryStore(graph).run_ingest(lambda tx: read_transfer(tx, every_task))
    assert (mapping, version) == ({ids[2]: {ids[3]: 0.4}}, "v2")

    ui = read_transfer_edges(graph, ids, limit=100)
    assert ui.model_version == "v2"
    assert [(e.source, e.target, e.strength, e.model_version) for e in ui.edges] == [
        (ids[2], ids[3], 0.4, "v2")
    ]

    planning = PlanStore(graph)
    assert planning.transfer_edges(CURRICULUM) == [(ids[2], ids[3], 0.4)]
    assert planning.curriculum_stamps(CURRICULUM).transfer_version == "v2"
    concepts = planning.concept_graph(CURRICULUM)
    assert concepts.transfer_from_model
    modelled = {
        (concepts.concept_ids[i], concepts.concept_ids[j])
        for i, j in zip(*concepts.transfer.nonzero(), strict=True)
    }
    assert modelled == {(ids[2], ids[3])}


def test_readers_see_nothing_without_a_current_model(graph: Graph) -> None:
    ids = seed_curriculum(graph, 2)
    store = TransferStore(graph)
    store.register_model("v1", "h1", {}, 1, datetime.now(UTC).isoformat())
    store.write_edges(
        [{"source": ids[0], "target": ids[1], "strength": 0.5}], "v1", datetime.now(UTC).isoformat(), 10
    )
    every_task = [f"t-{concept_id}" for concept_id in ids]
    assert MasteryStore(graph).run_ingest(lambda tx: read_transfer(tx, every_task)) == ({}, None)
    assert read_transfer_edges(graph, ids, limit=10).edges == []
    planning = PlanStore(graph)
    assert planning.transfer_edges(CURRICULUM) == []
    assert planning.curriculum_stamps(CURRICULUM).transfer_version is None
