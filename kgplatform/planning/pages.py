"""One page of learners planned and cached: the unit of work of bulk planning, in or out of process.

`PageJob` holds what every page shares (the curriculum's arrays, the tracer, the time and input
stamps) and pickles, so a worker process receives it once and then only pages of rows.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np

from kgplatform.graph.driver import Row
from kgplatform.mastery.bkt import TracerParams, decay
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.batch import DEFAULT_CHUNK, LearnerMatrix, chunk_picks, plan_batch
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.page_json import chunk_json
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import model_version
from kgplatform.planning.store import InputStamps, native


def learner_matrix(
    graph: ConceptGraph, rows: Sequence[Row], params: TracerParams, now_days: float
) -> LearnerMatrix:
    """Page rows (see `planning/read_mastery_page`) as (L, n) matrices in the graph's concept order."""
    params = params.extended(graph.concept_ids)
    order = params.indices(list(graph.concept_ids))
    p_init, rate = params.p_init[order], params.forget_rate_per_day[order]
    n_rows, n = len(rows), graph.n_concepts
    counts = np.fromiter((len(r["concepts"]) for r in rows), dtype=np.int64, count=n_rows)
    owner = np.repeat(np.arange(n_rows), counts)
    lookup = graph.index.get

    def flat(key: str) -> list[Any]:
        # One list, then one conversion: a third of the cost of np.fromiter over a generator.
        return list(itertools.chain.from_iterable(r[key] for r in rows))

    column = np.array([lookup(c, -1) for c in flat("concepts")], dtype=np.int64)
    p = np.array(flat("p"), dtype=np.float64)
    tries = np.array(flat("attempts"), dtype=np.float64)
    as_of = np.array(flat("as_of_s"), dtype=np.float64)
    keep = (column >= 0) & (p >= 0)
    owner, column, p = owner[keep], column[keep], p[keep]
    as_of_days = np.where(as_of[keep] >= 0, as_of[keep] / 86400.0, np.nan)
    # Forgetting only touches concepts with stored mastery: decay those values, not the whole matrix.
    p_now_known = decay(p, now_days - as_of_days, rate[column], p_init[column])
    # float32: the planner computes in float32 anyway, and it halves this page's memory traffic.
    peak = np.empty((n_rows, n), dtype=np.float32)
    peak[:] = p_init
    p_now = peak.copy()
    attempts = np.zeros((n_rows, n), dtype=np.float32)
    peak[owner, column] = p
    p_now[owner, column] = p_now_known
    attempts[owner, column] = tries[keep]
    goals = np.zeros((n_rows, n), dtype=bool)
    g_owner = [i for i, r in enumerate(rows) for g in r["goals"] if g in graph.index]
    g_column = [graph.index[g] for r in rows for g in r["goals"] if g in graph.index]
    goals[g_owner, g_column] = True
    return LearnerMatrix(
        [r["learner_id"] for r in rows], p_now, peak, attempts, goals, p_init.astype(np.float32)
    )


@dataclass(frozen=True, eq=False)
class PageJob:
    """Everything a page's plans depend on besides its rows: picklable, so a worker process can plan it."""

    graph: ConceptGraph
    params: TracerParams
    config: PlanConfig
    curriculum_id: str
    stamps: InputStamps  # the curriculum's and transfer model's; each learner adds its own mastery_at
    now: datetime
    chunk_size: int = DEFAULT_CHUNK


def plan_records(
    graph: ConceptGraph,
    rows: Sequence[Row],
    params: TracerParams,
    config: PlanConfig,
    chunk_size: int,
    *,
    curriculum_id: str,
    stamps: InputStamps,
    now: datetime,
    plan_id: Callable[[str], str],
) -> Iterator[PlanRecord]:
    """One plan record per row, planned as of `now`; each learner's stamps add its own mastery_at.
    The bulk path (fresh ids) and the workers' chunks (ids derived from the batch) share it."""
    learners = learner_matrix(graph, rows, params, to_days(now))
    mastery_at = {r["learner_id"]: native(r["mastery_at"]) for r in rows}
    version = model_version(params)
    for chunk in plan_batch(graph, learners, config, chunk_size):
        for plan in chunk:
            yield PlanRecord.of(
                plan,
                plan_id=plan_id(plan.learner_id),
                curriculum_id=curriculum_id,
                created_at=now,
                model_version=version,
                stamps=InputStamps(
                    mastery_at[plan.learner_id], stamps.curriculum_at, stamps.transfer_version
                ),
            )


def plan_page(job: PageJob, rows: Sequence[Row], cache: PlanCache) -> tuple[int, int]:
    """Plans one page of learners and caches them; returns (learners, tasks).

    The JSON is written from the chunk's arrays (`page_json.chunk_json`), the same bytes as
    `plan_records(...)`'s `PlanRecord.to_json()` without building those objects."""
    learners = learner_matrix(job.graph, rows, job.params, to_days(job.now))
    mastery_at = [native(r["mastery_at"]) for r in rows]
    version = model_version(job.params)
    values: list[tuple[str, bytes]] = []
    tasks = 0
    for start in range(0, len(rows), job.chunk_size):
        stop = start + job.chunk_size
        picks = chunk_picks(job.graph, learners.rows(start, stop), job.config)
        ids = learners.learner_ids[start:stop]
        plans = chunk_json(
            job.graph,
            picks,
            ids,
            mastery_at[start:stop],
            plan_id=lambda _learner: str(uuid.uuid4()),
            curriculum_id=job.curriculum_id,
            created_at=job.now,
            model_version=version,
            stamps=job.stamps,
        )
        values.extend(zip(ids, plans, strict=True))
        tasks += int(picks.count.sum())
    cache.put_json_many(values)
    return len(rows), tasks
