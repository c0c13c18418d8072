"""Publishes that must not replace the current model, and one that must not fail: against Neo4j."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from kgplatform.curriculum import service as curriculum
from kgplatform.curriculum.models import ConceptIn
from kgplatform.errors import Conflict, PreconditionFailed
from kgplatform.graph.driver import Graph
from kgplatform.transfer import writeback
from kgplatform.transfer.artifacts import latest_version
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.pipeline import PipelineOptions, retrain_from_graph
from kgplatform.transfer.store import TransferStore
from kgplatform.transfer.train import TrainConfig
from kgplatform.transfer.writeback import edge_rows, load_current_transfer, write_model
from tests.integration.transfer.answers import answer_row, seed_concepts, write_answers

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def seed_curriculum(graph: Graph, n: int, created_at: datetime = NOW) -> list[str]:
    ids = [f"k{i}" for i in range(n)]
    seed_concepts(graph, "transfer-refusals", ids, created_at)
    return ids


def test_a_retrain_on_answers_of_one_concept_leaves_the_current_model_and_latest(
    graph: Graph, tmp_path: Path
) -> None:
    ids = seed_curriculum(graph, 4)
    write_model(graph, "v-good", [{"source": ids[0], "target": ids[1], "strength": 0.3}], "h", {})
    rng = np.random.default_rng(0)
    write_answers(
        graph,
        [
            answer_row(f"e{learner}-{step}", f"l{learner}", "t-k0", float(rng.random() < 0.5), 60 * step)
            for learner in range(30)
            for step in range(4)
        ],
        NOW,
    )
    options = PipelineOptions(
        min_support=1.0, train=TrainConfig(max_epochs=3, hidden_channels=8, progress=False)
    )
    with pytest.raises(PreconditionFailed, match="concept pairs"):
        retrain_from_graph(graph, tmp_path, None, options, write=True, encoder=hashed_encoder(8))
    assert load_current_transfer(graph) == ("v-good", [(ids[0], ids[1], 0.3)])
    assert not (tmp_path / "transfer").exists() or not list((tmp_path / "transfer").iterdir())
    assert not (tmp_path / "transfer" / "LATEST").exists()


def test_a_curriculum_too_small_for_the_pairs_needed_is_refused_before_any_work(
    graph: Graph, tmp_path: Path
) -> None:
    """3 concepts have 6 ordered pairs, fewer than the 10 training pairs required: say so at once,
    not after the export, the embeddings and the label (a reviewer's 2,000 learners on 3 concepts)."""
    seed_curriculum(graph, 3)
    write_answers(
        graph,
        [
            answer_row(f"e{learner}-{k}", f"l{learner}", f"t-k{k}", 1.0, 60 * k)
            for learner in range(10)
            for k in range(3)
        ],
        NOW,
    )
    with pytest.raises(
        PreconditionFailed, match="reach have 3 concepts; the transfer model needs at least 4"
    ):
        retrain_from_graph(graph, tmp_path, None, PipelineOptions(), write=True, encoder=hashed_encoder(8))


def test_a_graph_without_answers_is_refused_saying_so(graph: Graph, tmp_path: Path) -> None:
    """The export keeps the curricula answers reach: a fresh install's 30 concepts were reported as "the
    graph has 0 concepts", which sent operators looking for a missing curriculum."""
    seed_curriculum(graph, 30)
    with pytest.raises(PreconditionFailed, match="the graph has no answers yet"):
        retrain_from_graph(graph, tmp_path, None, PipelineOptions(), write=True, encoder=hashed_encoder(8))


def test_a_concept_deleted_between_export_and_publish_only_drops_its_edges(graph: Graph) -> None:
    ids = seed_curriculum(graph, 4)
    strengths = np.zeros((4, 4))
    strengths[0, 1] = strengths[1, 2] = strengths[2, 3] = strengths[3, 0] = 0.2
    rows = edge_rows(tuple(ids), strengths)
    graph.write("testing/delete_concepts_by_prefix", prefix=ids[3], curriculum_id="no such curriculum")
    report = write_model(graph, "v-after-delete", rows, "h", {}, batch_size=2)
    version, edges = load_current_transfer(graph)
    assert version == "v-after-delete" and report.edges == 2
    assert sorted(edges) == [(ids[0], ids[1], 0.2), (ids[1], ids[2], 0.2)]


def test_a_concept_deleted_and_created_again_under_its_id_gets_none_of_the_old_ones_edges(
    graph: Graph,
) -> None:
    """The model learnt k3 before a designer deleted it and created another k3: a publish of that model
    gave the new concept the old one's transfer, which steered every plan through it until the next
    retrain. Its rows now write nothing, as a deleted concept's do."""
    ids = seed_curriculum(graph, 4)
    strengths = np.zeros((4, 4))
    strengths[0, 1] = strengths[1, 2] = strengths[2, 3] = strengths[3, 0] = 0.2
    rows = edge_rows(tuple(ids), strengths)
    read_at = NOW + timedelta(hours=1)  # the export, after the old k3 was made and before the new one
    graph.write("testing/delete_concepts_by_prefix", prefix=ids[3], curriculum_id="no such curriculum")
    curriculum.create_concept(graph, "transfer-refusals", ConceptIn(id=ids[3], name="another k3"), "designer")
    report = write_model(graph, "v-reused-id", rows, "h", {}, batch_size=2, data_at=read_at)
    version, edges = load_current_transfer(graph)
    assert version == "v-reused-id" and report.edges == 2
    assert sorted(edges) == [(ids[0], ids[1], 0.2), (ids[1], ids[2], 0.2)]


def test_a_concept_deleted_while_the_edges_are_written_only_drops_its_edges(
    graph: Graph, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deleted after its edges were written, before the count: DETACH DELETE took them along, the count
    fell short of the rows written, and the whole publish was refused as 'a batch applied twice?' (a
    review, 1 December). It is judged as a concept deleted before the publish is."""
    ids = seed_curriculum(graph, 4)
    strengths = np.zeros((4, 4))
    strengths[0, 1] = strengths[1, 2] = strengths[2, 3] = strengths[3, 0] = 0.2
    rows = edge_rows(tuple(ids), strengths)
    count_edges = TransferStore.count_edges

    def delete_then_count(store: TransferStore, version: str) -> int:
        graph.write("testing/delete_concepts_by_prefix", prefix=ids[3], curriculum_id="no such curriculum")
        return count_edges(store, version)

    monkeypatch.setattr(TransferStore, "count_edges", delete_then_count)
    report = write_model(graph, "v-during-delete", rows, "h", {}, batch_size=2)
    version, edges = load_current_transfer(graph)
    assert version == "v-during-delete" and report.edges == 2
    assert sorted(edges) == [(ids[0], ids[1], 0.2), (ids[1], ids[2], 0.2)]


def test_a_model_whose_concepts_are_mostly_gone_does_not_replace_the_current_one(graph: Graph) -> None:
    ids = seed_curriculum(graph, 4)
    write_model(graph, "v-good", [{"source": ids[0], "target": ids[1], "strength": 0.3}], "h", {})
    strengths = np.zeros((4, 4))
    strengths[0, 1] = strengths[1, 2] = strengths[2, 3] = strengths[3, 0] = 0.2
    rows = edge_rows(tuple(ids), strengths)
    for gone in ids[2:]:  # 3 of the 4 edges touch k2 or k3
        graph.write("testing/delete_concepts_by_prefix", prefix=gone, curriculum_id="no such curriculum")
    with pytest.raises(Conflict, match="only 1 of 4 edges"):
        write_model(graph, "v-stale", rows, "h", {}, batch_size=2)
    assert load_current_transfer(graph) == ("v-good", [(ids[0], ids[1], 0.3)])
    assert [m["version"] for m in TransferStore(graph).models()] == ["v-good"]


def test_a_model_of_older_data_never_replaces_one_of_newer_data(graph: Graph) -> None:
    ids = seed_curriculum(graph, 3, created_at=NOW - timedelta(days=1))
    newer = [{"source": ids[0], "target": ids[1], "strength": 0.5}]
    older = [{"source": ids[1], "target": ids[2], "strength": 0.1}]
    write_model(graph, "v-newer", newer, "h2", {}, data_at=NOW)
    with pytest.raises(Conflict, match="newer data"):
        write_model(graph, "v-older", older, "h1", {}, data_at=NOW - timedelta(hours=1))
    assert load_current_transfer(graph) == ("v-newer", [(ids[0], ids[1], 0.5)])
    assert [m["version"] for m in TransferStore(graph).models()] == ["v-newer"]  # the refused one is gone
    write_model(graph, "v-newest", older, "h3", {}, data_at=NOW + timedelta(hours=1))
    assert load_current_transfer(graph)[0] == "v-newest"


def write_shuffled_answers(graph: Graph, ids: list[str]) -> None:
    """80 learners answering the 4 concepts' tasks once each, in a random order."""
    rng = np.random.default_rng(1)
    write_answers(
        graph,
        [
            {
                "event_id": f"e{learner}-{step}",
                "learner_id": f"l{learner}",
                "task_id": f"t-{ids[concept]}",
                "correct": float(rng.random() < 0.6),
                "at_s": 1_700_000_000 + 60 * step,
                "at_ns": 0,
                "duration_s": None,
            }
            for learner in range(80)
            for step, concept in enumerate(rng.permutation(4).tolist())
        ],
        NOW,
    )


TINY = PipelineOptions(
    min_support=1.0, min_train_pairs=2, train=TrainConfig(max_epochs=3, hidden_channels=8, progress=False)
)


def test_latest_moves_only_when_the_publish_succeeds(graph: Graph, tmp_path: Path) -> None:
    """A retrain whose publish is refused keeps its checkpoint, but LATEST still names the published one."""
    write_shuffled_answers(graph, seed_curriculum(graph, 4))
    options = TINY
    first, _, _ = retrain_from_graph(graph, tmp_path, None, options, encoder=hashed_encoder(8))
    assert latest_version(tmp_path) == first.model_version
    # a model of data read in the future is current: the next retrain's publish is refused
    write_model(graph, "v-future", [], "h", {}, data_at=datetime.now(UTC) + timedelta(days=1))
    with pytest.raises(Conflict):
        retrain_from_graph(graph, tmp_path, None, options, encoder=hashed_encoder(8))
    assert latest_version(tmp_path) == first.model_version
    retrain_from_graph(graph, tmp_path, None, options, write=False, encoder=hashed_encoder(8))
    assert latest_version(tmp_path) == first.model_version


def test_latest_stays_with_a_newer_model_published_while_an_older_one_pruned(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Retrain A switches and prunes old versions (seconds on a large model); retrain B of newer data runs
    to the end meanwhile and marks LATEST. A then marked its own, already retired, version (a review,
    1 December): LATEST named a model the graph no longer served."""
    write_shuffled_answers(graph, seed_curriculum(graph, 4))
    prune = writeback.prune_retired
    newer: list[str] = []

    def prune_while_b_retrains(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        if not newer:
            newer.append("running")
            newer[0] = retrain_from_graph(graph, tmp_path, None, TINY, encoder=hashed_encoder(8))[
                0
            ].model_version
        return prune(*args, **kwargs)

    monkeypatch.setattr(writeback, "prune_retired", prune_while_b_retrains)
    older = retrain_from_graph(graph, tmp_path, None, TINY, encoder=hashed_encoder(8))[0].model_version
    assert older != newer[0]
    assert load_current_transfer(graph)[0] == latest_version(tmp_path) == newer[0]


def test_a_version_published_again_is_refused_and_leaves_the_current_model_whole(graph: Graph) -> None:
    """Registering merged onto the existing node: the current model got a second copy of its edges (the
    count check then refused the switch, and the discard skipped the current model, so they stayed)."""
    ids = seed_curriculum(graph, 3)
    rows = [{"source": ids[0], "target": ids[1], "strength": 0.3}]
    write_model(graph, "v1", rows, "h", {"m": 1})
    with pytest.raises(Conflict, match="published once"):
        write_model(graph, "v1", rows, "other", {"m": 2})
    assert load_current_transfer(graph) == ("v1", [(ids[0], ids[1], 0.3)])
    assert [(m["version"], m["status"]) for m in TransferStore(graph).models()] == [("v1", "current")]
    [stored] = graph.read("testing/get_transfer_model", version="v1")
    assert (stored["snapshot_hash"], stored["metrics"]) == ("h", '{"m": 1}')


def test_a_model_claimed_for_discard_is_never_switched_to_and_a_current_one_is_never_claimed(
    graph: Graph,
) -> None:
    ids = seed_curriculum(graph, 3)
    store = TransferStore(graph)
    write_model(graph, "v1", [{"source": ids[0], "target": ids[1], "strength": 0.3}], "h", {})
    assert not store.claim_for_discard("v1")  # current: a failed publish must not delete it
    store.register_model("v2", "h2", {}, 1, NOW.isoformat())
    assert store.claim_for_discard("v2")
    assert not store.activate("v2")
    assert load_current_transfer(graph)[0] == "v1"
    assert {m["version"]: m["status"] for m in store.models()} == {"v1": "current", "v2": "discarding"}


def test_a_retrain_dates_its_data_by_the_database_clock_not_the_workers(
    graph: Graph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data_at is compared with concepts' created_at, stamped by the server: a worker whose clock ran an
    hour ahead let a concept deleted and created again within that hour inherit the old one's edges."""
    from kgplatform.transfer import pipeline

    class HourAhead(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> HourAhead:  # type: ignore[override]
            return super().now(tz) + timedelta(hours=1)  # type: ignore[return-value]

    write_shuffled_answers(graph, seed_curriculum(graph, 4))
    monkeypatch.setattr(pipeline, "datetime", HourAhead)
    before = TransferStore(graph).server_time()
    trained = retrain_from_graph(graph, tmp_path, None, TINY, encoder=hashed_encoder(8))[0]
    after = TransferStore(graph).server_time()
    [stored] = graph.read("testing/get_transfer_model", version=trained.model_version)
    assert before <= stored["data_at"] <= after
