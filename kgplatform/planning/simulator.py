"""Simulated learners with a known hidden state, to measure planning policies against the truth.

Hidden, per concept: whether each learner knows it. Practising a task on concept c
- answers right with 1 - slip (known) or guess (not known), shifted by the task's difficulty;
- then, if c is not known, learns it with p_learn[c] x ability x readiness^2, where readiness is the
  share of c's prerequisites the learner knows (practice without the foundations is mostly wasted);
- transfers: every unknown concept b not practised gets an extra chance pull(b) x p_learn[b] x ability x
  readiness(b)^2, where pull(b) = 1 - prod over practised c of (1 - transfer[c, b]) (the known
  ground-truth transfer graph: prerequisite edges both ways plus some hidden side links);
- known concepts not practised are forgotten at forget_rate per day.
Policies never see this state: they see the tracer's estimates (`tracking.EstimateTracker`) built
from the simulated answers. All randomness of step k comes from (seed, k) and is drawn the same way
for every policy, so policies are compared on the same learners and the same luck.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from scipy import sparse

from kgplatform.planning.graph import ConceptGraph

DIFFICULTY_EFFECT = 0.2


@dataclass(frozen=True, eq=False)
class TruthModel:
    """The hidden per-concept dynamics and the ground-truth transfer graph (n x n)."""

    p_learn: np.ndarray
    slip: np.ndarray
    guess: np.ndarray
    forget_rate_per_day: np.ndarray
    transfer: np.ndarray
    # The exponent of readiness in the learning chance; 0 switches readiness off (learning ignores what is
    # known of the prerequisites), only for measuring how much of "A before B helps" a transfer label
    # picks up from readiness rather than from `transfer` (`eval-transfer --no-simulator-readiness`).
    readiness_power: float = 2.0

    @cached_property
    def log_miss(self) -> sparse.csr_array:
        """log(1 - transfer), sparse: summed over practised sources it gives log P(no transfer)."""
        return sparse.csr_array(np.log1p(-np.clip(self.transfer, 0.0, 0.999)))

    @classmethod
    def generate(cls, graph: ConceptGraph, seed: int, side_links_per_concept: float = 0.5) -> TruthModel:
        rng = np.random.default_rng([seed, 1])
        n = graph.n_concepts
        transfer = np.zeros((n, n))
        src, dst = np.nonzero(graph.prereq)
        transfer[src, dst] = rng.uniform(0.1, 0.4, src.size)  # a prerequisite's practice helps its dependant
        transfer[dst, src] = rng.uniform(0.05, 0.2, src.size)  # and practising the dependant revises it
        n_side = int(side_links_per_concept * n)
        a, b = rng.integers(0, n, n_side), rng.integers(0, n, n_side)
        keep = a != b
        # A side link may land on a prerequisite pair and replace its strength (2-3 pairs of 200 concepts'
        # graphs, a review found); kept as it is, since every published figure was drawn with it.
        transfer[a[keep], b[keep]] = rng.uniform(0.05, 0.3, int(keep.sum()))
        return cls(
            p_learn=rng.uniform(0.2, 0.5, n),
            slip=rng.uniform(0.05, 0.15, n),
            guess=rng.uniform(0.1, 0.25, n),
            forget_rate_per_day=np.log(2) / rng.uniform(15.0, 45.0, n),
            transfer=transfer,
        )


@dataclass(eq=False)
class Population:
    """Hidden state of L learners: ability (L,), known (L, n) bool, goals (L, n) bool."""

    ability: np.ndarray
    known: np.ndarray
    goals: np.ndarray

    def copy(self) -> Population:
        return Population(self.ability.copy(), self.known.copy(), self.goals.copy())

    def goal_mastery(self) -> np.ndarray:
        """(L,) the share of each learner's goals truly known now: the comparison's metric."""
        return (self.known & self.goals).sum(axis=1) / np.maximum(self.goals.sum(axis=1), 1)

    @classmethod
    def generate(
        cls, graph: ConceptGraph, n_learners: int, seed: int, *, n_goals: int = 3, max_goal_gap: int = 6
    ) -> Population:
        """Learners who know some foundations, each with goals a few unknown concepts away.

        Goals are unknown concepts with 2..max_goal_gap unknown concepts on the way (themselves
        included), so they are reachable in tens of tasks but not by luck.
        """
        rng = np.random.default_rng([seed, 2])
        n = graph.n_concepts
        depth = np.zeros(n)
        for j in range(n):  # concepts are in topological order
            parents = np.flatnonzero(graph.prereq[:, j])
            depth[j] = depth[parents].max() + 1 if parents.size else 0
        base = rng.uniform(0.5, 0.95, n_learners)
        known = np.zeros((n_learners, n), dtype=bool)
        n_parents = np.maximum(graph.prereq.sum(axis=0), 1)
        for j in range(n):
            parents = np.flatnonzero(graph.prereq[:, j])
            readiness = known[:, parents].sum(axis=1) / n_parents[j] if parents.size else np.ones(n_learners)
            chance = base * 0.9 ** depth[j] * readiness**2
            known[:, j] = rng.random(n_learners) < chance
        goals = np.zeros_like(known)
        closure = graph.closure_s
        gaps = (~known).astype(np.float32) @ closure  # (L, n): unknown concepts on the way to each concept
        for row in range(n_learners):
            fits = np.flatnonzero(
                ~known[row] & (gaps[row] >= 2) & (gaps[row] <= max_goal_gap) & graph.has_tasks
            )
            if fits.size < n_goals:
                fits = np.flatnonzero(~known[row] & graph.has_tasks)
            if fits.size:
                goals[row, rng.choice(fits, size=min(n_goals, fits.size), replace=False)] = True
        return cls(ability=rng.uniform(0.7, 1.3, n_learners), known=known, goals=goals)


@dataclass(frozen=True)
class StepOutcome:
    correct: np.ndarray  # (L,) 0/1 answers to the chosen tasks


def step_randomness(seed: int, step: int, n_learners: int, n_concepts: int) -> tuple[np.ndarray, ...]:
    """The uniforms step `step` uses: answers (L,), learning (L, n), transfer (L, n), forgetting (L, n)."""
    rng = np.random.default_rng([seed, 3, step])
    return (
        rng.random(n_learners),
        rng.random((n_learners, n_concepts)),
        rng.random((n_learners, n_concepts)),
        rng.random((n_learners, n_concepts)),
    )


def simulate_step(
    graph: ConceptGraph,
    truth: TruthModel,
    population: Population,
    tasks: np.ndarray,
    days: float,
    seed: int,
    step: int,
) -> StepOutcome:
    """Every learner does the chosen task (-1: nothing); the hidden state changes in place."""
    n_learners, n = population.known.shape
    u_answer, u_learn, u_transfer, u_forget = step_randomness(seed, step, n_learners, n)
    active = tasks >= 0
    weights = graph.task_rows(np.maximum(tasks, 0)) * active[:, None]  # (L, n)
    practised = weights > 0
    known = population.known
    shift = DIFFICULTY_EFFECT * (graph.task_difficulty[np.maximum(tasks, 0)] - 0.5)
    p_right_each = np.where(known, 1.0 - truth.slip, truth.guess)
    p_right = np.clip((weights * p_right_each).sum(axis=1) - shift, 0.01, 0.99)
    correct = (active & (u_answer < p_right)).astype(float)

    n_parents = np.maximum(graph.prereq.sum(axis=0), 1)
    readiness = np.where(
        graph.prereq.any(axis=0), (known.astype(np.float32) @ graph.prereq_s) / n_parents, 1.0
    )
    learn_p = truth.p_learn * population.ability[:, None] * readiness**truth.readiness_power
    learned = practised & ~known & (u_learn < learn_p)
    pull = -np.expm1(practised.astype(np.float64) @ truth.log_miss)
    transferred = ~known & ~practised & (u_transfer < pull * learn_p)
    forgotten = known & ~practised & (u_forget < -np.expm1(-truth.forget_rate_per_day * days))
    population.known = (known & ~forgotten) | learned | transferred
    return StepOutcome(correct=correct)
