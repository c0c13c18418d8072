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

from kgplatform.errors import ValidationFailed
from kgplatform.planning import frontier as fr
from kgplatform.planning.graph import ConceptGraph, propagate
from kgplatform.planning.reasons import describe

SCORE_DECIMALS = 6
NOT_A_CANDIDATE = -1e9


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
    transfer_weight: float = 0.5
    unblock_weight: float = 0.3
    review_weight: float = 0.8
    band_weight: float = 0.2
    off_path_weight: float = 0.1

    def __post_init__(self) -> None:
        low, high = self.success_band
        if not 0.0 <= low < high <= 1.0:
            raise ValidationFailed("success_band must satisfy 0 <= low < high <= 1", field="success_band")
        if self.n_tasks < 1 or self.n_tasks > 100:
            raise ValidationFailed("n_tasks must be between 1 and 100", field="n_tasks")
        if self.max_tasks_per_concept < 1:
            raise ValidationFailed("max_tasks_per_concept must be at least 1", field="max_tasks_per_concept")


@dataclass(frozen=True)
class PlannedTask:
    rank: int
    task_id: str
    concept_id: str
    reason: str
    predicted_success: float
    purpose: str  # "learn" | "review" | "placement"


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

    score: np.ndarray
    frontier: np.ndarray
    review: np.ndarray
    blocks: np.ndarray
    on_path: np.ndarray
    success: np.ndarray  # (..., m) predicted success of every task
    in_band: np.ndarray
    transfer_gain: np.ndarray
    missing: np.ndarray = field(repr=False)
    placement: np.ndarray = field(repr=False)  # (...,) bool: this learner has answered nothing yet


def predicted_success(graph: ConceptGraph, p_mastery: np.ndarray, config: PlanConfig) -> np.ndarray:
    """(..., m): probability of answering each task right, from mastery and the task's difficulty."""
    per_concept = p_mastery * (1.0 - config.slip) + (1.0 - p_mastery) * config.guess
    success = per_concept @ graph.task_weights_t - config.difficulty_effect * (graph.task_difficulty - 0.5)
    return np.clip(success, 0.0, 1.0)


def band_distance(success: np.ndarray, config: PlanConfig) -> np.ndarray:
    """How far a predicted success is from the band (0 inside), nearer the centre better; rounded."""
    low, high = config.success_band
    distance = np.maximum(np.maximum(low - success, success - high), 0.0) + 1e-3 * np.abs(
        success - (low + high) / 2
    )
    return np.round(distance, SCORE_DECIMALS)


def ranked_tasks(
    graph: ConceptGraph, success: np.ndarray, concepts: np.ndarray, config: PlanConfig
) -> np.ndarray:
    """(..., k, w) the tasks of the given (..., k) concepts, best fit first, -1 padded (and for concept -1).

    Order: band distance (inside the band nearest its centre, else nearest the band), then position.
    """
    options = np.where((concepts >= 0)[..., None], graph.concept_tasks[np.maximum(concepts, 0)], -1)
    rows = success[..., None, :] if success.ndim > 1 else success
    s = np.take_along_axis(
        np.broadcast_to(rows, (*options.shape[:-1], success.shape[-1])), np.maximum(options, 0), axis=-1
    )
    distance = np.where(options >= 0, band_distance(s, config), np.inf)
    order = np.argsort(distance, axis=-1, kind="stable")
    return np.take_along_axis(options, order, axis=-1)


GATHER_MAX_TASKS = 16


def tasks_in_band(graph: ConceptGraph, band: np.ndarray) -> np.ndarray:
    """(..., n) bool from (..., m) task flags: does some task of each concept have its flag set.

    A gather over each concept's few tasks (`concept_tasks`) costs L x n x w lookups, several times
    cheaper than a (L, m) x (m, n) product; a curriculum with a concept of very many tasks uses the product.
    """
    if graph.concept_tasks.shape[1] > GATHER_MAX_TASKS:
        return propagate(band.astype(np.float32), graph.task_concepts) > 0
    padded = np.concatenate([band, np.zeros((*band.shape[:-1], 1), dtype=bool)], axis=-1)
    slots = np.where(graph.concept_tasks >= 0, graph.concept_tasks, band.shape[-1])  # -1 -> the False column
    return padded[..., slots].any(axis=-1)


def _normalised(values: np.ndarray) -> np.ndarray:
    top = values.max(axis=-1, keepdims=True)
    return np.divide(values, top, out=np.zeros_like(values), where=top > 0)


