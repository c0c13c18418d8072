from __future__ import annotations

import pickle

import numpy as np
import pytest

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
