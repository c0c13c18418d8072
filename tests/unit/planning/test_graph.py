from __future__ import annotations

import pickle
import tracemalloc

import numpy as np
import pytest
from scipy import sparse

from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.errors import ValidationFailed
from kgplatform.planning.graph import ConceptGraph, build_graph, topological_order
from tests.unit.planning.conftest import chain_document


def test_concepts_are_in_topological_order(chain: ConceptGraph) -> None:
    src, dst = np.nonzero(chain.prereq)
    assert np.all(src < dst)
    assert chain.n_concepts == 6 and chain.n_tasks == 12


def test_closure_holds_every_ancestor_and_itself(chain: ConceptGraph) -> None:
    i = chain.index
    assert chain.closure[i["a"], i["d"]] and chain.closure[i["x"], i["d"]] and chain.closure[i["d"], i["d"]]
    assert not chain.closure[i["d"], i["a"]] and not chain.closure[i["z"], i["d"]]


def test_cycles_are_broken_and_reported() -> None:
    order, dropped = topological_order(["p", "q", "r"], [("p", "q"), ("q", "r"), ("r", "p")])
    assert dropped == [("r", "p")]
    assert order == ["p", "q", "r"]


def test_transfer_defaults_to_prerequisites_and_model_edges_replace_it(chain: ConceptGraph) -> None:
    i = chain.index
    assert not chain.transfer_from_model and chain.transfer[i["a"], i["b"]] == 1.0
    modelled = chain.with_transfer([("z", "d", 0.7), ("unknown", "d", 0.9)])
    assert modelled.transfer_from_model
    assert modelled.transfer[i["z"], i["d"]] == 0.7 and modelled.transfer[i["a"], i["b"]] == 0.0


def test_unknown_prerequisite_is_refused_naming_the_field() -> None:
    document = chain_document()
    document["prerequisites"].append({"prerequisite": "nope", "concept": "a", "weight": 1.0})
    with pytest.raises(ValidationFailed) as error:
        build_graph(document)
    assert error.value.field == "prerequisites"


def test_a_pickled_graph_comes_back_exactly_with_its_derived_arrays(chain: ConceptGraph) -> None:
    modelled = chain.with_transfer([("z", "d", 0.7), ("a", "c", 0.25)])
    modelled.pull_levels  # noqa: B018 - derived (cached) arrays travel with the graph
    copy = pickle.loads(pickle.dumps(modelled))
    for name, value in vars(modelled).items():
        if isinstance(value, np.ndarray):
            back = getattr(copy, name)
            assert value.dtype == back.dtype and np.array_equal(value, back), name
    assert copy.concept_ids == modelled.concept_ids and copy.index == modelled.index
    assert "pull_levels" in vars(copy) and copy.transfer_from_model


def test_task_weights_take_memory_by_tasks_not_by_concepts_times_tasks() -> None:
    """A task exercises a concept or two: its weights are kept sparse. Filled into a dense (m, n) matrix
    they cost 216 MB and 0.8 s at 3,000 concepts and 9,000 tasks, paid on every plan miss after a
    curriculum edit (a review, 6 December 2026); here, dense, they would take 80 MB."""
    document = generate_curriculum(1_000, seed=0, tasks_per_concept=10).model_dump()
    dense_bytes = 10_000 * 1_000 * 8
    tracemalloc.start()
    try:
        graph = build_graph(document)
        for derived in ("task_concepts", "task_weights_t", "task_terms", "concept_tasks"):
            getattr(graph, derived)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert graph.n_tasks == 10_000 and graph.n_concepts == 1_000
    assert peak < dense_bytes / 2, f"building the graph peaked at {peak / 1e6:.0f} MB"


def test_task_arrays_are_those_of_the_dense_weights() -> None:
    """The sparse build gives each derived array exactly as the dense (m, n) weights did: shares of
    1 / (concepts listed), a concept listed twice counting in the divisor but holding one cell."""
    document = chain_document()
    document["tasks"] += [
        {"id": "ad", "title": "ad", "kind": "exercise", "difficulty": 0.5, "concepts": ["d", "a"]},
        {"id": "bbz", "title": "bbz", "kind": "exercise", "difficulty": None, "concepts": ["b", "z", "b"]},
        {"id": "c-only", "title": "c", "kind": "exercise", "difficulty": 0.2, "concepts": ["c", "gone"]},
    ]
    graph = build_graph(document)
    i, dense = graph.index, graph.task_rows(np.arange(graph.n_tasks))
    bbz = graph.task_index["bbz"]
    assert dense[bbz, i["b"]] == dense[bbz, i["z"]] == pytest.approx(1 / 3)
    assert dense[graph.task_index["ad"], [i["a"], i["d"]]].tolist() == [0.5, 0.5]
    assert dense[graph.task_index["c-only"], i["c"]] == 1.0
    for c in range(graph.n_concepts):
        expected = np.flatnonzero(dense[:, c])
        assert graph.concept_tasks[c, : expected.size].tolist() == expected.tolist()
        assert (graph.concept_tasks[c, expected.size :] == -1).all()
    assert (graph.task_concepts.toarray() == (dense > 0)).all()
    assert (graph.task_weights_t.toarray() == dense.T.astype(np.float32)).all()
    concepts, terms = graph.task_terms
    for t in range(graph.n_tasks):
        cols = np.flatnonzero(dense[t])
        assert concepts[t, : cols.size].tolist() == cols.tolist()
        assert terms[t, : cols.size].tolist() == dense[t, cols].astype(np.float32).tolist()


def test_concept_matrices_for_products_are_made_without_dense_float_copies() -> None:
    """`prereq_s`, `prereq_t` and `pull_levels` come from the prerequisite edges: made from dense float
    copies of the (n, n) matrix they cost 0.3 s at 3,000 concepts on the first plan after every curriculum
    edit (a review, 6 December 2026); here one float32 copy would take 4 MB."""
    graph = build_graph(generate_curriculum(1_000, seed=0).model_dump())
    dense_float32_bytes = 1_000 * 1_000 * 4
    tracemalloc.start()
    try:
        for derived in ("prereq_s", "prereq_t", "pull_levels"):
            getattr(graph, derived)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < dense_float32_bytes / 2, f"deriving them peaked at {peak / 1e6:.1f} MB"


def test_concept_matrices_for_products_are_those_of_the_dense_formulas() -> None:
    """The same CSR arrays, bit for bit, as the dense float32 conversions gave (`policy.goal_pull` and the
    batch's equality with the one-learner path read them)."""
    graph = build_graph(generate_curriculum(300, seed=3).model_dump())

    def same(made: sparse.csr_array, expected: sparse.csr_array) -> None:
        assert made.shape == expected.shape and made.data.dtype == expected.data.dtype == np.float32
        assert made.indptr.tolist() == expected.indptr.tolist()
        assert made.indices.tolist() == expected.indices.tolist()
        assert made.data.tobytes() == expected.data.tobytes()

    same(graph.prereq_s, sparse.csr_array(graph.prereq.astype(np.float32)))
    same(graph.prereq_t, sparse.csr_array(graph.prereq.T.astype(np.float32)))
    share = (graph.prereq / np.maximum(graph.prereq.sum(axis=0), 1)).astype(np.float32)
    for rows, level in graph.pull_levels:
        same(level, sparse.csr_array(share[rows]))
    assert len(graph.pull_levels) > 3, "the curriculum has several levels"
