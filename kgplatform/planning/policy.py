"""Our planning policy: score concepts for a learner, pick tasks, say why.

The scoring works on arrays shaped (..., n) so that the one-learner path here and the batch path
(`batch.py`) share one definition of the maths; they differ only in how the plan is assembled.
Scores are rounded to `SCORE_DECIMALS` so that both paths rank ties the same way whatever order
the floating-point sums were taken in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse

from kgplatform.errors import ValidationFailed
from kgplatform.planning import frontier as fr
from kgplatform.planning.cells import set_cells
from kgplatform.planning.difficulty import concepts_in_band, task_success
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.ranking import NOT_A_CANDIDATE, OFF_PATH, SCORE_DECIMALS, ScoreParts, compose_scores
from kgplatform.planning.reach import lead_to
from kgplatform.planning.reasons import (
    LAST_NONE_FITS,
    LAST_ONLY,
    LAST_OTHER,
    LAST_OTHERS_PLANNED,
    LAST_UNKNOWN,
    LEADS_TO_GOAL,
    describe,
)
from kgplatform.planning.struggling import is_struggling


@dataclass(frozen=True)
class PlanConfig:
    """What a good plan means; every knob has a default fit for the simulator's comparison."""

    n_tasks: int = 5
    mastered_at: float = 0.85
    # A prerequisite this likely mastered already lets its dependants be tried.
    ready_at: float = 0.6
    review_below: float = 0.7
    success_band: tuple[float, float] = (0.6, 0.85)
    max_tasks_per_concept: int = 2
    # Tracer figures used to predict success: P(correct) = p(1 - slip) + (1 - p) guess, shifted by difficulty.
    slip: float = 0.1
    guess: float = 0.2
    difficulty_effect: float = 0.2
    goal_weight: float = 1.0
    # Closest goal first: each unmet goal pulls its path with weight 1 / (mass still missing on it) to
    # this power, so the learner finishes the goal nearest to done before spreading over the others'
    # foundations (0: every goal alike; 2 measured best on the simulator, docs/planning.md).
    goal_focus: float = 2.0
    transfer_weight: float = 0.5
    unblock_weight: float = 0.3
    review_weight: float = 0.8
    band_weight: float = 0.2
    off_path_weight: float = 0.1
    # A concept carrying a tag the learner is interested in: less than a task in the band, so interests
    # choose among comparable candidates and never outweigh the goals.
    interest_weight: float = 0.15
    # Answers on a concept after which, with every task of it still predicted below the band, all its
    # tasks take turns (`ranked_tasks`): a failing learner is not offered the same exercise again and again.
    stuck_after: int = 3
    # Answers on a dependant, still below `ready_at`, after which its settled prerequisites are practised
    # again (`settled_cells`). Later than `stuck_after`: one practice learns a ready concept with a
    # chance of about 0.2-0.5 in the simulator, so three failures are common on a concept whose
    # prerequisites are known, and 70% of the prerequisites sent back to after three were truly known
    # there. After six: +0.010 to +0.027 of goal mastery at K = 50 on six tuning seeds of the generated
    # curriculum, +0.003 on two of Junyi (never sending back: -0.03 to -0.05 on Junyi; docs/planning.md).
    send_back_after: int = 6
    # A prerequisite on the way to a goal, answered and good enough to open its dependants (`ready_at`),
    # is not practised on towards `mastered_at` for the goal's sake: the dependants' tasks carry the
    # learner on, and one stuck on a dependant (`send_back_after` answers, still below `ready_at`) is
    # sent back to it. Practising it on (the band term favoured a half-known concept) cost 0.02-0.07 of
    # goal mastery at K = 50 in the simulator (docs/planning.md, "Settled prerequisites").
    settle_prerequisites: bool = True
    # A learner whose goals all look met keeps practising the least mastered of them (until new goals
    # come), rather than drifting to concepts off every goal's path: 0.85 estimated is not certain, and
    # the goals are what the learner asked for. +0.02-0.03 of goal mastery at K = 50 in the simulator.
    consolidate_goals: bool = True

    def __post_init__(self) -> None:
        low, high = self.success_band
        if not 0.0 <= low < high <= 1.0:
            raise ValidationFailed("success_band must satisfy 0 <= low < high <= 1", field="success_band")
        if self.n_tasks < 1 or self.n_tasks > 100:
            raise ValidationFailed("n_tasks must be between 1 and 100", field="n_tasks")
        if not 0.0 <= self.goal_focus <= 8.0:
            raise ValidationFailed("goal_focus must be between 0 and 8", field="goal_focus")
        if self.max_tasks_per_concept < 1:
            raise ValidationFailed("max_tasks_per_concept must be at least 1", field="max_tasks_per_concept")
        if self.stuck_after < 1:
            raise ValidationFailed("stuck_after must be at least 1", field="stuck_after")
        if self.send_back_after < 1:
            raise ValidationFailed("send_back_after must be at least 1", field="send_back_after")


@dataclass(frozen=True)
class PlannedTask:
    rank: int
    task_id: str
    concept_id: str
    reason: str
    predicted_success: float
    purpose: str  # "learn" | "review" | "placement"
    # What an app shows for the ids, as the curriculum named them when the plan was made: an edit of
    # either makes the plan stale (its curriculum's stamp moves), so they are never older than the plan.
    task_title: str
    concept_name: str


@dataclass(frozen=True)
class Plan:
    learner_id: str
    tasks: tuple[PlannedTask, ...]
    placement: bool = False

    @property
    def task_ids(self) -> list[str]:
        return [t.task_id for t in self.tasks]