def score_concepts(
    graph: ConceptGraph,
    p_mastery: np.ndarray,
    p_peak: np.ndarray,
    attempts: np.ndarray,
    goals: np.ndarray,
    config: PlanConfig,
) -> ConceptScores:
    """Scores every concept for one learner (n,) or many (L, n); non-candidates get NOT_A_CANDIDATE.

    `p_mastery` is the estimate now (after forgetting), `p_peak` the estimate when last practised.
    """
    # float32 halves the memory traffic of the (L, n) passes; scores are rounded well above its precision.
    p = p_mastery.astype(np.float32)
    p_peak = p_peak.astype(np.float32)
    known = fr.known_concepts(graph, p, config.mastered_at)
    on_path = fr.goal_paths(graph, goals, known)
    good_enough = fr.known_concepts(graph, p, config.ready_at)
    ready = fr.frontier(graph, known, good_enough)
    blocks = fr.blocking_counts(graph, good_enough, on_path)
    review = (p_peak >= config.mastered_at) & (p < config.review_below) & graph.has_tasks
    missing = np.where(on_path, 1.0 - p, np.float32(0.0))
    # Practice on i helps j by transfer[i, j]; what counts is help towards what is still missing.
    transfer_gain = _normalised(propagate(missing, graph.transfer_t))
    # Concepts feeding more of the unmet goal mass come first (foundations of several goals).
    goal_pull = _normalised(propagate(missing, graph.closure_t))
    success = predicted_success(graph, p, config)
    low, high = config.success_band
    # Some task in the band means the best-fitting task is in it (`ranked_tasks` puts those first).
    in_band = tasks_in_band(graph, (success >= low) & (success <= high))

    learn = ready & on_path
    fallback = ready & ~on_path
    score = (
        config.goal_weight * goal_pull
        + config.transfer_weight * transfer_gain
        + config.unblock_weight * (blocks > 0)
        + config.review_weight * (review & on_path)
        + config.band_weight * in_band
    )
    score = np.where(
        learn | review, score, np.where(fallback, config.off_path_weight * score, NOT_A_CANDIDATE)
    )
    placement = attempts.sum(axis=-1) == 0
    uncertainty = p * (1.0 - p)
    place_score = uncertainty * (0.5 + graph.centrality) * np.where(on_path, 1.0, 0.5)
    place_score = np.where(graph.has_tasks, place_score, NOT_A_CANDIDATE)
    score = np.where(placement[..., None], place_score, score)
    return ConceptScores(
        score=np.round(score, SCORE_DECIMALS),
        frontier=ready,
        review=review,
        blocks=blocks,
        on_path=on_path,
        success=success,
        in_band=in_band,
        transfer_gain=transfer_gain,
        missing=missing,
        placement=placement,
    )


def pick_sequence(top: list[int], task_order: np.ndarray, config: PlanConfig) -> list[tuple[int, int, int]]:
    """(concept, round, task) picks: one task for each top concept, then second tasks, up to n_tasks.

    `task_order` (k, w) holds each top concept's tasks, best fit first (`ranked_tasks`).
    Variety first: a concept gets a second task only when fewer than n_tasks concepts qualify.
    Picks come in score order, round by round; `order_picks` then puts prerequisites first.
    """
    picks: list[tuple[int, int, int]] = []
    for round_ in range(min(config.max_tasks_per_concept, task_order.shape[-1])):
        for position, concept in enumerate(top):
            task = int(task_order[position, round_])
            if task >= 0 and len(picks) < config.n_tasks:
                picks.append((concept, round_, task))
    return picks


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
    graph: ConceptGraph, scores: ConceptScores, p_mastery: np.ndarray, concepts: np.ndarray, tasks: np.ndarray
) -> dict[str, list[Any]]:
    """What each pick's PlannedTask needs, gathered for all picks at once: (P,) or (L, P) picks -> lists."""
    at = np.maximum(concepts, 0)

    def take(values: np.ndarray, where: np.ndarray) -> np.ndarray:
        rows = values.reshape(-1, values.shape[-1])
        return np.take_along_axis(rows, where.reshape(rows.shape[0], -1), axis=1).reshape(where.shape)

    targets = graph.transfer_targets[at]  # (..., P, 5)
    helps = (targets >= 0) & (take(scores.missing, np.maximum(targets, 0)) > 0)
    return {
        "review": take(scores.review, at).tolist(),
        "p": take(p_mastery, at).tolist(),
        "blocks": take(scores.blocks, at).tolist(),
        "on_path": take(scores.on_path, at).tolist(),
        "success": take(scores.success, np.maximum(tasks, 0)).tolist(),
        "helped": np.where(helps, targets, -1).tolist(),
    }


def build_task(
    graph: ConceptGraph,
    facts: dict[str, list[Any]],
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
        on_path=bool(facts["on_path"][position]),
        helped=facts["helped"][position],
    )
    return PlannedTask(
        rank=rank,
        task_id=graph.task_ids[task],
        concept_id=graph.concept_ids[concept],
        reason=reason,
        predicted_success=round(success, 4),
        purpose=purpose,
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
) -> Plan:
    """The next `config.n_tasks` tasks for one learner, each with a reason. Arrays are (n,)."""
    scores = score_concepts(graph, p_mastery, p_peak, attempts, goals, config)
    order = np.lexsort((np.arange(graph.n_concepts), -scores.score))
    top = [int(c) for c in order[: config.n_tasks] if scores.score[c] > NOT_A_CANDIDATE / 2]
    task_order = ranked_tasks(graph, scores.success, np.array(top, dtype=np.int64), config)
    picks = order_picks(graph, pick_sequence(top, task_order, config))
    facts = pick_facts(
        graph,
        scores,
        p_mastery,
        np.array([c for c, _, _ in picks], dtype=np.int64),
        np.array([t for _, _, t in picks], dtype=np.int64),
    )
    placement = bool(scores.placement)
    tasks = tuple(build_task(graph, facts, i, placement, i + 1, pick) for i, pick in enumerate(picks))
    return Plan(learner_id=learner_id, tasks=tasks, placement=bool(scores.placement))
