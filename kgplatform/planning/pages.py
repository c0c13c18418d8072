"""One page of learners planned and cached: the unit of work of bulk planning, in or out of process.

`PageJob` holds what every page shares (the curriculum's arrays, the tracer, the time and input
stamps) and pickles, so a worker process receives it once and then only pages of rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from kgplatform.mastery.bkt import TracerParams
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.batch import chunk_picks, chunk_size_for
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


def fresh_plan_ids(count: int) -> list[str]:
    """`count` random (version 4) UUIDs as `str(uuid.uuid4())` writes them, from one `os.urandom` call:
    a third of the cost of building each UUID object (2.6 us a plan, a fifth of writing its JSON)."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # the RFC 4122 variant
    text = raw.tobytes().hex()
    return [
        f"{text[i : i + 8]}-{text[i + 8 : i + 12]}-{text[i + 12 : i + 16]}-"
        f"{text[i + 16 : i + 20]}-{text[i + 20 : i + 32]}"
        for i in range(0, 32 * count, 32)
    ]


@dataclass(frozen=True, eq=False)
class PageJob:
    """Everything a page's plans depend on besides its rows: picklable, so a worker process can plan it."""

    graph: ConceptGraph
    params: TracerParams
    config: PlanConfig
    curriculum_id: str
    stamps: InputStamps  # the curriculum's and transfer model's; each learner adds its own mastery_at
    now: datetime
    chunk_size: int | None = None  # learners per planning chunk; None: `batch.chunk_for` the curriculum
    batch_id: str | None = None  # set: plan ids derive from (batch, learner); None: fresh ids
    # When the rows were read, if not `now`: a batch decays everyone's mastery to one moment (`now`, its
    # fan-out) but dates each plan when its chunk read mastery, so an answer posted between the two, which
    # the plan already includes, does not make it read as older than that answer.
    created_at: datetime | None = None

    def plan_ids(self, learner_ids: Sequence[str]) -> list[str]:
        if self.batch_id is None:
            return fresh_plan_ids(len(learner_ids))
        return [batch_plan_id(self.batch_id, learner_id) for learner_id in learner_ids]


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
    chunk_size = chunk_size_for(job.graph, job.chunk_size)
    for start in range(0, len(page), chunk_size):
        stop = start + chunk_size
        picks = chunk_picks(job.graph, learners.rows(start, stop), job.config)
        ids = learners.learner_ids[start:stop]
        plans = chunk_json(
            job.graph,
            picks,
            ids,
            mastery_at[start:stop],
            plan_ids=job.plan_ids(ids),
            curriculum_id=job.curriculum_id,
            created_at=job.created_at or job.now,
            model_version=version,
            stamps=job.stamps,
        )
        values.extend(zip(ids, plans, strict=True))
        tasks += int(picks.count.sum())
    cache.put_json_many(values)
    return len(page), tasks