@dataclass
class ConceptScores:
    """Everything the plan and its reasons need, each (..., n) unless noted."""

    parts: ScoreParts  # the scores, (L, n) in parts (`ranking.py`)
    frontier: np.ndarray
    review: np.ndarray
    blocks: np.ndarray
    on_path: np.ndarray
    # (..., G) int64: the learner's unmet goals, closest first (least mass missing on their way, the
    # planner's own order of work; ties by concept number), -1 padded (`closest_first`)
    aims: np.ndarray
    has_goals: np.ndarray  # (...,) bool: the learner named goals (met or not)
    p: np.ndarray  # float32 mastery now, what `difficulty.task_success` predicts from
    peak: np.ndarray  # float32 mastery when last practised (a reason says "practise again" from it)
    attempts: np.ndarray  # the learner's attempts per concept (`ranked_tasks` takes turns by them)
    # bool: fit to practise (every prerequisite good enough; everything for a placement plan), what a
    # task's other concepts must be (`ranked_tasks`)
    open: np.ndarray
    missing: np.ndarray = field(repr=False)
    placement: np.ndarray = field(repr=False)  # (...,) bool: this learner has answered nothing yet
    # (..., T) bool over the graph's `tag_index`: the learner's interests; None when nobody has any
    interests: np.ndarray | None = field(default=None, repr=False)
    # (n,) float32 the mastery of a concept nobody practised (the tracer's start), when the caller gave it
    typical: np.ndarray | None = field(default=None, repr=False)
    # (..., n) int the task of the learner's latest answer on each concept (-1: none known), which
    # `ranked_tasks` passes over when another task fits as well; None when the caller knows none
    last_task: np.ndarray | None = field(default=None, repr=False)

    def rounded_scores(self) -> np.ndarray:
        """(..., n) every concept's rounded score, NOT_A_CANDIDATE where it cannot be planned. Computed
        from the parts on each call (about 80 us for one learner at 1,000 concepts): call it once."""
        return self.parts.full().reshape(self.frontier.shape)


# Outside the band, tasks whose predicted success is this close to the best fit's take turns with it.
TURN_TOLERANCE = 0.05
# The largest goal weight (gap ** -focus) `closest_goal_pull` keeps as it is: float32 holds 3.4e38, and
# a concept's pull sums the weights of every goal it leads to.
MAX_GOAL_WEIGHT = 1e30


def band_gap(success: np.ndarray, config: PlanConfig) -> np.ndarray:
    """How far a predicted success lies outside the band (0 inside)."""
    low, high = config.success_band
    return np.maximum(np.maximum(low - success, success - high), 0.0)


def band_distance(success: np.ndarray, config: PlanConfig) -> np.ndarray:
    """How far a predicted success is from the band (0 inside), nearer the centre better; rounded."""
    low, high = config.success_band
    distance = band_gap(success, config) + 1e-3 * np.abs(success - (low + high) / 2)
    return np.round(distance, SCORE_DECIMALS)


def take_at(values: np.ndarray, where: np.ndarray) -> np.ndarray:
    """`values` (..., m) at the positions `where` (..., ...) of each row's last axis: for one learner
    (m,) and any `where`, or for learners (L, m) and `where` (L, ...); the result has `where`'s shape."""
    rows = values.reshape(-1, values.shape[-1])
    return np.take_along_axis(rows, where.reshape(rows.shape[0], -1), axis=1).reshape(where.shape)


def ranked_tasks(
    graph: ConceptGraph,
    p: np.ndarray,
    concepts: np.ndarray,
    config: PlanConfig,
    open_: np.ndarray,
    attempts: np.ndarray,
    last_task: np.ndarray | None = None,
) -> np.ndarray:
    """(..., k, w) the tasks of the given (..., k) concepts, best fit first, -1 padded (and for concept -1).

    Order: the tasks that fit first, taking turns; then the others, nearest the band first, then by
    position. The tasks that fit are those inside the band or, when none is, those within
    `TURN_TOLERANCE` of the one nearest it. They are listed from the one at position (attempts on the
    concept) mod (tasks that fit) onwards, wrapping round, so an answer on the concept moves its next
    plan on to another task rather than offering the one just answered again. A learner stuck on the
    concept (`config.stuck_after` answers or more, and still every usable task predicted below the band)
    gets every usable task in turn: one task just nearer the band than the others would otherwise be
    offered after each failure (a teacher's review, 1 December). The task of the learner's latest answer on
    the concept (`last_task` (..., n), -1 none known) goes after the other tasks that fit, wherever the
    turn put it, so it is offered again only when no other task fits: the turns alone could land on it
    when the tasks that fit changed with the new mastery, at the stuck turn's start, or after an answer
    given outside the plan (docs/planning.md, "Recent answers"). `p` is the float32
    mastery (..., n) the success is predicted from (`ConceptScores.p`), `attempts` (..., n) the
    learner's attempts per concept. A task that also exercises a concept not open (`ConceptScores.open`)
    is left out when the concept has another task: practising it would skip that concept's missing
    prerequisites. When every task of the concept does so (b's only task also exercises c, on a -> b ->
    c), they stay, ranked as they are: leaving them out would leave b unpractisable, and c closed, for
    good.
    """
    options = np.where((concepts >= 0)[..., None], graph.concept_tasks[np.maximum(concepts, 0)], -1)
    if graph.n_tasks == 0:
        return options
    success = task_success(graph, p, options, config)
    distance = np.where(options >= 0, band_distance(success, config), np.inf)
    reaches = reaches_past_prerequisites(graph, open_, concepts, options)
    distance[(options >= 0) & ~usable_options(reaches, options)] = np.inf
    gap = band_gap(success, config)
    usable = np.isfinite(distance)
    best = np.min(np.where(usable, gap, np.inf), axis=-1, keepdims=True)
    fits = (gap <= best + np.where(best > 0, TURN_TOLERANCE, 0.0)) & usable
    turn = _attempts_of(attempts, concepts)
    # Stuck: `stuck_after` answers and still no usable task reaches the band; every usable one then fits.
    below = ~(usable & (success >= config.success_band[0])).any(axis=-1)
    fits |= (below & (turn >= config.stuck_after))[..., None] & usable
    key = _take_turns(distance, fits, turn)
    if last_task is not None:
        last = np.where(concepts >= 0, take_at(last_task, np.maximum(concepts, 0)), -1)
        key = _last_answered_after(key, options, fits, last)
    order = np.argsort(key, axis=-1, kind="stable")
    ranked = np.take_along_axis(options, order, axis=-1)
    return np.where(np.isinf(np.take_along_axis(key, order, axis=-1)), -1, ranked)


