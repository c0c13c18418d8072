from __future__ import annotations

import numpy as np
import pytest

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.planning.graph import build_graph, propagate
from kgplatform.planning.reach import lead_to


@pytest.mark.parametrize("share", [0.01, 0.5])
def test_lead_to_equals_the_closure_product_on_bit_sets_and_dense_rows(share: float) -> None:
    graph = build_graph(generate_curriculum(150, seed=2))
    marked = np.random.default_rng(3).random((40, graph.n_concepts)) < share
    marked[5] = False  # a learner marking nothing
    expected = propagate(marked.astype(np.float32), graph.closure_t) > 0
    assert np.array_equal(lead_to(graph, marked), expected)
    assert np.array_equal(lead_to(graph, marked[7]), expected[7])  # one learner (n,)
