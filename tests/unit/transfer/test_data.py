from __future__ import annotations

import numpy as np
import torch

from kgplatform.transfer.data import (
    EDGE_ATTR_NAMES,
    ConceptTable,
    log_from_rows,
    mask_concepts,
    with_label_edges,
)
from tests.unit.transfer.helpers import tiny_problem


def test_graph_shapes_and_edge_types() -> None:
    _, data, _ = tiny_problem()
    assert data.x.shape[0] == 3 and data.pair_attr.shape[:2] == (3, 3)
    assert data.edge_attr.shape == (data.edge_index.shape[1], len(EDGE_ATTR_NAMES))
    prereq = data.edge_attr[:, EDGE_ATTR_NAMES.index("is_prerequisite")] > 0
    forward = prereq & (data.edge_attr[:, EDGE_ATTR_NAMES.index("is_reverse")] == 0)
    assert data.edge_index[:, forward].tolist() == [[0], [1]]


def test_masking_a_concept_removes_its_answer_evidence_only() -> None:
    _, data, targets = tiny_problem()
    labelled = with_label_edges(data, targets.pairs, targets.target)
    hidden = torch.tensor([False, True, False])
    masked = mask_concepts(labelled, hidden)
    answer_cols = ~torch.isnan(labelled.node_cold)
    assert torch.equal(masked.x[1, answer_cols], labelled.node_cold[answer_cols])
    assert torch.equal(masked.x[0], labelled.x[0])
    assert torch.equal(masked.x[1, ~answer_cols], labelled.x[1, ~answer_cols])  # name, structure kept
    src, dst = masked.edge_index
    from_answers = (masked.edge_attr[:, EDGE_ATTR_NAMES.index("is_sequence")] > 0) | (
        masked.edge_attr[:, EDGE_ATTR_NAMES.index("is_measured")] > 0
    )
    assert not bool((from_answers & ((src == 1) | (dst == 1))).any())
    assert bool(((src == 1) | (dst == 1)).any())  # prerequisite and name edges stay


def test_answer_rows_become_a_response_log() -> None:
    concepts = ConceptTable(("a", "b"), ("A", "B"), np.array([np.nan, 0.5]))
    rows = [
        {"learner_id": "l1", "event_id": "e1", "correct": 1.0, "task_id": "t1", "concept_id": "a"},
        {"learner_id": "l1", "event_id": "e1", "correct": 1.0, "task_id": "t1", "concept_id": "b"},
        {"learner_id": "l1", "event_id": "e2", "correct": 0.0, "task_id": "t2", "concept_id": "b"},
        {"learner_id": "l2", "event_id": "e3", "correct": 1.0, "task_id": "t2", "concept_id": "zzz"},
    ]
    log = log_from_rows(rows, concepts)
    assert log.skill.tolist() == [0, 1, 1]
    assert log.response.tolist() == [0, 0, 1]  # one answer on a two-concept task is one response
    assert log.dropped_rows == 1 and log.skill_labels == ("a", "b")
