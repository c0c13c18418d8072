"""Fixtures for the mastery integration tests: a small curriculum in the graph, the service (the API is
tests/integration/conftest.py's)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from kgplatform.curriculum.models import TaskPatch
from kgplatform.curriculum.tasks import update_task
from kgplatform.graph.driver import Graph
from kgplatform.mastery.service import MasteryService
from kgplatform.mastery.store import MasteryStore
from kgplatform.mastery.synthetic import SyntheticCurriculum, make_curriculum
from kgplatform.settings import get_settings


def load_curriculum(graph: Graph, curriculum: SyntheticCurriculum) -> None:
    graph.write("testing/create_mastery_curriculum", **curriculum.query_params(), now=datetime.now(UTC))


def edit_task_concepts(graph: Graph, task_id: str, concept_ids: list[str]) -> None:
    """A designer's change of the concepts a task exercises (a structural change: the revision moves)."""
    [row] = graph.read("curriculum/get_task", id=task_id)
    update_task(graph, task_id, f'"{row["task"]["version"]}"', TaskPatch(concepts=concept_ids), "designer")


# A published transfer model's edges between the synthetic curriculum's concepts (`publish_test_transfer`).
TEST_TRANSFER_EDGES = [
    {"source": "c0000", "target": "c0005", "strength": 0.6},
    {"source": "c0002", "target": "c0003", "strength": 0.3},
    {"source": "c0003", "target": "c0002", "strength": 0.2},
]


def publish_test_transfer(graph: Graph) -> None:
    graph.write(
        "testing/create_transfer_edges",
        edges=TEST_TRANSFER_EDGES,
        model_version="gnn-test",
        now=datetime.now(UTC),
    )


def all_mastery(graph: Graph) -> list[dict[str, Any]]:
    return graph.read("testing/list_all_mastery")


def counts(graph: Graph) -> dict[str, int]:
    return graph.read("testing/count_mastery_data")[0]


@pytest.fixture
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A models folder of the test's own, named by the settings the CLI reads (fitted tracer parameters)."""
    monkeypatch.setenv("KGP_PATHS__MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield tmp_path / "models"
    get_settings.cache_clear()


@pytest.fixture
def curriculum(graph: Graph) -> SyntheticCurriculum:
    """12 concepts in a prerequisite chain, 40 tasks (every fourth exercises two concepts)."""
    made = make_curriculum(12, 40, seed=3)
    load_curriculum(graph, made)
    return made


@pytest.fixture
def service(graph: Graph) -> MasteryService:
    return MasteryService(MasteryStore(graph))
