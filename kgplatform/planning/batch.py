"""Plans for many learners at once: the same scoring as `policy.plan_for_learner` on learner x concept
matrices, in chunks so memory stays bounded whatever the number of learners.

Memory per chunk is about chunk_size x (n_concepts x (12 + 24 x tasks per concept)) bytes; the
default chunk (`chunk_for`) keeps that near 50 MB for a 1,000-concept curriculum with 3 tasks per concept.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from kgplatform.errors import ValidationFailed
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import (
    ConceptScores,
    Plan,
    PlanConfig,
    build_task,
    pick_facts,
    ranked_tasks,
    score_concepts,
)
from kgplatform.planning.ranking import OFF_PATH, top_concepts

# Not a power of two: with 1,024 learners a row of the (n, L) float32 matrices is 4,096 bytes, every
# row of a column maps to the same cache sets, and transposing one took five times as long (3.1 ms
# against 0.65 ms for 1,000 x 1,000), which cost 10% of the planning.
DEFAULT_CHUNK = 1000
# A large curriculum plans fewer learners per chunk, so that a chunk's (L, n) float32 matrix stays
# near 2 MB, a core's L2 cache here: the dense x sparse products of the scoring (unmet prerequisites,
# blocking counts) then run from cache. At 1,000 concepts, chunks of 500 took 298 instead of 393 ms of
# scoring per 5,000 bench learners (docs/planning.md); below 500 learners per chunk, the per-call costs
# outweigh it, and small curricula were no faster with more than 1,000.
SMALLEST_CHUNK = 500
CHUNK_CELLS = 500_000


def chunk_for(n_concepts: int) -> int:
    """Learners per planning chunk for a curriculum of `n_concepts`: DEFAULT_CHUNK, or down to
    SMALLEST_CHUNK so that chunk x n_concepts stays near CHUNK_CELLS. A multiple of 100, so never a
    power of two (see DEFAULT_CHUNK)."""
    by_cells = CHUNK_CELLS // max(n_concepts, 1) // 100 * 100
    return min(DEFAULT_CHUNK, max(SMALLEST_CHUNK, by_cells))


def chunk_size_for(graph: ConceptGraph, chunk_size: int | None) -> int:
    """A caller's chunk size (None: `chunk_for` the curriculum), refused below 1."""
    size = chunk_for(graph.n_concepts) if chunk_size is None else chunk_size
    if size < 1:
        raise ValidationFailed("chunk_size must be at least 1", field="chunk_size")
    return size


@dataclass(frozen=True, eq=False)
class LearnerMatrix:
    """Estimates of many learners, (L, n) each, columns in the graph's concept order."""

    learner_ids: Sequence[str]
    p_mastery: np.ndarray  # now, after forgetting
    p_peak: np.ndarray  # when last practised
    attempts: np.ndarray
    goals: np.ndarray  # bool
    # (n,) the mastery most entries hold (a concept nobody practised): makes scoring cheaper, and a reason
    # says "a typical learner's" only for a prediction from it (`policy.typical_prediction`).
    typical: np.ndarray | None = None
    # (L, T) bool over the graph's `tag_index`: the tags each learner is interested in (None: nobody).
    interests: np.ndarray | None = None
    # (L, n) int32 the task of each learner's latest answer per concept, -1 where none is known (None:
    # nobody's): `policy.ranked_tasks` offers it again only when no other task fits.
    last_task: np.ndarray | None = None

    def __post_init__(self) -> None:
        shape = (len(self.learner_ids), self.p_mastery.shape[-1])
        for name in ("p_mastery", "p_peak", "attempts", "goals"):
            if getattr(self, name).shape != shape:
                raise ValidationFailed(
                    f"{name} has shape {getattr(self, name).shape}, expected {shape}", field=name
                )
        if self.interests is not None and self.interests.shape[0] != shape[0]:
            raise ValidationFailed(
                f"interests has {self.interests.shape[0]} rows, expected {shape[0]}", field="interests"
            )
        if self.last_task is not None and self.last_task.shape != shape:
            raise ValidationFailed(
                f"last_task has shape {self.last_task.shape}, expected {shape}", field="last_task"
            )

    def rows(self, start: int, stop: int) -> LearnerMatrix:
        return LearnerMatrix(
            self.learner_ids[start:stop],
            self.p_mastery[start:stop],
            self.p_peak[start:stop],
            self.attempts[start:stop],
            self.goals[start:stop],
            self.typical,
            None if self.interests is None else self.interests[start:stop],
            None if self.last_task is None else self.last_task[start:stop],
        )