def _attempts_of(attempts: np.ndarray, concepts: np.ndarray) -> np.ndarray:
    """(..., k) int64 the attempts on each given concept (0 for the padding concept -1)."""
    return np.where(concepts >= 0, take_at(attempts, np.maximum(concepts, 0)), 0).astype(np.int64)


def _take_turns(distance: np.ndarray, fits: np.ndarray, turn: np.ndarray) -> np.ndarray:
    """(..., k, w) sort keys: a task that fits gets its place among the concept's tasks that fit, rotated
    by `turn` (..., k); any other keeps w + its distance (after every task that fits); unusable ones
    stay inf."""
    width = distance.shape[-1]
    place = np.cumsum(fits, axis=-1) - 1
    count = np.maximum(fits.sum(axis=-1, keepdims=True), 1)
    rotated = np.mod(place - turn[..., None], count).astype(np.float64)
    return np.where(fits, rotated, width + distance)


def _last_answered_after(
    key: np.ndarray, options: np.ndarray, fits: np.ndarray, last: np.ndarray
) -> np.ndarray:
    """`_take_turns`'s keys with the task last answered on each concept (`last` (..., k), -1 none) moved
    after the concept's other tasks that fit (key: their count - 0.5, below every task that does not fit,
    whose keys start at w >= that count). The only task that fits keeps its place: 0.5 still leads."""
    again = fits & (options == last[..., None]) & (last >= 0)[..., None]
    if not again.any():
        return key
    count = fits.sum(axis=-1, keepdims=True)
    return np.where(again, count - 0.5, key)


def usable_options(reaches: np.ndarray, options: np.ndarray) -> np.ndarray:
    """(..., w) bool: the options `ranked_tasks` may give: real ones that do not reach past a missing
    prerequisite, or all real ones when every one of them does."""
    real = options >= 0
    has_other = (real & ~reaches).any(axis=-1, keepdims=True)
    return real & ~(reaches & has_other)


def drop_unusable_band(
    graph: ConceptGraph,
    p: np.ndarray,
    open_: np.ndarray,
    in_band: np.ndarray,
    candidates: np.ndarray,
    config: PlanConfig,
) -> None:
    """Clears, in place, the (L, n) `in_band` flag of candidate concepts whose only tasks in the band are
    ones `ranked_tasks` leaves out (they also exercise a concept not open): the band bonus would rank such
    a concept for a task it can never be given. Only concepts with a task of several concepts can be
    affected, so only those (candidate, in the band) cells are looked at again."""
    if graph.n_tasks == 0 or not graph.has_shared_task.any():
        return
    rows, concepts = set_cells(in_band & candidates & graph.has_shared_task)
    if not rows.size:
        return
    options = graph.concept_tasks[concepts]  # (m, w)
    reaches = reaches_past_prerequisites(graph, open_, concepts, options, rows=rows)
    low, high = config.success_band
    success = task_success(graph, p, options, config, rows=rows[:, None])
    band = (success >= low) & (success <= high)
    in_band[rows, concepts] = (band & usable_options(reaches, options)).any(axis=-1)


def reaches_past_prerequisites(
    graph: ConceptGraph,
    open_: np.ndarray,
    concepts: np.ndarray,
    options: np.ndarray,
    rows: np.ndarray | None = None,
) -> np.ndarray:
    """(..., k, w) bool: the option task of the (..., k) concept also exercises a concept not open.

    `open_` (..., n) shares the leading shape of `concepts`, or, with `rows` (shaped like `concepts`),
    is (L, n) and `rows` names each concept's row of it; options -1 give False.
    """
    members, weights = graph.task_terms
    # Only tasks of several concepts can reach past a prerequisite; most tasks have one, so the check
    # runs on those positions alone (it cost the batch planner about 5% when run on every option).
    reaches = np.zeros(options.shape, dtype=bool)
    position = set_cells((options >= 0) & graph.shared_tasks[np.maximum(options, 0)])
    if not position[0].size:
        return reaches
    lead = open_.shape[:-1]
    if rows is not None:
        row = rows[position[:-1]]
    else:
        row = np.ravel_multi_index(position[: len(lead)], lead) if lead else np.zeros_like(position[0])
    task = options[position]
    others = members[task]  # (m, s)
    elsewhere = (weights[task] > 0) & (others != concepts[position[:-1]][:, None])
    reaches[position] = (elsewhere & ~open_.reshape(-1, open_.shape[-1])[row[:, None], others]).any(axis=-1)
    return reaches


def goal_pull(graph: ConceptGraph, missing: np.ndarray) -> np.ndarray:
    """(L, n) float32: each concept's share of the missing goal mass that builds on it, for learners
    who named no goals (the whole curriculum is their aim; `closest_goal_pull` is for those who did).

    A concept keeps its own missing mass and receives, from each dependant, an equal share of the
    dependant's pull (split among the dependant's prerequisites): the mass flows down the prerequisite
    edges to the foundations, so a concept several goals build on collects from each of them.
    """
    return np.ascontiguousarray(_pull_down(graph, missing.T.copy(order="C")).T)


def _pull_down(graph: ConceptGraph, columns: np.ndarray) -> np.ndarray:
    """`goal_pull` on (n, L) columns (one learner per column), in place: each level's product reads
    whole rows of the levels below it."""
    for rows, share in graph.pull_levels:
        columns[rows] += share @ columns
    return columns


