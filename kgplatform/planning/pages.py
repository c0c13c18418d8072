"""One page of learners planned and cached: the unit of work of bulk planning, in or out of process.

`PageJob` holds what every page shares (the curriculum's arrays, the tracer, the time and input
stamps) and pickles, so a worker process receives it once and then only pages of rows.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.batch import DEFAULT_CHUNK, chunk_picks
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.page_json import chunk_json
from kgplatform.planning.page_rows import PageRows, compact_rows, matrix_of
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.stamps import InputStamps, model_version

if TYPE_CHECKING:  # the driver is not imported at run time: worker processes do without it
    from kgplatform.graph.driver import Row

# Namespace of batch plan ids: uuid5(namespace, "batch id/learner id").
BATCH_PLAN_NAMESPACE = uuid.UUID("5d0f4a52-43c1-4a8e-9a36-0b4c5e3f2d71")


def batch_plan_id(batch_id: str, learner_id: str) -> str:
    """The plan id of a learner in a batch: the same on every run of its chunk (a redelivered chunk
    overwrites its own plans instead of adding a second current one)."""
    return str(uuid.uuid5(BATCH_PLAN_NAMESPACE, f"{batch_id}/{learner_id}"))


def fresh_plan_id(_learner_id: str) -> str:
    return str(uuid.uuid4())


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
    batch_id: str | None = None  # set: plan ids derive from (batch, learner); None: fresh ids

    def plan_id(self) -> Callable[[str], str]:
        return fresh_plan_id if self.batch_id is None else functools.partial(batch_plan_id, self.batch_id)


def plan_page(job: PageJob, rows: Sequence[Row] | PageRows, cache: PlanCache) -> tuple[int, int]:
    """Plans one page of learners (driver rows, or `compact_rows` of them) and caches them; returns
    (learners, tasks).

    The JSON is written from the chunk's arrays (`page_json.chunk_json`), the same bytes as
    `PlanRecord.of(plan, ...).to_json()` of `plan_batch`'s plans, without building those objects."""
    page = rows if isinstance(rows, PageRows) else compact_rows(job.graph, rows)
    learners = matrix_of(job.graph, page, job.params, to_days(job.now))
    mastery_at = page.mastery_at
    version = model_version(job.params)
    values: list[tuple[str, bytes]] = []
    tasks = 0
    for start in range(0, len(page), job.chunk_size):
        stop = start + job.chunk_size
        picks = chunk_picks(job.graph, learners.rows(start, stop), job.config)
        ids = learners.learner_ids[start:stop]
        plans = chunk_json(
            job.graph,
            picks,
            ids,
            mastery_at[start:stop],
            plan_id=job.plan_id(),
            curriculum_id=job.curriculum_id,
            created_at=job.now,
            model_version=version,
            stamps=job.stamps,
        )
        values.extend(zip(ids, plans, strict=True))
        tasks += int(picks.count.sum())
    cache.put_json_many(values)
    return len(page), tasks
