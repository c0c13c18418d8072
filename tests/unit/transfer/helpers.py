"""A small training problem shared by the train and artifact tests."""

from __future__ import annotations

import numpy as np
from torch_geometric.data import Data

from kgplatform.transfer.data import ConceptTable, build_data
from kgplatform.transfer.embeddings import hashed_encoder
from kgplatform.transfer.empirical import EmpiricalOptions, empirical_transfer
from kgplatform.transfer.evaluate import labelled
from kgplatform.transfer.train import PairTargets
from tests.unit.transfer.conftest import transfer_log


def tiny_problem() -> tuple[ConceptTable, Data, PairTargets]:
    log = transfer_log(600)
    concepts = ConceptTable(
        log.skill_labels,
        ("adding fractions", "fraction word problems", "reading graphs"),
        np.array([0.3, 0.6, np.nan]),
        np.array([0]),
        np.array([1]),
    )
    options = EmpiricalOptions(shrinkage=5.0)
    transfer = empirical_transfer(log, 3, options)
    data, _ = build_data(concepts, log, transfer, hashed_encoder(8)(list(concepts.names)))
    targets = labelled(~np.eye(3, dtype=bool), transfer, 1e-9, options.shrinkage)
    return concepts, data, targets
