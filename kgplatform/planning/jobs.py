"""Plans for one chunk of a batch: the given learners' rows, the batch planner, one plan each in Redis.

The nightly batch sends chunks of learner ids to the workers; each chunk is planned here with the same
code as `bulk.plan_everyone`. Every chunk of one batch plans as of the batch's own time and input
stamps, and a plan's id is derived from (batch id, learner id), so a chunk run twice (a worker died
before acknowledging it) writes the very same records: exactly one current plan per learner.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from kgplatform.graph.driver import Row
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.batch import DEFAULT_CHUNK
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.pages import plan_records
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.store import InputStamps, PlanStore

# Namespace of batch plan ids: uuid5(namespace, "batch id/learner id").
BATCH_PLAN_NAMESPACE = uuid.UUID("5d0f4a52-43c1-4a8e-9a36-0b4c5e3f2d71")


def batch_plan_id(batch_id: str, learner_id: str) -> str:
    return str(uuid.uuid5(BATCH_PLAN_NAMESPACE, f"{batch_id}/{learner_id}"))


@dataclass(frozen=True)
class ChunkResult:
    learners: int
    tasks: int
    missing: list[str]  # ids asked for that are not (or no longer) learners


class ConceptGraphs:
    """Each worker process's curricula as arrays, rebuilt when the curriculum or transfer model moves."""

    def __init__(self, store: PlanStore) -> None:
        self.store = store
        self._graphs: dict[str, tuple[InputStamps, ConceptGraph]] = {}

    def get(self, curriculum_id: str, stamps: InputStamps) -> ConceptGraph:
        held = self._graphs.get(curriculum_id)
        if held is None or held[0] != stamps:
            self._graphs[curriculum_id] = (stamps, self.store.concept_graph(curriculum_id))
        return self._graphs[curriculum_id][1]


def learner_curriculum(row: Row) -> str | None:
    """The curriculum holding most of a learner's mastered concepts and goals (ties: the smallest id),
    the rule of `planning/find_learner_curriculum`; None for a learner with neither."""
    counts = Counter(c for c in [*row["curricula"], *row["goal_curricula"]] if c is not None)
    if not counts:
        return None
    return min(counts, key=lambda c: (-counts[c], c))


def plan_chunk_rows(
    graph: ConceptGraph,
    rows: Sequence[Row],
    params: TracerParams,
    *,
    batch_id: str,
    curriculum_id: str,
    stamps: InputStamps,
    now: datetime,
    config: PlanConfig | None = None,
    chunk_size: int = DEFAULT_CHUNK,
) -> list[PlanRecord]:
    """One plan record per row (rows as `jobs/read_mastery_of_learners` returns them)."""
    if not rows:
        return []
    return list(
        plan_records(
            graph,
            rows,
            params,
            config or PlanConfig(),
            chunk_size,
            curriculum_id=curriculum_id,
            stamps=stamps,
            now=now,
            plan_id=lambda learner_id: batch_plan_id(batch_id, learner_id),
        )
    )


def store_chunk(cache: PlanCache, records: Sequence[PlanRecord], asked: Sequence[str]) -> ChunkResult:
    """Writes the chunk's plans to the serving cache (one key per learner: a rerun overwrites)."""
    cache.put_json_many((r.learner_id, r.to_json()) for r in records)
    planned = {r.learner_id for r in records}
    return ChunkResult(
        len(records), sum(len(r.tasks) for r in records), [i for i in asked if i not in planned]
    )
