"""The usual policies ours is measured against, each seeing exactly what ours sees (the tracer's estimates).

- random frontier: a random task on a random ready-to-learn concept;
- topological: the first concept not yet mastered in prerequisite order;
- weakest first: the concept with the lowest estimated mastery;
- goal-path topological: the first concept not yet mastered, in prerequisite order, on the way to an
  unmet goal (a teacher's "work towards the goal, foundations first");
- goal-path random frontier: a random ready-to-learn concept on the way to an unmet goal;
- goal-path topological, moving on at `ready_at`: as goal-path topological, but a prerequisite counts
  as done once it is good enough to open its dependants (0.6, ours' own frontier rule), goals still at
  0.85: the strongest simple policy a review found (1 December), which ours is measured against too.
The first three are blind to the learner's goals; the others are the fair test of the goal terms.
All use ours' "mastered" threshold (0.85) and goal-path definition; "ready to learn" (the frontier) means
every prerequisite mastered, as the usual policies have it, except in the last, which moves on as ours
does (ours opens a concept once its prerequisites reach 0.6). When every goal looks met, the goal-path
topological policies keep practising the least mastered goal (ours keeps working too) rather than
stopping.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from kgplatform.planning import frontier as fr
from kgplatform.planning.batch import LearnerMatrix
from kgplatform.planning.graph import ConceptGraph


class SimPolicy(Protocol):
    """Chooses one task per learner from the estimates; -1 means nothing to do."""

    name: str

    def choose(
        self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator
    ) -> np.ndarray: ...


def random_task_of(graph: ConceptGraph, concepts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(L,) a uniformly random task of each concept (-1 where the concept is -1)."""
    options = graph.concept_tasks[np.maximum(concepts, 0)]  # (L, w)
    counts = (options >= 0).sum(axis=1)
    pick = np.floor(rng.random(concepts.size) * np.maximum(counts, 1)).astype(np.int64)
    tasks = options[np.arange(concepts.size), pick]
    return np.where((concepts >= 0) & (counts > 0), tasks, -1)


def random_among(mask: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(L,) a uniformly random True column per row, -1 for rows with none."""
    noise = np.where(mask, rng.random(mask.shape), -1.0)
    choice = np.argmax(noise, axis=1)
    return np.where(mask.any(axis=1), choice, -1)


class RandomFrontier:
    """A random ready-to-learn concept; with `goal_path`, one on the way to an unmet goal when there is
    one (else any ready concept, as without)."""

    def __init__(self, mastered_at: float = 0.85, *, goal_path: bool = False) -> None:
        self.mastered_at = mastered_at
        self.goal_path = goal_path
        self.name = "goal-path random frontier" if goal_path else "random frontier"

    def choose(self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator) -> np.ndarray:
        known = fr.known_concepts(graph, learners.p_mastery, self.mastered_at)
        ready = fr.frontier(graph, known)
        if self.goal_path:
            on_path = ready & on_goal_path(graph, learners, self.mastered_at)
            ready = np.where(on_path.any(axis=1, keepdims=True), on_path, ready)
        concept = random_among(np.where(ready.any(axis=1, keepdims=True), ready, graph.has_tasks), rng)
        return random_task_of(graph, concept, rng)


class Topological:
    """The first concept not yet mastered in prerequisite order; with `goal_path`, the first on the way
    to an unmet goal, where with `move_on_at` a prerequisite (not a goal) counts as done once its
    mastery reaches that (ours' `ready_at`); once every goal looks met, the least mastered goal."""

    def __init__(
        self, mastered_at: float = 0.85, *, goal_path: bool = False, move_on_at: float | None = None
    ) -> None:
        self.mastered_at = mastered_at
        self.goal_path = goal_path
        self.move_on_at = move_on_at
        self.name = "goal-path topological" if goal_path else "topological order"
        if move_on_at is not None:
            self.name += f", moving on at {move_on_at:g}"

    def choose(self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator) -> np.ndarray:
        known = fr.known_concepts(graph, learners.p_mastery, self.mastered_at)
        if self.move_on_at is not None:
            known |= fr.known_concepts(graph, learners.p_mastery, self.move_on_at) & ~learners.goals
        todo = ~known & graph.has_tasks  # columns are already in topological order
        if self.goal_path:
            todo &= on_goal_path(graph, learners, self.mastered_at)
        concept = np.where(todo.any(axis=1), np.argmax(todo, axis=1), -1)
        if self.goal_path:
            # Every goal looks met: keep practising the least mastered one, as ours keeps working.
            goals = learners.goals & graph.has_tasks
            weakest_goal = np.argmin(np.where(goals, learners.p_mastery, np.inf), axis=1)
            concept = np.where((concept < 0) & goals.any(axis=1), weakest_goal, concept)
        return random_task_of(graph, concept, rng)


class WeakestFirst:
    name = "weakest first"

    def choose(self, graph: ConceptGraph, learners: LearnerMatrix, rng: np.random.Generator) -> np.ndarray:
        p = np.where(graph.has_tasks, learners.p_mastery, np.inf)
        weakest = p <= p.min(axis=1, keepdims=True)  # ties (e.g. untouched concepts) broken at random
        return random_task_of(graph, random_among(weakest & graph.has_tasks, rng), rng)


def on_goal_path(graph: ConceptGraph, learners: LearnerMatrix, mastered_at: float) -> np.ndarray:
    """(L, n) bool: concepts on the way to an unmet goal, as ours defines it (`frontier.goal_paths`)."""
    met = fr.implied_known(graph, learners.p_mastery, mastered_at)
    return fr.goal_paths(graph, learners.goals, met)
