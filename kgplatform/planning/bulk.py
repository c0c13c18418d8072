"""Plans for every learner of a curriculum: pages of mastery from Neo4j, the batch planner, Redis.

Memory stays bounded by the page size (mastery rows of `page_size` learners plus one chunk of
learner x concept matrices), whatever the number of learners. The next page is read while the
current one is planned, so the database and the planner work at the same time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from kgplatform.errors import ValidationFailed
from kgplatform.graph.driver import Row
from kgplatform.mastery.bkt import TracerParams
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.pages import PageJob, plan_page
from kgplatform.planning.policy import PlanConfig
from kgplatform.planning.pool import PagePool
from kgplatform.planning.store import PlanStore

__all__ = ["DEFAULT_PAGE", "BulkStats", "plan_everyone", "read_pages"]

DEFAULT_PAGE = 5000


@dataclass
class BulkStats:
    learners: int = 0
    tasks: int = 0
    pages: int = 0


def read_pages(store: PlanStore, page_size: int) -> Iterator[list[Row]]:
    """All learners, page by page (by id); each page is fetched while the previous one is used.

    The first page is requested at once, not at the first `next`: a caller that prepares something
    else meanwhile (spawning planning processes) overlaps it with the read.
    """
    reader = ThreadPoolExecutor(max_workers=1)
    return _pages(reader, reader.submit(store.mastery_page, "", page_size), store, page_size)


def _pages(
    reader: ThreadPoolExecutor, pending: Future[list[Row]], store: PlanStore, page_size: int
) -> Iterator[list[Row]]:
    with reader:
        while True:
            page = pending.result()
            if not page:
                return
            if len(page) == page_size:
                pending = reader.submit(store.mastery_page, page[-1]["learner_id"], page_size)
            else:
                pending = reader.submit(list)
            yield page


def plan_everyone(
    store: PlanStore,
    cache: PlanCache,
    params: TracerParams,
    curriculum_id: str,
    *,
    config: PlanConfig | None = None,
    page_size: int = DEFAULT_PAGE,
    chunk_size: int | None = None,
    now: datetime | None = None,
    on_page: Callable[[BulkStats], None] | None = None,
    workers: int = 0,
    redis_url: str | None = None,
) -> BulkStats:
    """Computes and caches a plan for every learner (Redis; Neo4j keeps the per-request plans).

    `workers` > 0 plans pages in that many processes (each writing to Redis at `redis_url`) while
    this one reads the next pages; 0 plans here, overlapping only the reads.
    """
    # The stamps before the inputs they stamp, as every planner reads them: an edit landing between the
    # two reads then makes these plans stale, where the other order labelled plans of the old curriculum
    # with the edit's time, and they read as fresh.
    stamps = store.curriculum_stamps(curriculum_id)
    job = PageJob(
        graph=store.concept_graph(curriculum_id),
        params=params,
        config=config or PlanConfig(),
        curriculum_id=curriculum_id,
        stamps=stamps,
        now=now or datetime.now(UTC),
        chunk_size=chunk_size,
    )
    stats = BulkStats()

    def count(learners: int, tasks: int) -> None:
        stats.learners += learners
        stats.tasks += tasks
        stats.pages += 1
        if on_page:
            on_page(stats)

    if workers <= 0:
        for page in read_pages(store, page_size):
            count(*plan_page(job, page, cache))
        return stats
    if not redis_url:
        raise ValidationFailed("planning in worker processes needs the Redis URL", field="redis_url")
    pages = read_pages(store, page_size)  # the first page is read while the workers start
    with PagePool(job, workers, redis_url, cache.ttl_s) as pool:
        for result in pool.map(pages):
            count(*result)
    return stats
