"""Learners for the worker tests: a small generated curriculum and N new learners with mastery and goals,
created with bulk UNWINDs, so 10,000 learners load in seconds."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import numpy as np

from kgplatform.curriculum.document import CurriculumDocument
from kgplatform.curriculum.generator import generate_curriculum
from kgplatform.curriculum.import_service import run_import
from kgplatform.curriculum.io import parse_json
from kgplatform.graph.driver import Graph

LOAD_BATCH = 2500


def seed_curriculum(
    graph: Graph, curriculum_id: str, concepts: int = 60, seed: int = 3
) -> CurriculumDocument:
    document = generate_curriculum(concepts, seed, curriculum_id=curriculum_id)
    run_import(graph, parse_json(document.to_json()), curriculum_id, actor="test")
    return document


def learner_rows(
    ids: range, prefix: str, concept_ids: list[str], mastery: int = 4, seed: int = 1
) -> list[dict]:
    rng = np.random.default_rng([seed, ids.start])
    n, now_s = len(concept_ids), int(time.time())
    rows = []
    for i in ids:
        picked = rng.choice(n, size=min(mastery, n), replace=False)
        p = rng.beta(4, 2, picked.size)
        rows.append(
            {
                "learner_id": f"{prefix}{i:06d}",
                "mastery": [
                    {
                        "concept_id": concept_ids[c],
                        "p": float(p[k]),
                        "attempts": 3,
                        "correct": 2.0,
                        "as_of_s": now_s - int(rng.integers(0, 30 * 86400)),
                    }
                    for k, c in enumerate(picked.tolist())
                ],
                "goals": [concept_ids[int(rng.integers(n // 2, n))]] if n else [],
            }
        )
    return rows


def seed_learners(graph: Graph, count: int, prefix: str, concept_ids: list[str]) -> list[str]:
    now = datetime.now(UTC)
    for start in range(0, count, LOAD_BATCH):
        rows = learner_rows(range(start, min(start + LOAD_BATCH, count)), prefix, concept_ids)
        graph.write("testing/create_plan_learners", rows=rows, now=now)
    return [f"{prefix}{i:06d}" for i in range(count)]
