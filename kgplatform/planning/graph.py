"""The curriculum as dense arrays: what planning and simulation compute on.

Concepts are numbered 0..n-1 in a topological order of the prerequisite graph, so "respects
prerequisites" is just "sorted by index". Real graphs may hold cycles (Junyi has a 3-cycle and two
self-loops); those edges cannot mean "learn first", so the few edges closing a cycle are dropped
and listed in `dropped_edges` rather than failing the whole plan.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from scipy import sparse

from kgplatform.errors import ValidationFailed

log = logging.getLogger(__name__)
# Whether a last_task_id that is no string was logged yet: once per process, since every plan read meets
# the same stored value again (a nightly run would log it once per page and learner).
_unusable_logged = threading.Event()


def _no_task_id(value: object) -> int:
    """-1 (no last task known) for a `last_task_id` that is not a string. Only the ingest writes the
    property, always a task id or null, but a value set by hand (cypher-shell: an integer, a list) reached
    the planners as is, and a list made both raise (unhashable); an integer, never a key, read as none."""
    if value is not None and not _unusable_logged.is_set():
        _unusable_logged.set()
        log.warning(
            "a MASTERY last_task_id is %r (%s), not a task id: the planners read it as no last task "
            "known (logged once per process; the learner's next answer on the concept replaces it)",
            value,
            type(value).__name__,
        )
    return -1


@dataclass(frozen=True, eq=False)  # identity equality: cached per object, arrays are not hashable
class ConceptGraph:
    """Concepts in topological order, their prerequisite closure, tasks, and transfer strengths.

    Shapes: n concepts, m tasks. `prereq[i, j]`: i is a direct prerequisite of j. `closure[i, j]`:
    i == j or i leads to j. `task_weights[t, c]`: share of task t spent on concept c (rows sum to 1), a
    float64 CSR: a task exercises a concept or two, so a dense (m, n) matrix was almost all zeros and
    grew as concepts x tasks (216 MB at 3,000 concepts and 9,000 tasks; `task_rows` gives rows dense).
    `concept_tasks[c]`: the tasks exercising c, padded with -1. `transfer[i, j]`: how much
    practising i helps j (TRANSFERS_TO strengths, else derived from prerequisites). `concept_names` and
    `task_titles` are what a plan shows beside its ids (`policy.PlannedTask`): taken with the arrays the
    planner reads anyway, so that serving a plan looks nothing up.
    """

    concept_ids: tuple[str, ...]
    concept_names: tuple[str, ...]
    prereq: np.ndarray
    closure: np.ndarray
    task_ids: tuple[str, ...]
    task_titles: tuple[str, ...]
    task_difficulty: np.ndarray
    task_weights: sparse.csr_array
    concept_tasks: np.ndarray
    transfer: np.ndarray
    transfer_from_model: bool
    dropped_edges: tuple[tuple[str, str], ...] = ()
    # Per concept its designer-given tags, in the given order: a learner's interests match them.
    concept_tags: tuple[tuple[str, ...], ...] = ()
    index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    task_index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    # Pickled (to planning worker processes) with its big mostly-zero transfer matrix as a sparse one, as
    # the task weights are kept (they were dense too: 24 MB for a 1,000-concept curriculum, which a
    # spawning parent spent most of a second writing). The round trip is exact (the same float64 values).
    _SPARSE_WHEN_PICKLED = ("transfer",)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        for name in self._SPARSE_WHEN_PICKLED:
            state[name] = sparse.csr_array(state[name])
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in self._SPARSE_WHEN_PICKLED:
            state[name] = state[name].toarray()
        self.__dict__.update(state)  # frozen: no __setattr__, as dataclasses' own unpickling does

    @property
    def n_concepts(self) -> int:
        return len(self.concept_ids)

    @property
    def n_tasks(self) -> int:
        return len(self.task_ids)

    def task_rows(self, tasks: np.ndarray) -> np.ndarray:
        """(k, n) float64 the weights of the given task numbers' rows, dense: what a simulated step reads."""
        return self.task_weights[tasks].toarray()

    def task_numbers(self, task_ids: Iterable[object]) -> np.ndarray:
        """(k,) int32 the given ids of the tasks last answered (MASTERY's `last_task_id`) as this graph's
        task numbers, -1 for none kept (None or ""), for a task no longer in the graph and for a value that
        is no task id at all: the one rule both planners read them by (`service.last_tasks`,
        `page_rows.compact_rows`)."""
        lookup = self.task_index.get
        return np.array(
            [lookup(t, -1) if isinstance(t, str) else _no_task_id(t) for t in task_ids], dtype=np.int32
        )

    # Sparse copies for matrix products: a dense (L, n) @ sparse (n, n) costs L x edges, not L x n^2,
    # and each output element sums the same terms in the same order for one learner or a batch.
    @cached_property
    def prereq_s(self) -> sparse.csr_array:
        return marks_csr(self.prereq)

    @cached_property
    def prereq_t(self) -> sparse.csr_array:
        return marks_csr(self.prereq.T)

    @cached_property
    def closure_t(self) -> sparse.csr_array:
        """closure transposed: `x @ closure_t` sums x over each concept's descendants (itself included)."""
        return sparse.csr_array(self.closure.T.astype(np.float32))

    @cached_property
    def closure_s(self) -> sparse.csr_array:
        return sparse.csr_array(self.closure.astype(np.float32))

    @cached_property
    def pull_levels(self) -> tuple[tuple[np.ndarray, sparse.csr_array], ...]:
        """Concepts grouped by height (the longest prerequisite chain from them to a concept nothing
        builds on), lowest first from height 1, each with the (k, n) float32 CSR of its shares:
        share[i, c] = 1 / (prerequisites of c) when i is a prerequisite of c (`policy.goal_pull`)."""
        n = self.n_concepts
        edges = self.prereq_s
        height = np.zeros(n, dtype=np.int64)
        for i in range(n - 1, -1, -1):  # topological order: every dependant's height is final
            dependants = edges.indices[edges.indptr[i] : edges.indptr[i + 1]]
            if dependants.size:
                height[i] = height[dependants].max() + 1
        # The shares from the edges alone: dividing the dense (n, n) matrix made two copies of it (72 and
        # 36 MB at 3,000 concepts) on the first plan after every curriculum edit (a review, 6 December
        # 2026). 1 / count in float64, then float32: the value the dense division gave.
        per_column = (1.0 / np.maximum(self.prereq.sum(axis=0), 1)).astype(np.float32)
        share = sparse.csr_array((per_column[edges.indices], edges.indices, edges.indptr), shape=edges.shape)
        levels = []
        for h in range(1, int(height.max(initial=0)) + 1):
            rows = np.flatnonzero(height == h)
            levels.append((rows, share[rows]))
        return tuple(levels)

    @cached_property
    def transfer_s(self) -> sparse.csr_array:
        return sparse.csr_array(self.transfer.astype(np.float32))

    @cached_property
    def transfer_targets(self) -> np.ndarray:
        """(n, 5) per concept, the concepts its practice helps most, strongest first, -1 padded."""
        order = np.argsort(-self.transfer, axis=1, kind="stable")[:, :5]
        strong = np.take_along_axis(self.transfer, order, axis=1) > 0
        targets = np.where(strong, order, -1)
        # Always 5 columns, even with fewer than 5 concepts: the reason codes (`page_json`) read 5 bits.
        return np.pad(targets, ((0, 0), (0, 5 - targets.shape[1])), constant_values=-1)

    @cached_property
    def task_concepts(self) -> sparse.csr_array:
        """(m, n) 1 where a task exercises a concept: `x @ task_concepts` gathers tasks' flags per concept."""
        weights = self.task_weights
        flags = np.ones(weights.indices.size, dtype=np.float32)
        return sparse.csr_array((flags, weights.indices, weights.indptr), shape=weights.shape)

    @cached_property
    def task_weights_t(self) -> sparse.csr_array:
        return sparse.csr_array(self.task_weights.T.astype(np.float32))

    @cached_property
    def ancestor_bits(self) -> np.ndarray:
        """(n, words) uint64: row d is the bit set of the concepts leading to d, itself included."""
        packed = np.packbits(self.closure.T, axis=1, bitorder="little")
        padded = np.zeros((self.n_concepts, -(-packed.shape[1] // 8) * 8), dtype=np.uint8)
        padded[:, : packed.shape[1]] = packed
        return padded.view(np.uint64)

    @cached_property
    def task_terms(self) -> tuple[np.ndarray, np.ndarray]:
        """(m, s) each task's concepts in ascending order and their float32 weights, both 0 padded: the
        terms of `task_weights_t`'s product in the order the sparse product adds them (`difficulty.py`)."""
        weights = self.task_weights  # canonical CSR, no explicit zeros: each task's concepts ascend
        per_task = np.diff(weights.indptr)
        width = max(1, int(per_task.max(initial=0)))
        concepts = np.zeros((self.n_tasks, width), dtype=np.int64)
        terms = np.zeros((self.n_tasks, width), dtype=np.float32)
        rows = np.repeat(np.arange(self.n_tasks), per_task)
        slot = np.arange(rows.size) - weights.indptr[rows]
        concepts[rows, slot] = weights.indices
        terms[rows, slot] = weights.data.astype(np.float32)
        return concepts, terms

    @cached_property
    def shared_tasks(self) -> np.ndarray:
        """(m,) bool: tasks exercising several concepts (only those can reach past a prerequisite)."""
        return (self.task_terms[1] > 0).sum(axis=-1) > 1

    @cached_property
    def has_shared_task(self) -> np.ndarray:
        """(n,) bool: concepts with at least one task that also exercises another concept."""
        slots = self.concept_tasks
        return (self.shared_tasks[np.maximum(slots, 0)] & (slots >= 0)).any(axis=-1)

    @cached_property
    def tag_index(self) -> dict[str, int]:
        """The tags some concept carries, numbered in sorted order: the columns of a learner's interests."""
        return {tag: k for k, tag in enumerate(sorted({t for tags in self.concept_tags for t in tags}))}

    @cached_property
    def tag_names(self) -> tuple[str, ...]:
        """The tags of `tag_index`, by number."""
        return tuple(self.tag_index)

    @cached_property
    def concept_tag_ids(self) -> np.ndarray:
        """(n, w) int64: each concept's tags as `tag_index` numbers in the concept's own order, -1 padded."""
        width = max([1, *(len(tags) for tags in self.concept_tags)])
        ids = np.full((self.n_concepts, width), -1, dtype=np.int64)
        for c, tags in enumerate(self.concept_tags):
            ids[c, : len(tags)] = [self.tag_index[t] for t in tags]
        return ids

    @cached_property
    def tag_concepts(self) -> np.ndarray:
        """(T, n) bool: which concepts carry each tag."""
        marks = np.zeros((len(self.tag_index), self.n_concepts), dtype=bool)
        concepts, slots = np.nonzero(self.concept_tag_ids >= 0)
        marks[self.concept_tag_ids[concepts, slots], concepts] = True
        return marks

    @cached_property
    def reason_parts(self) -> dict[tuple[tuple[int, ...], int | None, int, int], str]:
        """Reused words of reasons (`reasons.describe`), which depend only on this graph and the key."""
        return {}

    @cached_property
    def reason_codes(self) -> dict[int, str]:
        """The same words keyed by one integer per pick (`page_json._middle_codes`)."""
        return {}

    @cached_property
    def has_tasks(self) -> np.ndarray:
        """(n,) bool: concepts that at least one task exercises (only those can be planned)."""
        return self.concept_tasks[:, 0] >= 0

    @cached_property
    def id_rank(self) -> np.ndarray:
        """(n,) int64: each concept's place among the concept ids in sorted order."""
        rank = np.empty(self.n_concepts, dtype=np.int64)
        rank[sorted(range(self.n_concepts), key=self.concept_ids.__getitem__)] = np.arange(self.n_concepts)
        return rank

    @cached_property
    def taskless_prerequisites(self) -> tuple[tuple[int, np.ndarray], ...]:
        """(concept, its direct prerequisites) for each concept no task exercises, in concept order."""
        return tuple((int(c), np.flatnonzero(self.prereq[:, c])) for c in np.flatnonzero(~self.has_tasks))

    @cached_property
    def carriers(self) -> sparse.csr_array:
        """(n, n) CSR: row c holds the concepts with tasks that c leads to through concepts without tasks
        only (its direct dependants with tasks, and those of its taskless dependants, and so on)."""
        sets: list[set[int]] = [set() for _ in range(self.n_concepts)]
        for c in range(self.n_concepts - 1, -1, -1):  # dependants come later in topological order
            for d in np.flatnonzero(self.prereq[c]).tolist():
                sets[c] |= {d} if self.has_tasks[d] else sets[d]
        rows = [np.array(sorted(x), dtype=np.int32) for x in sets]
        indptr = np.concatenate([[0], np.cumsum([r.size for r in rows])]).astype(np.int32)
        indices = np.concatenate(rows) if rows else np.zeros(0, np.int32)
        return sparse.csr_array(
            (np.ones(indices.size, np.float32), indices, indptr), shape=(self.n_concepts,) * 2
        )

    @cached_property
    def centrality(self) -> np.ndarray:
        """(n,) in 0..1: how much of the graph a concept touches (ancestors + descendants)."""
        reach = self.closure.sum(axis=0) + self.closure.sum(axis=1) - 2.0
        top = float(reach.max()) if reach.size else 0.0
        return (reach / top if top > 0 else np.zeros(self.n_concepts)).astype(np.float32)

    def with_transfer(self, edges: Iterable[tuple[str, str, float]]) -> ConceptGraph:
        """A copy whose transfer matrix comes from the transfer model's (source, target, strength) edges."""
        transfer = np.zeros((self.n_concepts, self.n_concepts))
        found = False
        for source, target, strength in edges:
            if source in self.index and target in self.index and source != target:
                transfer[self.index[source], self.index[target]] = max(0.0, float(strength))
                found = True
        if not found:
            return self
        return _replace(self, transfer=transfer, transfer_from_model=True)


def marks_csr(marks: np.ndarray) -> sparse.csr_array:
    """A bool (n, n) matrix as a float32 CSR of ones, found in the bool array: converting it to float32
    first made a dense copy four times its size (36 MB at 3,000 concepts)."""
    return sparse.csr_array(np.ascontiguousarray(marks)).astype(np.float32)


def tag_key(tag: str) -> str:
    """A tag as a learner's interest matches it: trimmed and case-folded ("Sport " is "sport")."""
    return tag.strip().casefold()


SPARSE_BELOW = 0.15
# Curricula whose arrays one API or worker process keeps, the least recently used dropped first: each
# holds dense concept x concept arrays (hundreds of MB at the planner's 5,000-concept limit).
MAX_CACHED_GRAPHS = 8


def propagate(values: np.ndarray, matrix: sparse.csr_array) -> np.ndarray:
    """`values @ matrix` for (..., n) values; mostly-zero values go through a sparse x sparse product.

    Both ways sum each output's terms in ascending source order (zeros add exactly nothing), so one
    learner and a batch get identical numbers; the sparse way costs nonzeros x fan-out, not L x edges.
    """
    if values.ndim == 2 and np.count_nonzero(values) < SPARSE_BELOW * values.size:
        # CSR built straight from the row-major nonzeros (scipy's dense->sparse path goes through COO).
        flat = np.flatnonzero(values)
        rows, cols = np.divmod(flat, values.shape[1])
        indptr = np.zeros(values.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=values.shape[0]), out=indptr[1:])
        left = sparse.csr_array((values.reshape(-1)[flat], cols, indptr), shape=values.shape)
        return (left @ matrix).toarray()
    return values @ matrix


def _replace(graph: ConceptGraph, **changes: Any) -> ConceptGraph:
    values = {name: getattr(graph, name) for name in graph.__dataclass_fields__}
    values.update(changes)
    return ConceptGraph(**values)


def _as_mapping(document: Any) -> Mapping[str, Any]:
    if hasattr(document, "model_dump"):
        return document.model_dump(mode="json")  # type: ignore[no-any-return]
    if isinstance(document, Mapping):
        return document
    raise ValidationFailed("expected a curriculum document (import JSON shape)", field="document")


def topological_order(
    ids: Sequence[str], edges: Iterable[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    """Ids in an order where every kept edge goes forward, and the edges dropped to break cycles.

    Depth-first, visiting in the given order so the result is deterministic; an edge into a node
    still on the stack closes a cycle and is dropped.
    """
    children: dict[str, list[str]] = {i: [] for i in ids}
    for source, target in edges:
        children[source].append(target)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    post: list[str] = []
    dropped: list[tuple[str, str]] = []
    for root in ids:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, next_child = stack[-1]
            kids = children[node]
            if next_child < len(kids):
                stack[-1] = (node, next_child + 1)
                child = kids[next_child]
                if state.get(child) == 1:
                    dropped.append((node, child))
                elif child not in state:
                    state[child] = 1
                    stack.append((child, 0))
            else:
                state[node] = 2
                post.append(node)
                stack.pop()
    return post[::-1], dropped


def tasks_per_concept(task_weights: sparse.csr_array, n: int) -> np.ndarray:
    """(n, width) int64 each concept's tasks in ascending order, padded with -1."""
    task_of = np.repeat(np.arange(task_weights.shape[0]), np.diff(task_weights.indptr))
    by_concept = np.argsort(task_weights.indices, kind="stable")  # tasks ascend within each concept
    concept, task = task_weights.indices[by_concept], task_of[by_concept]
    counts = np.bincount(concept, minlength=n)
    concept_tasks = np.full((n, max(1, int(counts.max(initial=0)))), -1, dtype=np.int64)
    concept_tasks[concept, np.arange(concept.size) - np.repeat(np.cumsum(counts) - counts, counts)] = task
    return concept_tasks


def build_graph(document: Any, transfer_edges: Iterable[tuple[str, str, float]] = ()) -> ConceptGraph:
    """Builds the arrays from an import-shaped curriculum document (dict or CurriculumDocument)."""
    doc = _as_mapping(document)
    given = [str(c["id"]) for c in doc.get("concepts", [])]
    names = {str(c["id"]): str(c.get("name") or c["id"]) for c in doc.get("concepts", [])}
    # Tags as interests match them (`tag_key`); one given twice on a concept counts once, the first
    # mention keeping its place (reasons name it).
    tags = {
        str(c["id"]): tuple(dict.fromkeys(tag_key(str(t)) for t in c.get("tags") or ()))
        for c in doc.get("concepts", [])
    }
    if not given:
        raise ValidationFailed("the curriculum has no concepts", field="concepts")
    known = set(given)
    weights: dict[tuple[str, str], float] = {}
    for row in doc.get("prerequisites", []):
        source, target = str(row["prerequisite"]), str(row["concept"])
        if source not in known or target not in known:
            raise ValidationFailed(
                f"prerequisite {source!r} -> {target!r} names an unknown concept", field="prerequisites"
            )
        weights[(source, target)] = float(row.get("weight", 1.0) or 1.0)
    order, dropped = topological_order(given, list(weights))
    for edge in dropped:
        weights.pop(edge, None)
    index = {cid: i for i, cid in enumerate(order)}
    n = len(order)
    prereq = np.zeros((n, n), dtype=bool)
    for source, target in weights:
        prereq[index[source], index[target]] = True
    closure = np.eye(n, dtype=bool)
    for j in range(n):  # topological: every parent's column is final before its child's
        parents = np.flatnonzero(prereq[:, j])
        if parents.size:
            closure[:, j] |= closure[:, parents].any(axis=1)

    tasks = list(doc.get("tasks", []))
    task_ids = tuple(str(t["id"]) for t in tasks)
    task_titles = tuple(str(t.get("title") or t["id"]) for t in tasks)
    difficulty = np.full(len(tasks), 0.5, dtype=np.float32)
    # The task weights straight as CSR, and each concept's tasks from the same (task, concept) pairs: the
    # dense (m, n) matrix they were filled into and then scanned column by column cost 0.6 s of page
    # faults and 0.2 s of strided scans at 3,000 concepts and 9,000 tasks, on every plan miss after a
    # curriculum edit (a review, 6 December 2026).
    indptr = [0]
    indices: list[int] = []
    shares: list[float] = []
    for t, task in enumerate(tasks):
        concepts = [index[c] for c in task.get("concepts", []) if c in index]
        if not concepts:
            raise ValidationFailed(f"task {task['id']!r} exercises no known concept", field="tasks")
        # A concept listed twice counts in the share's divisor but gets one cell, as it did densely.
        exercised = sorted(set(concepts))
        indices.extend(exercised)
        shares.extend([1.0 / len(concepts)] * len(exercised))
        indptr.append(len(indices))
        if task.get("difficulty") is not None:
            difficulty[t] = float(task["difficulty"])
    task_weights = sparse.csr_array(
        (
            np.array(shares, dtype=np.float64),
            np.array(indices, dtype=np.int32),
            np.array(indptr, dtype=np.int32),
        ),
        shape=(len(tasks), n),
    )
    concept_tasks = tasks_per_concept(task_weights, n)

    # Without a transfer model, practising a prerequisite is taken to help its direct dependants.
    transfer = prereq.astype(float)
    graph = ConceptGraph(
        concept_ids=tuple(order),
        concept_names=tuple(names[c] for c in order),
        prereq=prereq,
        closure=closure,
        task_ids=task_ids,
        task_titles=task_titles,
        task_difficulty=difficulty,
        task_weights=task_weights,
        concept_tasks=concept_tasks,
        transfer=transfer,
        transfer_from_model=False,
        dropped_edges=tuple(dropped),
        concept_tags=tuple(tags[c] for c in order),
        index=index,
        task_index={tid: t for t, tid in enumerate(task_ids)},
    )
    return graph.with_transfer(transfer_edges)
