from __future__ import annotations

import numpy as np
import torch

from kgplatform.transfer.data import (
    EDGE_ATTR_NAMES,
    ConceptTable,
    log_from_columns,
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


def test_answer_columns_become_a_response_log() -> None:
    concepts = ConceptTable(("a", "b"), ("A", "B"), np.array([np.nan, 0.5]))
    answers = {
        "learner_ids": ["l1", "l1", "l2", "l3"],
        "event_ids": ["e1", "e2", "e3", "e4"],
        "task_ids": ["t1", "t2", "t3", "t4"],
        "correct": [1.0, 0.0, 1.0, 0.5],
    }
    task_concepts = {"t1": ["a", "b"], "t2": ["b"], "t3": ["zzz"], "t4": ["zzz", "b"]}
    log = log_from_columns(answers, task_concepts, concepts)
    assert log.skill.tolist() == [0, 1, 1, 1]
    assert log.response.tolist() == [0, 0, 1, 2]  # one answer on a two-concept task is one response
    assert log.user.tolist() == [0, 0, 0, 1] and log.user_labels == ("l1", "l3")  # l2 had no known concept
    assert log.problem_labels == ("t1", "t2", "t4") and log.correct.tolist() == [1.0, 1.0, 0.0, 0.5]
    assert log.dropped_rows == 2 and log.skill_labels == ("a", "b")
    empty = log_from_columns({k: [] for k in answers}, task_concepts, concepts)
    assert empty.skill.tolist() == [] and empty.dropped_rows == 0
