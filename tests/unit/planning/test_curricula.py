from __future__ import annotations

import pytest

from kgplatform.errors import ValidationFailed
from kgplatform.planning.curricula import load_graph
from kgplatform.settings import get_settings
from tests.shared_data import skip_without_data


def test_generated_curriculum_is_seeded() -> None:
    first, second = (
        load_graph("generated", n_concepts=40, seed=2),
        load_graph("generated", n_concepts=40, seed=2),
    )
    assert first.concept_ids == second.concept_ids and first.n_concepts == 40


def test_junyi_graph_loads_with_its_cycle_and_self_loops_dropped() -> None:
    folder = get_settings().paths.shared_data_dir / "junyi_exercise_graph"
    if not folder.is_dir():
        skip_without_data(f"Junyi exercise graph not found at {folder} (set KGP_PATHS__SHARED_DATA_DIR)")
    graph = load_graph("junyi")
    assert graph.n_concepts == 835 and graph.n_tasks == 835
    assert len(graph.dropped_edges) == 3  # two self-loops and the edge closing the 3-cycle
    assert graph.has_tasks.all()


def test_unknown_curriculum_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationFailed) as error:
        load_graph("nope")
    assert error.value.field == "curriculum"
