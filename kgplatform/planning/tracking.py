"""What policies see in the simulator: the tracer's estimates, updated answer by answer.

Uses the tracer's own BKT formulas (`kgplatform.mastery.bkt`: decay, posterior, transition) on dense
learner x concept arrays, one simulated answer per learner per step. Estimates come only from the
simulated answers, never from the hidden state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgplatform.mastery.bkt import TracerParams, decay, posterior, transition
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph


@dataclass(eq=False)
class EstimateTracker:
    """BKT estimates of L learners: p as of `as_of_days` (NaN: never updated), attempts per concept."""

    graph: ConceptGraph
    params: TracerParams
    learner_ids: list[str]
    goals: np.ndarray
    p: np.ndarray
    as_of_days: np.ndarray
    attempts: np.ndarray
    # (L, n) int32 the task of each learner's latest answer per concept (-1: none), as MASTERY keeps it
    last_task: np.ndarray

    @classmethod
    def start(
        cls, graph: ConceptGraph, goals: np.ndarray, params: TracerParams | None = None
    ) -> EstimateTracker:
        params = TracerParams.default(graph.concept_ids) if params is None else params  # has a length
        n_learners = goals.shape[0]
        shape = (n_learners, graph.n_concepts)
        return cls(
            graph,
            params,
            [f"sim-{i}" for i in range(n_learners)],
            goals.copy(),
            np.broadcast_to(params.p_init, shape).copy(),
            np.full(shape, np.nan),
            np.zeros(shape),
            np.full(shape, -1, dtype=np.int32),
        )

    def now(self, now_days: float) -> np.ndarray:
        """(L, n) estimates at `now_days`, forgetting since the last update applied."""
        return decay(self.p, now_days - self.as_of_days, self.params.forget_rate_per_day, self.params.p_init)

    def view(self, now_days: float) -> LearnerMatrix:
        return LearnerMatrix(
            self.learner_ids, self.now(now_days), self.p, self.attempts, self.goals, last_task=self.last_task
        )

    def observe(self, tasks: np.ndarray, correct: np.ndarray, now_days: float) -> None:
        """Each learner answered `tasks[i]` (-1: nothing) with score `correct[i]` at `now_days`."""
        practised = (self.graph.task_rows(np.maximum(tasks, 0)) > 0) & (tasks >= 0)[:, None]
        prior = self.now(now_days)
        prm = self.params
        observed = posterior(prior, correct[:, None], prm.p_slip, prm.p_guess)
        updated = transition(observed, prm.p_learn, prm.p_forget)
        self.p = np.where(practised, updated, self.p)
        self.as_of_days = np.where(practised, now_days, self.as_of_days)
        self.attempts = self.attempts + practised
        self.last_task = np.where(practised, tasks[:, None], self.last_task).astype(np.int32)
