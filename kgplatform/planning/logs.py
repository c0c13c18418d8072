"""Answer logs from simulated learners, in the shape the answer API ingests (for demos and load tests).

Each learner follows our planner (as a real learner would follow their plan) on the given curriculum;
every answer becomes one record {event_id, learner_id, task_id, correct, answered_at, duration_s}.
The goals those learners pursue come as one record per learner {learner_id, concept_ids}:
`concept_ids` is the body of `PUT /learners/{learner_id}/goals` (and the argument of
`MasteryService.set_goals`), so a demo posts the goals first and then the answers.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from kgplatform.planning.batch import first_tasks
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.simulator import Population, TruthModel, simulate_step
from kgplatform.planning.stamps import PLANNER_VERSION
from kgplatform.planning.tracking import EstimateTracker

# Simulated time between a learner's answers; each answer is jittered later by up to half of it.
DAYS_PER_TASK = 0.25


def answers_span(n_tasks: int, days_per_task: float = DAYS_PER_TASK) -> timedelta:
    """How far after `start` the last answer of `simulate_answer_logs` can be dated (its step plus the
    largest jitter): callers check that the whole log lies where POST /answers accepts times."""
    return timedelta(days=(n_tasks - 1) * days_per_task + days_per_task * 0.5)


def event_prefix(
    document: Mapping[str, Any], *, seed: int, n_learners: int, n_tasks: int, start: datetime
) -> str:
    """An event-id prefix naming everything that changes the simulated records: the curriculum, the seed,
    the sizes, the start time and the planner that chose the tasks (as a short digest). Two runs that
    differ in any of them give other ids, so posting both to one platform stores both, rather than the
    second being refused as conflicts (`simulate-logs` once named only the seed)."""
    identity = json.dumps(
        [document, seed, n_learners, n_tasks, start.isoformat(), PLANNER_VERSION], sort_keys=True, default=str
    )
    return f"sim-{seed}-{hashlib.sha256(identity.encode()).hexdigest()[:10]}"


def simulate_answer_logs(
    graph: ConceptGraph,
    *,
    n_learners: int,
    n_tasks: int,
    seed: int,
    start: datetime,
    days_per_task: float = DAYS_PER_TASK,
    learner_prefix: str = "learner",
    event_prefix: str | None = None,
) -> Iterator[dict[str, Any]]:
    """Yields answer records step by step (all learners' k-th answers, then the (k+1)-th). Event ids are
    `{event_prefix}-{learner}-{step}` (default prefix `sim-{seed}`): name in the prefix whatever else
    changes the records (sizes, say), or a replay of other records would conflict with stored ones."""
    event_prefix = event_prefix or f"sim-{seed}"
    truth = TruthModel.generate(graph, seed)
    population = Population.generate(graph, n_learners, seed)
    tracker = EstimateTracker.start(graph, population.goals)
    rng = np.random.default_rng([seed, 5])
    config = PlanConfig()
    for step in range(n_tasks):
        now = step * days_per_task
        tasks = first_tasks(graph, tracker.view(now), config)
        outcome = simulate_step(graph, truth, population, tasks, days_per_task, seed, step)
        tracker.observe(tasks, outcome.correct, now)
        jitter = rng.uniform(0.0, days_per_task * 0.5, n_learners)
        durations = np.round(rng.lognormal(np.log(60.0), 0.5, n_learners), 1)
        for learner in np.flatnonzero(tasks >= 0).tolist():
            yield {
                "event_id": f"{event_prefix}-{learner}-{step}",
                "learner_id": f"{learner_prefix}-{learner:05d}",
                "task_id": graph.task_ids[int(tasks[learner])],
                "correct": bool(outcome.correct[learner] > 0),
                "answered_at": (start + timedelta(days=now + float(jitter[learner]))).isoformat(),
                "duration_s": float(durations[learner]),
            }


def learner_goals(
    graph: ConceptGraph, *, n_learners: int, seed: int, learner_prefix: str = "learner"
) -> dict[str, list[str]]:
    """The goals the simulated learners of `simulate_answer_logs` pursue, by learner id."""
    population = Population.generate(graph, n_learners, seed)
    return {
        f"{learner_prefix}-{row:05d}": [graph.concept_ids[c] for c in np.flatnonzero(population.goals[row])]
        for row in range(n_learners)
    }


def goal_records(
    graph: ConceptGraph, *, n_learners: int, seed: int, learner_prefix: str = "learner"
) -> Iterator[dict[str, Any]]:
    """One {learner_id, concept_ids} record per simulated learner of `simulate_answer_logs` (same seed)."""
    goals = learner_goals(graph, n_learners=n_learners, seed=seed, learner_prefix=learner_prefix)
    for learner_id, concept_ids in goals.items():
        yield {"learner_id": learner_id, "concept_ids": concept_ids}