def pick_matrix(
    graph: ConceptGraph, scores: ConceptScores, config: PlanConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Vectorised `policy.pick_sequence`: (concept, task, kept) arrays of shape (L, n_tasks), each row's
    picks in pick order, the kept ones first.

    Kept picks are exactly the one-learner path's picks before `order_picks`. That path goes through
    every candidate; here each row's best n_tasks candidates are looked at first, and only rows whose
    first round fell short (a task already listed for another concept, none fit) while more
    candidates remain look at twice as many, until each row is full or out of candidates.
    """
    n_rows = scores.parts.base.shape[0]
    concept = np.zeros((n_rows, config.n_tasks), dtype=np.int64)
    task = np.full((n_rows, config.n_tasks), -1, dtype=np.int64)
    kept = np.zeros((n_rows, config.n_tasks), dtype=bool)
    pending, k = np.arange(n_rows), config.n_tasks
    while pending.size:
        k = min(k, graph.n_concepts)
        picks = _picks_among_best(graph, scores, pending, k, config)
        more = picks.short & (k < graph.n_concepts)
        done = pending[~more]
        concept[done], task[done], kept[done] = (values[~more] for values in picks.columns(config.n_tasks))
        pending, k = pending[more], 2 * k
    return concept, task, kept


@dataclass(frozen=True, eq=False)
class _Picks:
    """`pick_sequence` over the best k candidates of some rows: (R, rounds x k) arrays, round by round."""

    concept: np.ndarray
    task: np.ndarray
    kept: np.ndarray
    short: np.ndarray  # (R,) bool: the first round found fewer than n_tasks among k real candidates

    def columns(self, width: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(concept, task, kept), (R, width) each: the kept picks moved first, in their order."""
        order = np.argsort(~self.kept, axis=1, kind="stable")[:, :width]
        pad = ((0, 0), (0, width - order.shape[1]))  # fewer columns than tasks asked for: none kept there
        concept, task, kept = (
            np.pad(np.take_along_axis(values, order, axis=1), pad)
            for values in (self.concept, self.task, self.kept)
        )
        return concept, task, kept


def _picks_among_best(
    graph: ConceptGraph, scores: ConceptScores, rows: np.ndarray, k: int, config: PlanConfig
) -> _Picks:
    """`pick_sequence` for the given rows over their best k candidates (score order): group by group
    (on the goal path or due for review, then off the path: `policy.on_path_count`), round by round,
    each candidate in turn takes its best-ranked task not listed yet, until n_tasks are listed. One
    column per (group, round, candidate) in that order; the loop runs over those few columns, each step
    on every row at once."""
    top, valid = top_concepts(scores.parts.take(rows), k)
    last = None if scores.last_task is None else scores.last_task[rows]
    task_order = ranked_tasks(
        graph,
        scores.p[rows],
        np.where(valid, top, -1),
        config,
        scores.open[rows],
        scores.attempts[rows],
        last,
    )  # (R, k, w)
    n_rows, width = top.shape
    rounds = min(config.max_tasks_per_concept, task_order.shape[-1])
    # Off-path candidates rank after the others (`ranking.OFF_PATH_SHIFT`): slots [0, on_path) are the
    # first group. A placement plan ignores paths: one group.
    off_path = (np.take_along_axis(scores.parts.terms[rows], top, axis=1) & OFF_PATH) > 0
    off_path &= valid & ~scores.placement.reshape(-1)[rows, None]
    on_path = (valid & ~off_path).sum(axis=1)
    listed = np.full((n_rows, config.n_tasks), -1, dtype=np.int64)  # each row's tasks so far
    count = np.zeros(n_rows, dtype=np.int64)
    every_row = np.arange(n_rows)
    concept = np.tile(top, 2 * rounds)
    task = np.full((n_rows, 2 * rounds * width), -1, dtype=np.int64)
    kept = np.zeros((n_rows, 2 * rounds * width), dtype=bool)
    # The picks listed when the first round of the last group the k candidates reach is done: if the
    # row has more candidates than k, later ones would have come next (rows short of n_tasks then look
    # at more, `pick_matrix`).
    reached = np.zeros(n_rows, dtype=np.int64)
    last_group = np.where(on_path == width, 0, 1)
    for column in range(2 * rounds * width):
        group, slot = column // (rounds * width), column % width
        in_group = (slot < on_path) if group == 0 else (slot >= on_path)
        options = task_order[:, slot, :]  # (R, w), best first, -1 padded
        free = (options >= 0) & ~(options[:, :, None] == listed[:, None, :]).any(axis=-1)
        takes = free.any(axis=1) & valid[:, slot] & in_group & (count < config.n_tasks)
        if takes.any():
            chosen = options[every_row, np.argmax(free, axis=1)]
            task[takes, column] = chosen[takes]
            kept[takes, column] = True
            listed[every_row[takes], count[takes]] = chosen[takes]
            count += takes
        if column % (rounds * width) == width - 1:  # the end of a group's first round
            reached = np.where(last_group == group, count, reached)
    short = (reached < config.n_tasks) & valid.all(axis=1)
    return _Picks(concept, task, kept, short)


def plan_order(graph: ConceptGraph, concept: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """(L, P) columns of the kept picks in plan order, -1 padded: `policy.order_picks` on every row.

    Each step takes, per row, the earliest remaining pick that no other remaining pick leads to.
    """
    leads = graph.closure[concept[:, :, None], concept[:, None, :]] & (
        concept[:, :, None] != concept[:, None, :]
    )
    remaining = kept.copy()
    rows = np.arange(concept.shape[0])
    order = np.full(concept.shape, -1, dtype=np.int64)
    for step in range(concept.shape[1]):
        eligible = remaining & ~(leads & remaining[:, :, None]).any(axis=1)
        some = eligible.any(axis=1)
        if not some.any():
            break
        first = np.argmax(eligible, axis=1)
        order[some, step] = first[some]
        remaining[rows[some], first[some]] = False
    return order


def scored_picks(
    graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The learners' concept scores and the picks made from them: (scores, concept, task, kept)."""
    scores = score_concepts(
        graph,
        learners.p_mastery,
        learners.p_peak,
        learners.attempts,
        learners.goals,
        config,
        learners.typical,
        learners.interests,
        learners.last_task,
    )
    concept, task, kept = pick_matrix(graph, scores, config)
    return scores, concept, task, kept


def first_tasks(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> np.ndarray:
    """(L,) the first task of each learner's plan (-1 when there is none), without building reasons.

    What the simulator asks at every step; equal to `plan_batch(...)[i].tasks[0]`.
    """
    return first_picks(graph, learners, config)[1]


def first_picks(
    graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig
) -> tuple[np.ndarray, np.ndarray]:
    """(L,) each the concept and the task of each learner's first plan entry (-1 when there is none): the
    concept a task was picked for, which a task exercising several concepts does not tell."""
    _, concept, task, kept = scored_picks(graph, learners, config)
    # `policy.order_picks` puts first the earliest pick that no other pick leads to.
    leads = graph.closure[concept[:, :, None], concept[:, None, :]] & (
        concept[:, :, None] != concept[:, None, :]
    )
    led_to = (leads & kept[:, :, None]).any(axis=1)
    eligible = kept & ~led_to
    rows, first = np.arange(task.shape[0]), np.argmax(eligible, axis=1)
    some = eligible.any(axis=1)
    return np.where(some, concept[rows, first], -1), np.where(some, task[rows, first], -1)


@dataclass(frozen=True, eq=False)
class ChunkPicks:
    """One chunk's plans as arrays in plan order, (L, K) each with K the longest plan: what both the
    Plan objects (`plan_chunk`) and the cached JSON (`page_json.py`) are written from."""

    concept: np.ndarray
    task: np.ndarray
    count: np.ndarray  # (L,) tasks in each plan: columns [0, count) are real
    facts: dict[str, np.ndarray]  # `policy.pick_facts` of those picks, as arrays
    placement: np.ndarray  # (L,) bool


def chunk_picks(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> ChunkPicks:
    """Scores, picks and orders the plans of one chunk of learners, and gathers what their reasons need."""
    scores, concept, task, kept = scored_picks(graph, learners, config)
    order = plan_order(graph, concept, kept)  # each row's real picks come first (a prefix)
    count = (order >= 0).sum(axis=1)
    width = int(count.max(initial=0))
    at = np.maximum(order[:, :width], 0)
    concept = np.take_along_axis(concept, at, axis=1)
    task = np.take_along_axis(task, at, axis=1)
    facts = pick_facts(graph, scores, learners.p_mastery, concept, task, config)
    return ChunkPicks(concept, task, count, facts, scores.placement)


def plan_chunk(graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig) -> list[Plan]:
    """Full plans with reasons for one chunk of learners."""
    picks = chunk_picks(graph, learners, config)
    facts = {name: values.tolist() for name, values in picks.facts.items()}
    placement, counts = picks.placement.tolist(), picks.count.tolist()
    concepts, tasks_ = picks.concept.tolist(), picks.task.tolist()
    plans = []
    for row, learner_id in enumerate(learners.learner_ids):
        row_facts = {name: values[row] for name, values in facts.items()}
        c, t = concepts[row], tasks_[row]
        tasks = tuple(
            build_task(graph, row_facts, j, placement[row], j + 1, (c[j], 0, t[j]))
            for j in range(counts[row])
        )
        plans.append(Plan(learner_id=learner_id, tasks=tasks, placement=placement[row]))
    return plans


def plan_batch(
    graph: ConceptGraph, learners: LearnerMatrix, config: PlanConfig, chunk_size: int | None = None
) -> Iterator[list[Plan]]:
    """Plans for every learner, one list per chunk of `chunk_size` learners (default: `chunk_for` the
    curriculum), in input order."""
    chunk_size = chunk_size_for(graph, chunk_size)
    for start in range(0, len(learners.learner_ids), chunk_size):
        yield plan_chunk(graph, learners.rows(start, start + chunk_size), config)
