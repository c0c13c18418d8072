"""Seeded synthetic answer logs (and the small curriculum they refer to) for tests and benchmarks.

Each learner practises tasks over `days` days; the chance of a right answer rises with the learner's
practice of that task (earlier answers to it), so the log looks like learning, not noise. Rows are the
JSON objects a service posts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class SyntheticCurriculum:
    concepts: list[dict[str, Any]]
    tasks: list[dict[str, Any]]
    prerequisites: list[dict[str, str]]
    id: str = "synthetic"

    def query_params(self) -> dict[str, Any]:
        """The parameters of `testing/create_mastery_curriculum` (besides `now`) that write it."""
        return {
            "curriculum_id": self.id,
            "concepts": self.concepts,
            "tasks": self.tasks,
            "prerequisites": self.prerequisites,
        }


def make_curriculum(n_concepts: int, n_tasks: int, seed: int = 0) -> SyntheticCurriculum:
    """A chain-like prerequisite DAG; each task exercises one concept, every fourth task two."""
    rng = np.random.default_rng(seed)
    concept_ids = [f"c{i:04d}" for i in range(n_concepts)]
    concepts = [
        {"id": c, "name": f"Concept {i}", "tags": [f"topic{i % 5}"]} for i, c in enumerate(concept_ids)
    ]
    prerequisites = [
        {"prerequisite": concept_ids[i - 1], "concept": concept_ids[i]} for i in range(1, n_concepts)
    ]
    tasks = []
    for i in range(n_tasks):
        first = i % n_concepts
        ids = [concept_ids[first]]
        if i % 4 == 3 and n_concepts > 1:
            ids.append(concept_ids[(first + 1 + int(rng.integers(n_concepts - 1))) % n_concepts])
        tasks.append({"id": f"t{i:05d}", "concept_ids": ids})
    return SyntheticCurriculum(concepts, tasks, prerequisites)


def make_answers(
    curriculum: SyntheticCurriculum,
    n_learners: int,
    n_answers: int,
    *,
    days: float = 30.0,
    seed: int = 0,
    prefix: str = "e",
) -> list[dict[str, Any]]:
    """`n_answers` rows in time order (learners interleaved), event ids `{prefix}{n}`, unique."""
    rng = np.random.default_rng(seed)
    learner = rng.integers(n_learners, size=n_answers)
    task = rng.integers(len(curriculum.tasks), size=n_answers)
    offset_us = np.sort(rng.integers(0, int(days * 86_400_000_000), size=n_answers))
    practice = np.zeros((n_learners, len(curriculum.tasks)), dtype=np.int64)
    correct = np.empty(n_answers, dtype=bool)
    noise = rng.random(n_answers)
    for i in range(n_answers):  # sequential on purpose: practice so far shapes the chance of success
        n = practice[learner[i], task[i]]
        correct[i] = noise[i] < 0.35 + 0.5 * (1.0 - np.exp(-0.4 * n))
        practice[learner[i], task[i]] = n + 1
    durations = rng.gamma(2.0, 20.0, size=n_answers).round(1)
    return [
        {
            "event_id": f"{prefix}{i}",
            "learner_id": f"l{learner[i]:06d}",
            "task_id": curriculum.tasks[task[i]]["id"],
            "correct": bool(correct[i]),
            "answered_at": (START + timedelta(microseconds=int(offset_us[i]))).isoformat(),
            "duration_s": float(durations[i]),
        }
        for i in range(n_answers)
    ]