def keep_least_mastered_goal(
    p: np.ndarray, met: np.ndarray, goal_at: np.ndarray, id_rank: np.ndarray, has_tasks: np.ndarray
) -> None:
    """For each learner whose goals all look met, marks the least mastered goal with tasks unmet again (in
    place); of equal ones, the first by concept id (`id_rank`, as the feedback report names it: by concept
    number, it named another goal than the plan practised, a review of 1 December). A goal no task
    exercises (`has_tasks`, (n,)) is never chosen: nothing can be planned for it, `through_taskless`
    counts it known again, and a practicable goal was never consolidated while it was the weakest (a
    review, s29)."""
    n = p.shape[1]
    flat_met = met.reshape(-1).take(goal_at)
    rows = goal_at // n
    open_rows = np.zeros(p.shape[0], dtype=bool)
    open_rows[rows[~flat_met]] = True
    done = ~open_rows[rows] & has_tasks[goal_at % n]
    if not done.any():
        return
    at, row = goal_at[done], rows[done]
    values = p.reshape(-1).take(at)
    order = np.lexsort((id_rank[at % n], values, row))  # by row, then by mastery, then by id
    first = np.ones(order.size, dtype=bool)
    first[1:] = row[order][1:] != row[order][:-1]
    weakest = at[order][first]
    met[np.divmod(weakest, n)] = False  # by (row, column): `met` may not be contiguous


def settled_cells(
    graph: ConceptGraph,
    p: np.ndarray,
    attempts: np.ndarray,
    rows: np.ndarray,
    cols: np.ndarray,
    good_enough: np.ndarray,
    on_path: np.ndarray,
    goal_at: np.ndarray,
    has_goals: np.ndarray,
    config: PlanConfig,
) -> np.ndarray:
    """Which of the answered cells (`rows`, `cols`) are settled prerequisites: on the way to a goal, not a
    goal, good enough to open their dependants, some dependant with tasks on the way (`graph.carriers`:
    direct, or through concepts without tasks), and none of those the learner is stuck on
    (`PlanConfig.send_back_after` answers, still below `ready_at`; `PlanConfig.settle_prerequisites`). A
    learner without goals (`has_goals`, per row) aims at the whole curriculum: every concept is a goal,
    none is settled. Worked on by position: only answered cells can be settled, a few per learner, where
    (L, n) passes cost the batch planner about 7% more worker CPU."""
    n = p.shape[1]
    flat = rows.astype(np.int64) * n + cols
    settled = good_enough[rows, cols] & on_path[rows, cols] & has_goals[rows] & ~np.isin(flat, goal_at)
    if not settled.any():
        return settled
    idx = np.flatnonzero(settled)
    # Row k: the concepts with tasks cell k's concept leads to through taskless ones (a scipy row gather).
    deps = graph.carriers[cols[idx]]
    counts = np.diff(deps.indptr)
    owner = np.repeat(np.arange(idx.size), counts)
    dep_rows = rows[idx][owner]
    # Only where a dependant on the way has tasks to carry the learner on: the prerequisite of a goal
    # nobody can practise (a capstone) was settled and never practised again (a review, 1 December).
    keep = np.zeros(idx.size, dtype=bool)
    keep[owner[on_path[dep_rows, deps.indices]]] = True
    # And not where the learner is stuck on one of those dependants: the same relation, through concepts
    # without tasks. Direct dependants only (before 2 December), a learner stuck behind a taskless
    # grouping concept (a -> P -> b) looped on b and was never sent back to a (a review, 2 December).
    stuck = is_struggling(attempts[rows, cols], p[rows, cols], config)
    if stuck.any():
        stuck_at = dep_rows.astype(np.int64) * n + deps.indices
        keep[owner[np.isin(stuck_at, flat[stuck])]] = False
    settled[idx] = keep
    return settled


def closest_goal_pull(
    graph: ConceptGraph, p: np.ndarray, known: np.ndarray, aims: np.ndarray, focus: float
) -> tuple[np.ndarray, np.ndarray]:
    """(n, L) float32 columns (one learner per column): each concept's pull from the learner's unmet
    goals (`aims`, (L, G), -1 padded), and (L, G) float32 each goal's gap (inf for padding), where goal
    g pulls every concept leading to it (itself included)
    with weight gap_g ** -focus, gap_g the mass still missing on its way: sum of 1 - p over the
    concepts leading to g that are not known. A goal with nothing left to practise on its way
    (gap 0, e.g. a capstone without tasks) pulls nothing.

    Why: pulling every goal alike spreads the learner over all goals' foundations and reaches the
    goals late; weighting by closeness finishes one goal after another (docs/planning.md, simulator).
    Works on (learner, goal) pairs and each goal's ancestors (`closure_t` rows), never on the dense
    (L, n) x (n, n) product; each pair's sums run in the same order for one learner or many.
    """
    n_rows, n = p.shape
    rows, slots = np.nonzero(aims >= 0)  # row-major: each learner's goals in ascending order
    gaps = np.full(aims.shape, np.inf, dtype=np.float32)
    if not rows.size:
        return np.zeros((n, n_rows), dtype=np.float32), gaps
    # Row k: the concepts leading to pair k's goal (itself included), a scipy row gather. Indices stay
    # int32 (scipy's own), which halves the traffic of the pair x ancestor arrays (a third of the time).
    ways = graph.closure_t[aims[rows, slots]]
    counts = np.diff(ways.indptr)
    concept = ways.indices
    row = np.repeat(rows.astype(ways.indices.dtype), counts)
    # Nothing to practise on a concept without tasks: it adds nothing to a goal's gap, known or not.
    still_missing = np.where(known | ~graph.has_tasks, np.float32(0.0), np.float32(1.0) - p)
    flat = (
        row * ways.indices.dtype.type(n) + concept
        if n_rows * n < 2**31
        else row.astype(np.int64) * n + concept
    )
    gap = np.add.reduceat(still_missing.ravel().take(flat), ways.indptr[:-1])
    gaps[rows, slots] = gap
    exact = np.zeros(gap.size)  # float64
    has_gap = gap > 0
    exact[has_gap] = np.power(gap[has_gap].astype(np.float64), -focus)
    # A focus the config accepts (up to 8) and a goal nearly met (a consolidated one, p = 0.9999999: gap
    # 1e-7, weight 1e56) overflowed float32: inf, then inf / inf = NaN scores, and the goal dropped out of
    # the plan (a review, 2 December). Such a learner's weights are divided by their largest (only their
    # ratios count: the pull is normalised per learner), in float64; every other learner's are the same
    # bits as before, for one learner or many.
    if exact.max(initial=0.0) > MAX_GOAL_WEIGHT:
        top = np.zeros(n_rows)
        np.maximum.at(top, rows, exact)
        scaled = top[rows] > MAX_GOAL_WEIGHT
        exact[scaled] /= top[rows[scaled]]
    weight = exact.astype(np.float32)
    # Duplicates (a concept leading to two of a learner's goals) are summed, in pair order.
    pulled = sparse.coo_array((np.repeat(weight, counts), (concept, row)), shape=(n, n_rows))
    return pulled.toarray(), gaps


