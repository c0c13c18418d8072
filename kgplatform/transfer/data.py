"""Concepts, prerequisites and answer logs -> one PyG `Data` for the transfer GNN.

Nodes are concepts. Node features: name embedding, prerequisite in/out degree and depth, difficulty,
and success statistics from the training learners' answers. The message-passing graph joins
- prerequisite edges (when the curriculum has them),
- sequence edges: for each concept its top-k successors in learners' sequences (training learners),
- name-similarity edges: each concept's k nearest names (so a concept without answers still has neighbours),
- measured-transfer edges: training pairs with their label (added by `with_label_edges`, see `train.py`),
each also reversed, with edge_attr = [weight, is_reverse, is_sequence, is_semantic, is_prerequisite,
is_measured]. `mask_concepts` makes concepts look as if they had no answers (cold start, and the
training-time augmentation that prepares the model for it).
Pair features for *every* ordered pair (A, B), edge or not, live in `pair_attr` (C, C, F).
The Neo4j side (bulk export of concepts, prerequisites and answers) is `export_from_graph` below.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
from torch_geometric.data import Data

from kgplatform.graph.driver import Graph, Row
from kgplatform.mastery.datasets import ResponseLog
from kgplatform.transfer.empirical import EmpiricalTransfer, FloatArray, IntArray, ResponseView
from kgplatform.transfer.statistics import NODE_STAT_NAMES, PAIR_STAT_NAMES, LogStatistics, compute_statistics
from kgplatform.transfer.store import TransferStore

STRUCTURE_NAMES = ("in_degree", "out_degree", "depth", "difficulty", "difficulty_known", "has_prerequisites")
STRUCTURE_PAIR_NAMES = ("prerequisite", "prerequisite_reverse", "reaches", "reached_by", "name_similarity")
EDGE_ATTR_NAMES = ("weight", "is_reverse", "is_sequence", "is_semantic", "is_prerequisite", "is_measured")


@dataclass(frozen=True, eq=False)
class ConceptTable:
    """What the curriculum says about concepts, independent of answers. `difficulty` is NaN when unknown;
    prerequisite edges are index pairs (source learnt before target)."""

    concept_ids: tuple[str, ...]
    names: tuple[str, ...]
    difficulty: FloatArray
    prereq_src: IntArray = field(default_factory=lambda: np.empty(0, np.int64))
    prereq_dst: IntArray = field(default_factory=lambda: np.empty(0, np.int64))

    @property
    def n(self) -> int:
        return len(self.concept_ids)

    @classmethod
    def from_log(cls, log: ResponseLog) -> ConceptTable:
        """A log without a curriculum (assist2009): skills are concepts, no prerequisites, no difficulty."""
        return cls(tuple(log.skill_labels), tuple(log.skill_names), np.full(len(log.skill_labels), np.nan))

    def prereq_matrix(self) -> np.ndarray:
        m = np.zeros((self.n, self.n), dtype=bool)
        m[self.prereq_src, self.prereq_dst] = True
        np.fill_diagonal(m, False)
        return m


@dataclass(frozen=True)
class GraphOptions:
    sequence_neighbours: int = 5
    semantic_neighbours: int = 5
    # Name vectors are projected on their top principal components: a few hundred concepts cannot support
    # 384 free input dimensions (each concept's raw vector would act as an id to memorise).
    embedding_components: int = 16


def structure_features(concepts: ConceptTable) -> tuple[FloatArray, FloatArray]:
    """Node (C, 6) and pair (C, C, 5 minus similarity) structure from the prerequisite graph."""
    prereq = concepts.prereq_matrix()
    n = concepts.n
    reach = prereq.copy()
    depth = np.zeros(n)
    frontier = prereq.copy()
    for step in range(1, n + 1):  # longest-path depth and transitive closure by repeated products
        has_parent = frontier.any(axis=0)
        if not has_parent.any():
            break
        depth[has_parent] = step
        frontier = (frontier.astype(np.float32) @ prereq.astype(np.float32)) > 0
        reach |= frontier
        if step > 64:  # cycles (real graphs have a few) would never empty the frontier
            break
    known = np.isfinite(concepts.difficulty)
    has_graph = float(prereq.any())
    node = np.stack(
        [
            np.log1p(prereq.sum(axis=0)),
            np.log1p(prereq.sum(axis=1)),
            depth / max(depth.max(), 1.0),
            np.where(known, concepts.difficulty, 0.0),
            known.astype(float),
            np.full(n, has_graph),
        ],
        axis=1,
    )
    pair = np.stack([prereq, prereq.T, reach, reach.T], axis=2).astype(float)
    return node, pair


def build_data(
    concepts: ConceptTable,
    train_log: ResponseLog,
    transfer: EmpiricalTransfer,
    embeddings: FloatArray,
    options: GraphOptions | None = None,
) -> tuple[Data, LogStatistics]:
    """The PyG graph for one training set; answer statistics come from `train_log` alone (the cold-start
    evaluation passes a log without the dropped concepts' answers)."""
    options = options or GraphOptions()
    n = concepts.n
    stats = compute_statistics(ResponseView.from_log(train_log, n), transfer)
    node_struct, pair_struct = structure_features(concepts)
    similarity = embeddings @ embeddings.T
    np.fill_diagonal(similarity, 0.0)

    node, node_cold = _standardise(np.concatenate([stats.node, node_struct], axis=1), stats.node.shape[1])
    reduced = principal_components(embeddings, options.embedding_components)
    x = np.concatenate([reduced, node], axis=1)
    node_cold = np.concatenate([np.full(reduced.shape[1], np.nan), node_cold])
    pair = np.concatenate([stats.pair, pair_struct, similarity[:, :, None]], axis=2)
    pair, pair_cold = _standardise(pair.reshape(n * n, -1), stats.pair.shape[2])
    pair = pair.reshape(n, n, -1)

    src, dst, attr = [], [], []
    prereq = concepts.prereq_matrix()
    p_src, p_dst = np.nonzero(prereq)
    _add_edges(src, dst, attr, p_src, p_dst, np.ones(p_src.size), kind=4)
    for matrix, k, kind in (
        (stats.follow, options.sequence_neighbours, 2),
        (similarity, options.semantic_neighbours, 3),
    ):
        s, d, w = _top_k(matrix, k)
        _add_edges(src, dst, attr, s, d, w, kind=kind)
    data = Data(
        x=torch.tensor(x, dtype=torch.float32),
        edge_index=torch.tensor(np.stack([np.concatenate(src), np.concatenate(dst)]), dtype=torch.long),
        edge_attr=torch.tensor(np.concatenate(attr), dtype=torch.float32),
        pair_attr=torch.tensor(pair, dtype=torch.float32),
        node_cold=torch.tensor(node_cold, dtype=torch.float32),  # NaN: column not from answers
        pair_cold=torch.tensor(pair_cold, dtype=torch.float32),
        num_nodes=n,
    )
    return data, stats


def principal_components(vectors: FloatArray, k: int) -> FloatArray:
    """The vectors' coordinates on their top-k principal axes, scaled to unit variance (SVD, deterministic
    up to sign, which the sign fix below removes)."""
    centred = vectors - vectors.mean(axis=0, keepdims=True)
    k = max(1, min(k, *centred.shape))
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    u = u[:, :k] * np.sign(u[np.abs(u[:, :k]).argmax(axis=0), np.arange(k)])
    return u * np.sqrt(centred.shape[0])


def _top_k(matrix: FloatArray, k: int) -> tuple[IntArray, IntArray, FloatArray]:
    """Each row's k largest positive entries as edges row -> column."""
    if k <= 0 or matrix.size == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    k = min(k, matrix.shape[1] - 1)
    cols = np.argsort(-matrix, axis=1, kind="stable")[:, :k]
    rows = np.repeat(np.arange(matrix.shape[0]), k)
    cols = cols.ravel()
    weight = matrix[rows, cols]
    keep = weight > 0
    return rows[keep], cols[keep], weight[keep]


def _add_edges(
    src: list[IntArray],
    dst: list[IntArray],
    attr: list[FloatArray],
    s: IntArray,
    d: IntArray,
    w: FloatArray,
    kind: int,
) -> None:
    """Appends the edges and their reverses; `kind` is the column of the one-hot edge type."""
    for reverse, (a, b) in enumerate(((s, d), (d, s))):
        features = np.zeros((a.size, len(EDGE_ATTR_NAMES)))
        features[:, 0] = w
        features[:, 1] = reverse
        features[:, kind] = 1.0
        src.append(a.astype(np.int64))
        dst.append(b.astype(np.int64))
        attr.append(features)


def _standardise(values: FloatArray, n_from_answers: int) -> tuple[FloatArray, FloatArray]:
    """Column-standardised values, and the standardised value of "no answers" (raw 0) for the first
    `n_from_answers` columns (NaN for the others, which answers do not change)."""
    mean = values.mean(axis=0)
    std = np.where(values.std(axis=0) > 1e-9, values.std(axis=0), 1.0)
    cold = np.full(values.shape[1], np.nan)
    cold[:n_from_answers] = -mean[:n_from_answers] / std[:n_from_answers]
    return (values - mean) / std, cold


def mask_concepts(data: Data, hidden: torch.Tensor) -> Data:
    """A copy in which the concepts of the bool mask `hidden` (N,) look as if nobody had answered them:
    answer-derived node and pair columns at their no-data values, no sequence or measured edges."""
    if not bool(hidden.any()):
        return data
    out = copy.copy(data)
    node_cols = ~torch.isnan(data.node_cold)
    x = data.x.clone()
    x[hidden.nonzero().view(-1, 1), node_cols.nonzero().view(1, -1)] = data.node_cold[node_cols]
    pair_cols = ~torch.isnan(data.pair_cold)
    pair = data.pair_attr.clone()
    touched = hidden[:, None] | hidden[None, :]
    pair[touched.unsqueeze(-1) & pair_cols] = data.pair_cold.expand_as(pair)[
        touched.unsqueeze(-1) & pair_cols
    ]
    src, dst = data.edge_index
    from_answers = (data.edge_attr[:, EDGE_ATTR_NAMES.index("is_sequence")] > 0) | (
        data.edge_attr[:, EDGE_ATTR_NAMES.index("is_measured")] > 0
    )
    keep = ~(from_answers & (hidden[src] | hidden[dst]))
    out.x, out.pair_attr = x, pair
    out.edge_index, out.edge_attr = data.edge_index[:, keep], data.edge_attr[keep]
    return out


def with_label_edges(data: Data, pairs: torch.Tensor, values: torch.Tensor) -> Data:
    """A copy with measured-transfer edges source -> target (and reversed), weight = the (scaled) label."""
    if pairs.size(1) == 0:
        return data
    out = copy.copy(data)
    attr = torch.zeros(2 * pairs.size(1), data.edge_attr.size(1))
    attr[:, 0] = torch.cat([values, values])
    attr[pairs.size(1) :, EDGE_ATTR_NAMES.index("is_reverse")] = 1.0
    attr[:, EDGE_ATTR_NAMES.index("is_measured")] = 1.0
    out.edge_index = torch.cat([data.edge_index, pairs, pairs.flip(0)], dim=1)
    out.edge_attr = torch.cat([data.edge_attr, attr])
    return out


FEATURE_NAMES = {"node": NODE_STAT_NAMES + STRUCTURE_NAMES, "pair": PAIR_STAT_NAMES + STRUCTURE_PAIR_NAMES}


def export_from_graph(graph: Graph) -> tuple[ConceptTable, ResponseLog]:
    """Bulk export (four queries, not one per node): concepts, prerequisites, every answer as columns and
    each task's concepts, as a ConceptTable and a ResponseLog whose skill codes index the concepts."""
    store = TransferStore(graph)
    answers, task_concepts = store.answer_columns(), store.task_concepts()
    concept_rows = in_answered_curricula(store.concepts(), answers["task_ids"], task_concepts)
    ids = tuple(str(r["id"]) for r in concept_rows)
    index = {cid: i for i, cid in enumerate(ids)}
    difficulty = np.array(
        [np.nan if r["difficulty"] is None else float(r["difficulty"]) for r in concept_rows]
    )
    edges = [
        (index[r["source"]], index[r["target"]])
        for r in store.prerequisites()
        if r["source"] in index and r["target"] in index
    ]
    src = np.array([e[0] for e in edges], dtype=np.int64)
    dst = np.array([e[1] for e in edges], dtype=np.int64)
    concepts = ConceptTable(ids, tuple(str(r["name"] or r["id"]) for r in concept_rows), difficulty, src, dst)
    return concepts, log_from_columns(answers, task_concepts, concepts)


def in_answered_curricula(
    concept_rows: Sequence[Row], answered_tasks: Sequence[str], task_concepts: Mapping[str, Sequence[str]]
) -> list[Row]:
    """The concepts of the curricula some answer reaches. A curriculum nobody answered in adds no
    evidence, only pairs to predict (C^2 of them): an idle 2,000-concept import once made a retrain take
    six minutes instead of 24 s. Its concepts join the model at the first retrain after an answer."""
    answered = {c for task in set(answered_tasks) for c in task_concepts.get(task, ())}
    in_use = {r["curriculum_id"] for r in concept_rows if r["id"] in answered}
    return [r for r in concept_rows if r["curriculum_id"] in in_use]


def log_from_columns(
    answers: Mapping[str, Sequence[Any]], task_concepts: Mapping[str, Sequence[str]], concepts: ConceptTable
) -> ResponseLog:
    """The training log: one row per answer and concept its task exercises (concepts outside the table
    are dropped and counted). `answers` holds aligned columns learner_ids, event_ids, task_ids, correct,
    oldest first per learner; learners, tasks and answers are coded in order of first appearance."""
    index = {cid: i for i, cid in enumerate(concepts.concept_ids)}
    task_ids = [str(t) for t in answers["task_ids"]]
    task_code: dict[str, int] = {}
    task_of_answer = np.fromiter(
        (task_code.setdefault(t, len(task_code)) for t in task_ids), np.int64, len(task_ids)
    )
    named = [task_concepts.get(t, ()) for t in task_code]
    kept_concepts = [[index[c] for c in cs if c in index] for cs in named]
    per_task = np.array([len(k) for k in kept_concepts], dtype=np.int64)
    dropped_per_task = np.array([len(cs) for cs in named], dtype=np.int64) - per_task
    # Rows: each answer repeated once per kept concept of its task, concepts in the task's order.
    counts = per_task[task_of_answer] if task_ids else np.zeros(0, np.int64)
    answer_of_row = np.repeat(np.arange(len(task_ids)), counts)
    flat = np.array([c for k in kept_concepts for c in k], dtype=np.int64)
    task_start = np.concatenate([[0], np.cumsum(per_task)[:-1]]) if len(per_task) else np.zeros(0, np.int64)
    position = np.arange(answer_of_row.size) - np.repeat(np.cumsum(counts) - counts, counts)
    skill = flat[task_start[task_of_answer[answer_of_row]] + position] if answer_of_row.size else flat[:0]
    kept = counts > 0
    learners = tuple(dict.fromkeys(str(x) for x, k in zip(answers["learner_ids"], kept, strict=True) if k))
    tasks = tuple(dict.fromkeys(t for t, k in zip(task_ids, kept, strict=True) if k))
    learner_code = {lid: i for i, lid in enumerate(learners)}
    problem_code = {tid: i for i, tid in enumerate(tasks)}
    event_code: dict[str, int] = {}
    rows_of = answer_of_row.tolist()
    learner_ids, event_ids = answers["learner_ids"], answers["event_ids"]
    correct = np.asarray(answers["correct"], dtype=np.float64)
    return ResponseLog(
        user=np.array([learner_code[str(learner_ids[a])] for a in rows_of], dtype=np.int64),
        problem=np.array([problem_code[task_ids[a]] for a in rows_of], dtype=np.int64),
        skill=skill,
        correct=correct[answer_of_row],
        response=np.array(
            [event_code.setdefault(str(event_ids[a]), len(event_code)) for a in rows_of], dtype=np.int64
        ),
        user_labels=learners,
        problem_labels=tasks,
        skill_labels=concepts.concept_ids,
        skill_names=concepts.names,
        dropped_rows=int(dropped_per_task[task_of_answer].sum()) if task_ids else 0,
    )
