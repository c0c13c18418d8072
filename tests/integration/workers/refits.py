"""A refit of the tracer for the tests of the batches' retrace on real workers (`jobs.batch_retrace`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kgplatform.graph.driver import Graph
from kgplatform.mastery import params_store
from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.synthetic import SyntheticCurriculum
from tests.integration.mastery.conftest import all_mastery
from tests.integration.mastery.test_order import ingest, reset
from tests.integration.workers.conftest import WorkerEnv


def save_refit(worker_env: WorkerEnv, refit: TracerParams, tmp_path: Path) -> Path:
    """Makes `refit` the current tracer parameters in a models folder under `tmp_path`, as `kgplatform
    fit-tracer` does; returns the folder, for the workers' KGP_PATHS__MODELS_DIR."""
    models = tmp_path / "models"
    paths = worker_env.settings.paths.model_copy(update={"models_dir": models})
    params_store.save(worker_env.settings.model_copy(update={"paths": paths}), refit)
    return models


def assert_as_one_ingest(
    graph: Graph, synthetic: SyntheticCurriculum, under_refit: MasteryService, log: list[dict[str, Any]]
) -> None:
    """The graph's mastery equals ingesting the whole `log` under the refit (the graph is emptied and
    loaded again to compare)."""
    retraced = all_mastery(graph)
    reset(graph, synthetic)
    ingest(under_refit, log, 5_000)
    assert all_mastery(graph) == retraced