def closest_first(aims: np.ndarray, gaps: np.ndarray) -> np.ndarray:
    """(L, G) `aims` reordered per row by gap, closest first (ties by concept number: `aims` is
    ascending), padding last: the goal a reason names for a concept leading to several is the one the
    plan works towards first (`goal_words`)."""
    order = np.argsort(gaps, axis=1, kind="stable")  # padding's gap is inf
    return np.take_along_axis(aims, order, axis=1)


def _normalised_columns(values: np.ndarray) -> np.ndarray:
    """(n, L) columns (one learner per column) divided by their maximum; 0 where the maximum is 0."""
    top = values.max(axis=0, keepdims=True)
    return np.divide(values, top, out=np.zeros_like(values), where=top > 0)


def score_concepts(
    graph: ConceptGraph,
    p_mastery: np.ndarray,
    p_peak: np.ndarray,
    attempts: np.ndarray,
    goals: np.ndarray,
    config: PlanConfig,
    typical: np.ndarray | None = None,
    interests: np.ndarray | None = None,
    last_task: np.ndarray | None = None,
) -> ConceptScores:
    """Scores every concept for one learner (n,) or many (L, n); non-candidates get NOT_A_CANDIDATE.

    `p_mastery` is the estimate now (after forgetting), `p_peak` the estimate when last practised;
    `typical` (n,), the mastery of a concept nobody practised, makes the band flags cheaper and lets a reason
    call a prediction a typical learner's only when it is (`typical_prediction`);
    `interests` (T,) or (L, T) bool over `graph.tag_index` (None: no interests) adds `interest_weight`
    to the concepts carrying one of the learner's tags; `last_task` (n,) or (L, n), the task of the
    learner's latest answer per concept (-1: none), is kept for `ranked_tasks` and scores nothing.
    """
    lead, n = p_mastery.shape[:-1], graph.n_concepts
    # float32 halves the memory traffic of the (L, n) passes; scores are rounded well above its precision.
    p = p_mastery.astype(np.float32, copy=False).reshape(-1, n)
    peak = p_peak.astype(np.float32, copy=False).reshape(-1, n)
    # Only answered cells can be failed, faded or settled (a few per learner): worked on by position.
    rows, cols = set_cells(attempts.reshape(-1, n) > 0)
    peak_at, p_at = peak[rows, cols], p[rows, cols]
    marks = (p >= config.mastered_at) & graph.has_tasks
    # A concept mastered at its last answer, faded below the bar since but still good enough to open its
    # dependants, goes on implying its prerequisites (not itself): a learner whose B faded from 0.90 to
    # 0.83 in six days was sent back to B's never-answered foundation A, which B's mastery had implied
    # the day before (a review, 1 December).
    faded = (peak_at >= config.mastered_at) & (p_at >= config.ready_at) & graph.has_tasks[cols]
    if faded.any():
        pre = graph.prereq_t[cols[faded]]  # row k: the prerequisites of faded cell k's concept
        marks[np.repeat(rows[faded], np.diff(pre.indptr)), pre.indices] = True
    met = lead_to(graph, marks)
    # Goals are a few entries of each row: worked on by position, not with (L, n) passes.
    goal_at = np.flatnonzero(goals.reshape(-1, n))
    # A goal the learner has answered on is met by its own mastery only: a mastered dependant implies it
    # (knowledge-space theory), but the learner asked for this concept and their answers on it say
    # otherwise, so the plan keeps working on it rather than dropping it unseen.
    answered_below = (attempts.reshape(-1).take(goal_at) > 0) & (
        p.reshape(-1).take(goal_at) < config.mastered_at
    )
    met[np.divmod(goal_at[answered_below], n)] = False  # by (row, column): `met` may not be contiguous
    # Likewise any concept the learner has answered without ever being good enough on it (mastery below
    # `ready_at` then and now): a mastered dependant does not imply it, nor make it good enough to open
    # its dependants. Without this, a learner who failed negative numbers three times but had mastered
    # linear equations looped on the next concept (simplifying expressions) and was never sent back to
    # negatives (a teacher's review, 1 December). Between `ready_at` and `mastered_at` the dependant's
    # mastery still implies it: the learner's answers were not against it.
    failed = np.maximum(peak_at, p_at) < config.ready_at
    met[rows[failed], cols[failed]] = False
    if config.consolidate_goals:
        keep_least_mastered_goal(p, met, goal_at, graph.id_rank, graph.has_tasks)
    known = fr.through_taskless(graph, met)
    on_path = fr.goal_paths(graph, goals.reshape(-1, n), met)
    aims = unmet_goal_lists(goal_at[~met.reshape(-1).take(goal_at)], p.shape[0], n)
    good_enough = fr.implied_known(graph, p, config.ready_at)
    good_enough[rows[failed], cols[failed]] = False
    good_enough = fr.through_taskless(graph, good_enough)
    ready, blocks, open_ = fr.frontier_blocks_and_open(graph, known, good_enough, on_path)
    has_goals = np.zeros(p.shape[0], dtype=bool)
    has_goals[goal_at // n] = True
    if config.settle_prerequisites:
        settled = settled_cells(
            graph, p, attempts.reshape(-1, n), rows, cols, good_enough, on_path, goal_at, has_goals, config
        )
        ready[rows[settled], cols[settled]] = False
    # Review: once mastered (so answered), now decayed below `review_below`, and not implied by a
    # dependant mastered now (knowledge-space theory again: who has just mastered linear functions still
    # knows addition; reviewing such basics took four of five tasks of advanced learners' plans).
    due = (
        (peak_at >= config.mastered_at)
        & (p_at < config.review_below)
        & graph.has_tasks[cols]
        & ~met[rows, cols]
    )
    review = np.zeros(p.shape, dtype=bool)
    review[rows[due], cols[due]] = True
    # What is still to learn on the way: not a concept a goal counts as met (mastered, or implied by a
    # mastered dependant), whose transfer gain and "strengthens" claims went to known concepts.
    missing = np.where(on_path & ~met, 1.0 - p, np.float32(0.0))
    # Transfer gain and goal pull are sums over sparse graph rows, so they are computed on (n, L)
    # columns: one transpose in and one out, where (L, n) @ sparse transposes inside scipy each time.
    # The same terms are added in the same order for one learner or many.
    missing_t = missing.T.copy(order="C")
    # Practice on i helps j by transfer[i, j]; what counts is help towards what is still missing.
    gain_t = _normalised_columns(graph.transfer_s @ missing_t)
    # The goal nearest to done pulls hardest, so goals are finished one after another
    # (`closest_goal_pull`); a learner with no goals aims at the whole curriculum, where the missing
    # mass flows down to the foundations many concepts build on (`goal_pull`).
    pull_t, gaps = closest_goal_pull(graph, p, known, aims, config.goal_focus)
    aims = closest_first(aims, gaps)
    aimless = np.flatnonzero(~has_goals)
    if aimless.size:
        pull_t[:, aimless] = _pull_down(graph, missing_t[:, aimless])
    base_t = _normalised_columns(pull_t)
    base_t *= config.goal_weight
    base_t += config.transfer_weight * gain_t
    score32 = np.ascontiguousarray(base_t.T)
    # Some task in the band means the best-fitting task is in it (`ranked_tasks` puts those first), once
    # the tasks `ranked_tasks` leaves out are discounted (`drop_unusable_band`).
    in_band = concepts_in_band(graph, p, config, typical)

    placement = attempts.reshape(-1, n).sum(axis=-1) == 0
    # A placement plan probes beyond the frontier on purpose: any task may be used.
    open_[placement] = True
    drop_unusable_band(graph, p, open_, in_band, ready | review, config)
    if interests is not None and not interests.any():
        interests = None  # as for a batch where nobody has interests: the same scores either way
    interests = None if interests is None else interests.reshape(-1, interests.shape[-1])
    parts = compose_scores(
        graph,
        config,
        score32,
        blocks > 0,
        review & on_path,
        in_band,
        ready,
        on_path,
        review,
        p,
        placement,
        liked_concepts(graph, interests),
    )

    def shaped(values: np.ndarray) -> np.ndarray:
        return values.reshape(*lead, n)

    return ConceptScores(
        parts=parts,
        frontier=shaped(ready),
        review=shaped(review),
        blocks=shaped(blocks),
        on_path=shaped(on_path),
        aims=aims.reshape(*lead, -1),
        has_goals=has_goals.reshape(lead),
        p=shaped(p),
        peak=shaped(peak),
        attempts=attempts.reshape(*lead, n),
        open=shaped(open_),
        missing=shaped(missing),
        placement=placement.reshape(lead),
        interests=None if interests is None else interests.reshape(*lead, -1),
        typical=typical,
        last_task=None if last_task is None else last_task.reshape(*lead, n),
    )


def liked_concepts(graph: ConceptGraph, interests: np.ndarray | None) -> np.ndarray | None:
    """(L, n) bool: concepts carrying a tag the learner is interested in; None when nobody has interests."""
    if interests is None:
        return None
    rows = np.flatnonzero(interests.any(axis=1))  # most learners name no interest: only these rows
    liked = np.zeros((interests.shape[0], graph.n_concepts), dtype=bool)
    liked[rows] = (interests[rows].astype(np.float32) @ graph.tag_concepts.astype(np.float32)) > 0
    return liked


def liked_tags(graph: ConceptGraph, interests: np.ndarray | None, concepts: np.ndarray) -> np.ndarray:
    """(..., P) int64 per pick: 1 + the `tag_index` number of the concept's first tag (in the concept's
    own order) the learner is interested in, 0 when none. `interests` (..., T) as in ConceptScores."""
    if interests is None or concepts.size == 0:
        return np.zeros(concepts.shape, dtype=np.int64)
    tag_ids = graph.concept_tag_ids[concepts]  # (..., P, w)
    hits = take_at(interests, np.maximum(tag_ids, 0)) & (tag_ids >= 0)
    first = np.argmax(hits, axis=-1)
    chosen = np.take_along_axis(tag_ids, first[..., None], axis=-1)[..., 0]
    return np.where(hits.any(axis=-1), chosen + 1, 0)


def pick_sequence(
    top: list[int], task_order: np.ndarray, config: PlanConfig, on_path: int | None = None
) -> list[tuple[int, int, int]]:
    """(concept, round, task) picks: one task for each candidate concept, then second tasks, up to n_tasks.

    `top` holds every candidate in score order, `task_order` (k, w) each one's tasks, best fit first
    (`ranked_tasks`); its first `on_path` candidates (default: all) are on the goal path or due for
    review, the rest off the path (their scores rank them last: `ranking.OFF_PATH_SHIFT`). Variety
    first, within each group: a concept gets a second task only when fewer than n_tasks concepts of its
    group qualify, and the goal path's concepts get their second tasks before an off-path concept gets
    a first one. Followed as a whole, a plan that filled up with off-path concepts while a goal's
    concept could take a second task reached 0.382 of the goals after 50 tasks against 0.450
    (`simulate-policies --curriculum generated --learners 1000 --seed 7 --plan-length 5`;
    docs/planning.md). Picks come in score order, round by round; `order_picks` then puts prerequisites
    first. A task that exercises two chosen concepts is listed once, for the first of them; the second
    takes its best task not listed yet (with none left, the next candidate is drawn in its place). So a
    plan has n_tasks tasks whenever the candidates' first `max_tasks_per_concept` picks can find that
    many.
    """
    picks: list[tuple[int, int, int]] = []
    chosen: set[int] = set()
    split = len(top) if on_path is None else on_path
    for group in (range(split), range(split, len(top))):
        for round_ in range(min(config.max_tasks_per_concept, task_order.shape[-1])):
            for position in group:
                if len(picks) == config.n_tasks:
                    return picks
                # The concept's best task not listed yet: its own earlier pick, or another concept's.
                task = next((int(t) for t in task_order[position] if t >= 0 and int(t) not in chosen), None)
                if task is not None:
                    picks.append((top[position], round_, task))
                    chosen.add(task)
    return picks


def on_path_count(scores: ConceptScores, top: list[int]) -> int:
    """How many of `top` (score order) are on the goal path or due for review: all of a placement plan's,
    which ignores paths; the off-path candidates follow them (`ranking.OFF_PATH_SHIFT`)."""
    if bool(scores.placement):
        return len(top)
    off_path = (scores.parts.terms.reshape(-1) & OFF_PATH) > 0
    return len(top) - int(off_path[top].sum())


def order_picks(graph: ConceptGraph, picks: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Picks in their given (score) order, except that a concept never comes before one that leads to it."""
    remaining = list(picks)
    ordered: list[tuple[int, int, int]] = []
    while remaining:
        for position, (concept, _, _) in enumerate(remaining):
            if not any(graph.closure[other, concept] and other != concept for other, _, _ in remaining):
                ordered.append(remaining.pop(position))
                break
    return ordered


def pick_facts(
    graph: ConceptGraph,
    scores: ConceptScores,
    p_mastery: np.ndarray,
    concepts: np.ndarray,
    tasks: np.ndarray,
    config: PlanConfig,
) -> dict[str, np.ndarray]:
    """What each pick's PlannedTask needs, gathered for all picks at once: (P,) or (L, P) picks -> arrays."""
    at = np.maximum(concepts, 0)
    targets = graph.transfer_targets[at]  # (..., P, 5)
    helps = (targets >= 0) & (take_at(scores.missing, np.maximum(targets, 0)) > 0)
    goal = goal_words(graph, scores, at)
    # The goal the reason says the concept leads to is not said again as strengthened: "leads to your goal
    # C; strengthens C" named one concept twice (a review, 5 December 2026). Both reason paths read `helped`.
    named = np.where(goal >= LEADS_TO_GOAL, goal - LEADS_TO_GOAL, -1)
    helps &= targets != named[..., None]
    return {
        "review": take_at(scores.review, at),
        "p": take_at(p_mastery, at),
        # Mastered when last practised, faded below the bar since: practised again, not learnt anew.
        "again": take_at(scores.peak, at) >= config.mastered_at,
        # Mastered now and still a candidate: only a goal kept in practice once every goal looks met
        # (`keep_least_mastered_goal`; a mastered concept is otherwise known, and a review is below
        # `review_below`). Judged here on the float32 mastery the scores used, against this config's bar,
        # for both reason paths.
        "consolidate": (take_at(scores.p, at) >= config.mastered_at) & ~take_at(scores.review, at),
        "blocks": take_at(scores.blocks, at),
        # The learner's answers on the concept where they are struggling on it (`struggling`), else 0: the
        # reason then says so, in the report's words, rather than "ready to learn" as for a new learner.
        "hard": np.where(
            is_struggling(take_at(scores.attempts, at), take_at(scores.p, at), config),
            take_at(scores.attempts, at),
            0,
        ).astype(np.int64),
        "goal": goal,
        "success": task_success(graph, scores.p, tasks, config),
        "helped": np.where(helps, targets, -1),
        "liked": liked_tags(graph, scores.interests, at),
        # Never answered on: its predicted success is the typical learner's, and the reason says so.
        "first": (take_at(scores.attempts, at) == 0) & typical_prediction(graph, scores, tasks),
        "last": last_task_words(graph, scores, concepts, tasks, config),
    }


def last_task_words(
    graph: ConceptGraph, scores: ConceptScores, concepts: np.ndarray, tasks: np.ndarray, config: PlanConfig
) -> np.ndarray:
    """(..., P) int64 per pick, what its reason says of the task last answered on its concept
    (`reasons.LAST_UNKNOWN` ...): nothing when none is known; another task; the same again as the
    concept's only task, as the only one that fits (`ranked_tasks` put it first: it puts the last task
    after every other that fits), or because the ones ranked before it are listed already (a second pick
    of the concept, or a task shared with another pick). Only picks of the same task look at the ranking
    again, on their rows alone: they are few, and the batch keeps no ranking per pick."""
    words = np.full(concepts.shape, LAST_UNKNOWN, dtype=np.int64)
    if scores.last_task is None or concepts.size == 0:
        return words
    at = np.maximum(concepts, 0)
    last = take_at(scores.last_task, at).astype(np.int64)
    known = (last >= 0) & (concepts >= 0) & (tasks >= 0)
    words[known] = LAST_OTHER
    same = known & (tasks == last)
    only = (graph.concept_tasks[at] >= 0).sum(axis=-1) == 1
    words[same & only] = LAST_ONLY
    ranked = same & ~only
    if not ranked.any():
        return words
    width = concepts.shape[-1]
    rows = np.flatnonzero(ranked.reshape(-1, width).any(axis=1))

    def of_rows(values: np.ndarray) -> np.ndarray:
        return values.reshape(-1, values.shape[-1])[rows]

    picked = of_rows(ranked)
    first = ranked_tasks(
        graph,
        of_rows(scores.p),
        np.where(picked, of_rows(concepts), -1),
        config,
        of_rows(scores.open),
        of_rows(scores.attempts),
        of_rows(scores.last_task),
    )[..., 0]
    flat = words.reshape(-1, width)
    flat[rows] = np.where(
        picked, np.where(first == of_rows(tasks), LAST_NONE_FITS, LAST_OTHERS_PLANNED), flat[rows]
    )
    return words


def typical_prediction(graph: ConceptGraph, scores: ConceptScores, tasks: np.ndarray) -> np.ndarray:
    """(..., P) bool per pick: every concept of its task is where a learner starts (never answered, and at
    the tracer's starting mastery), so the predicted success is any new learner's. A concept raised by
    transfer, or a task shared with a mastered concept, gave this learner 74% or 62% where a new learner
    gets 41%, and the words called it a typical learner's (a review, 1 December). Without `typical`
    (the simulator's own matrices) only the answers are looked at."""
    concepts, weights = graph.task_terms
    at = np.maximum(tasks, 0)
    of_task = concepts[at]  # (..., P, s), 0 padded where the weight is 0
    where = of_task.reshape(*tasks.shape[:-1], -1)
    # Gathered at the picks' concepts first: (L, n) comparisons cost the batch a pass per learner matrix.
    untouched = take_at(scores.attempts, where) == 0
    if scores.typical is not None:
        untouched &= take_at(scores.p, where) == scores.typical[where]
    return (untouched.reshape(of_task.shape) | (weights[at] == 0)).all(axis=-1)


def goal_words(graph: ConceptGraph, scores: ConceptScores, at: np.ndarray) -> np.ndarray:
    """(..., P) int64 per pick, what its reason says of the learner's goals (`reasons.NO_GOALS` ...
    `reasons.LEADS_TO_GOAL`): 0 the learner has none, 1 off the goal path, 2 the concept is a goal, 3 + j
    it leads to goal j (of the unmet goals it leads to, the closest: the one the plan works towards)."""
    aims = scores.aims.reshape(*at.shape[:-1], 1, -1)  # (..., 1, G), closest first, -1 padded
    has_goals = np.asarray(scores.has_goals)[..., None]
    real = aims >= 0
    leads = graph.closure[at[..., None], np.maximum(aims, 0)] & real  # (..., P, G)
    first = np.take_along_axis(aims, np.argmax(leads, axis=-1)[..., None], axis=-1)[..., 0]
    words = np.where(leads.any(axis=-1), 3 + first, 1)
    words = np.where(((at[..., None] == aims) & real).any(axis=-1), 2, words)
    return np.where(has_goals, words, 0).astype(np.int64)


def unmet_goal_lists(flat_at: np.ndarray, n_rows: int, n: int) -> np.ndarray:
    """(L, G) int64: each row's unmet goals (concept numbers, ascending: the graph's prerequisite order),
    -1 padded, from their ascending flat positions in an (L, n) matrix; G >= 1."""
    rows, cols = np.divmod(flat_at, n)
    slot = np.arange(rows.size) - np.searchsorted(rows, rows)
    lists = np.full((n_rows, max(1, int(slot.max(initial=-1)) + 1)), -1, dtype=np.int64)
    lists[rows, slot] = cols
    return lists


def build_task(
    graph: ConceptGraph,
    facts: dict[str, Any],
    position: int,
    placement: bool,
    rank: int,
    pick: tuple[int, int, int],
) -> PlannedTask:
    """The PlannedTask for the pick at `position` of one learner's `facts` (see `pick_facts`)."""
    concept, _, task = pick
    purpose = "placement" if placement else ("review" if facts["review"][position] else "learn")
    success = float(facts["success"][position])
    reason = describe(
        graph,
        concept,
        purpose,
        p_mastery=float(facts["p"][position]),
        success=success,
        blocks=float(facts["blocks"][position]),
        goal=int(facts["goal"][position]),
        helped=facts["helped"][position],
        liked=int(facts["liked"][position]),
        again=bool(facts["again"][position]),
        first_try=bool(facts["first"][position]),
        consolidate=bool(facts["consolidate"][position]),
        last=int(facts["last"][position]),
        hard=int(facts["hard"][position]),
    )
    return PlannedTask(
        rank=rank,
        task_id=graph.task_ids[task],
        concept_id=graph.concept_ids[concept],
        reason=reason,
        predicted_success=round(success, 4),
        purpose=purpose,
        task_title=graph.task_titles[task],
        concept_name=graph.concept_names[concept],
    )


def plan_for_learner(
    graph: ConceptGraph,
    learner_id: str,
    *,
    p_mastery: np.ndarray,
    p_peak: np.ndarray,
    attempts: np.ndarray,
    goals: np.ndarray,
    config: PlanConfig,
    interests: np.ndarray | None = None,
    typical: np.ndarray | None = None,
    last_task: np.ndarray | None = None,
) -> Plan:
    """The next `config.n_tasks` tasks for one learner, each with a reason. Arrays are (n,); `interests`
    (T,) bool over `graph.tag_index`; `typical` (n,) float32 the tracer's starting mastery per concept, so
    that a reason calls a prediction a typical learner's only when it is (`typical_prediction`); `last_task`
    (n,) int the task of the learner's latest answer per concept, -1 where none is known (`ranked_tasks`)."""
    scores = score_concepts(graph, p_mastery, p_peak, attempts, goals, config, typical, interests, last_task)
    score = scores.rounded_scores()
    order = np.lexsort((np.arange(graph.n_concepts), -score))
    top = order[score[order] > NOT_A_CANDIDATE / 2].tolist()
    task_order = ranked_tasks(
        graph, scores.p, np.array(top, dtype=np.int64), config, scores.open, scores.attempts, scores.last_task
    )
    picks = order_picks(graph, pick_sequence(top, task_order, config, on_path_count(scores, top)))
    arrays = pick_facts(
        graph,
        scores,
        p_mastery,
        np.array([c for c, _, _ in picks], dtype=np.int64),
        np.array([t for _, _, t in picks], dtype=np.int64),
        config,
    )
    facts = {name: values.tolist() for name, values in arrays.items()}
    placement = bool(scores.placement)
    tasks = tuple(build_task(graph, facts, i, placement, i + 1, pick) for i, pick in enumerate(picks))
    return Plan(learner_id=learner_id, tasks=tasks, placement=bool(scores.placement))
