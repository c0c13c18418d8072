"""The whole operation on a small graph: export, train, checkpoint, publish, read back."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from kgplatform.graph.driver import Graph
from kgplatform.transfer.artifacts import load_checkpoint
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.pipeline import DataUnchanged, PipelineOptions, retrain_from_graph
from kgplatform.transfer.train import TrainConfig
from kgplatform.transfer.writeback import list_models, load_current_transfer
from tests.integration.transfer.answers import answer_row, seed_concepts, write_answers

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def seed_answers(graph: Graph) -> list[str]:
    """Five chained concepts and 120 learners whose answers show the chain's transfer; the concept ids."""
    ids = [f"k{i}" for i in range(5)]
    seed_concepts(graph, "transfer-retrain", ids, NOW, chain=True)
    rng = np.random.default_rng(0)
    rows = []
    for learner in range(120):
        order = rng.permutation(5)
        for step, concept in enumerate(order.tolist()):
            helped = concept > 0 and (concept - 1) in order[:step].tolist()
            rows.append(
                answer_row(
                    f"e{learner}-{step}",
                    f"l{learner}",
                    f"t-k{concept}",
                    float(rng.random() < (0.8 if helped else 0.4)),
                    60 * step,
                )
            )
    write_answers(graph, rows, NOW)
    return ids


def test_retrain_publishes_the_checkpointed_model(graph: Graph, tmp_path: Path) -> None:
    ids = seed_answers(graph)
    options = PipelineOptions(
        min_support=1.0, train=TrainConfig(max_epochs=15, hidden_channels=16, progress=False)
    )
    trained, path, report = retrain_from_graph(
        graph, tmp_path, None, options, write=True, encoder=hashed_encoder(8)
    )
    assert report is not None and report.model_version == trained.model_version
    version, edges = load_current_transfer(graph)
    assert version == trained.model_version
    assert len(edges) == report.edges == int(np.count_nonzero(trained.strengths))
    checkpoint = load_checkpoint(tmp_path)
    assert checkpoint.model_version == version and checkpoint.path == path
    assert checkpoint.concept_ids == tuple(ids)
    np.testing.assert_array_equal(checkpoint.strengths, trained.strengths)
    assert len(checkpoint.ensemble.members) == options.seeds == 3
    np.testing.assert_allclose(checkpoint.predict(), trained.predicted, rtol=1e-5, atol=1e-7)


def test_a_retrain_no_longer_wanted_when_trained_is_checkpointed_and_not_published(
    graph: Graph, tmp_path: Path
) -> None:
    """A nightly job cancelled while its retrain ran: the model was published after the cancel."""
    seed_answers(graph)
    options = PipelineOptions(
        min_support=1.0, train=TrainConfig(max_epochs=5, hidden_channels=8, progress=False)
    )
    asked: list[bool] = []

    def cancelled() -> bool:
        asked.append(False)
        return False

    trained, path, report = retrain_from_graph(
        graph, tmp_path, None, options, write=True, encoder=hashed_encoder(8), still_wanted=cancelled
    )
    assert asked == [False] and report is None and path.exists()
    assert load_current_transfer(graph)[0] is None, "nothing published"
    assert not (tmp_path / "transfer" / "LATEST").exists()


def test_a_retrain_of_unchanged_data_trains_and_publishes_nothing_when_asked(
    graph: Graph, tmp_path: Path
) -> None:
    """The nightly retrain of a night without new answers published a new version of the same data: every
    plan read as stale, and the one retired model kept (a rollback's target) became a copy of the current
    one, the model before it pruned."""
    seed_answers(graph)
    options = PipelineOptions(
        min_support=1.0, train=TrainConfig(max_epochs=5, hidden_channels=8, progress=False)
    )
    first, _, _ = retrain_from_graph(graph, tmp_path, None, options, encoder=hashed_encoder(8))
    with pytest.raises(DataUnchanged) as unchanged:
        retrain_from_graph(graph, tmp_path, None, options, encoder=hashed_encoder(8), skip_unchanged=True)
    assert unchanged.value.version == first.model_version
    assert [m["version"] for m in list_models(graph)] == [first.model_version], "nothing registered"
    assert sorted(p.name for p in (tmp_path / "transfer").iterdir()) == ["LATEST", first.model_version]
    # One more answer is new data: the retrain runs and replaces the model.
    write_answers(graph, [answer_row("e-new", "l0", "t-k1", 1.0, 3600)], NOW)
    second, _, report = retrain_from_graph(
        graph, tmp_path, None, options, encoder=hashed_encoder(8), skip_unchanged=True
    )
    assert report is not None and second.snapshot_hash != first.snapshot_hash
    assert load_current_transfer(graph)[0] == second.model_version
