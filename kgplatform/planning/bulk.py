"""Plans for every learner of a curriculum: pages of mastery from Neo4j, the batch planner, Redis.

Memory stays bounded by the page size (mastery rows of `page_size` learners plus one chunk of
learner x concept matrices), whatever the number of learners. The next page is read while the
current one is planned, so the database and the planner work at the same time.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from kgplatform.graph.driver import Row
from kgplatform.mastery.bkt import TracerParams, decay
from kgplatform.mastery.tracing import to_days
from kgplatform.planning.batch import DEFAULT_CHUNK, LearnerMatrix, plan_batch
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.graph import ConceptGraph
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.records import PlanRecord
from kgplatform.planning.service import model_version
from kgplatform.planning.store import InputStamps, PlanStore, native

DEFAULT_PAGE = 5000


@dataclass
class BulkStats:
    learners: int = 0
    tasks: int = 0
    pages: int = 0


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
    column = np.fromiter(
        (lookup(c, -1) for r in rows for c in r["concepts"]), dtype=np.int64, count=owner.size
    )
    p = np.fromiter(itertools.chain.from_iterable(r["p"] for r in rows), dtype=np.float64, count=owner.size)
    tries = np.fromiter(
        itertools.chain.from_iterable(r["attempts"] for r in rows), dtype=np.float64, count=owner.size
    )
    as_of = np.fromiter(
        itertools.chain.from_iterable(r["as_of_s"] for r in rows), dtype=np.float64, count=owner.size
    )
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
    return LearnerMatrix([r["learner_id"] for r in rows], p_now, peak, attempts, goals)


def read_pages(store: PlanStore, page_size: int) -> Iterator[list[Row]]:
    """All learners, page by page (by id); each page is fetched while the previous one is used."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(store.mastery_page, "", page_size)
        while True:
            page = pending.result()
            if not page:
                return
            if len(page) == page_size:
                pending = pool.submit(store.mastery_page, page[-1]["learner_id"], page_size)
            else:
                pending = pool.submit(list)
            yield page


def plan_everyone(
    store: PlanStore,
    cache: PlanCache,
    params: TracerParams,
    curriculum_id: str,
    *,
    config: PlanConfig | None = None,
    page_size: int = DEFAULT_PAGE,
    chunk_size: int = DEFAULT_CHUNK,
    now: datetime | None = None,
    on_page: Callable[[BulkStats], None] | None = None,
) -> BulkStats:
    """Computes and caches a plan for every learner (Redis; Neo4j keeps the per-request plans)."""
    config = config or PlanConfig()
    now = now or datetime.now(UTC)
    graph = store.concept_graph(curriculum_id)
    stamps = store.curriculum_stamps(curriculum_id)
    version = model_version(params)
    stats = BulkStats()
    for page in read_pages(store, page_size):
        learners = learner_matrix(graph, page, params, to_days(now))
        mastery_at = {r["learner_id"]: native(r["mastery_at"]) for r in page}
        values = []
        for chunk in plan_batch(graph, learners, config, chunk_size):
            for plan in chunk:
                learner_stamps = InputStamps(
                    mastery_at[plan.learner_id], stamps.curriculum_at, stamps.transfer_version
                )
                record = PlanRecord.of(
                    plan,
                    plan_id=str(uuid.uuid4()),
                    curriculum_id=curriculum_id,
                    created_at=now,
                    model_version=version,
                    stamps=learner_stamps,
                )
                values.append((plan.learner_id, record.to_json()))
                stats.tasks += len(plan.tasks)
        cache.put_json_many(values)
        stats.learners += len(page)
        stats.pages += 1
        if on_page:
            on_page(stats)
    return stats
