"""Bulk planning in worker processes: pages of learners in, plans straight to Redis, counts back.

Planning is CPU-bound numpy and Python; one process cannot plan while it decodes the next page (both
need the GIL). Workers receive the shared `PageJob` once (at start) and then only pages of rows, and
write their plans to Redis themselves, so nothing large travels back. Workers are spawned, not
forked: the parent holds a Neo4j driver and a reader thread, neither of which survives a fork.
"""

from __future__ import annotations

import multiprocessing
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

from kgplatform.errors import ValidationFailed
from kgplatform.planning.cache import PlanCache
from kgplatform.planning.page_rows import PageRows, compact_rows
from kgplatform.planning.pages import PageJob, plan_page
from kgplatform.redis_client import open_redis

if TYPE_CHECKING:  # the driver is not imported at run time: worker processes do without it
    from kgplatform.graph.driver import Row

QUEUED_AHEAD = 3

_job: PageJob | None = None
_cache: PlanCache | None = None


def _start_worker(job: PageJob, redis_url: str, ttl_s: int) -> None:
    global _job, _cache
    _job, _cache = job, PlanCache(open_redis(redis_url), ttl_s)


def _ready() -> None:
    """Nothing: submitted once per worker at start-up (`PagePool.__init__`)."""


def _plan(rows: PageRows) -> tuple[int, int]:
    if _job is None or _cache is None:
        raise RuntimeError("planning worker used before its initialiser ran")
    return plan_page(_job, rows, _cache)


class PagePool:
    """`workers` processes planning pages of one `PageJob`; a context manager that shuts them down."""

    def __init__(self, job: PageJob, workers: int, redis_url: str, ttl_s: int) -> None:
        if workers < 1:
            raise ValidationFailed("workers must be at least 1", field="workers")
        self.workers = workers
        self._graph = job.graph
        self._executor = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(job, redis_url, ttl_s),
        )
        # Processes start on the first submit: start them now, so that they import and unpickle the
        # job while the caller reads its first page instead of after it.
        for _ in range(workers):
            self._executor.submit(_ready)

    def map(self, pages: Iterable[list[Row]]) -> Iterator[tuple[int, int]]:
        """(learners, tasks) per page, in page order; at most workers + QUEUED_AHEAD pages in flight.

        Pages queue ahead of busy workers so that the reader never waits for them: on 2 cores, reading
        (the driver's decoding and Neo4j) and planning then share the cores until the end. A queued
        page is a few MB of arrays, so memory stays bounded."""
        pending: deque[Future[tuple[int, int]]] = deque()
        for page in pages:
            # A few flat arrays pickle for almost nothing; the driver's rows cost a third of the planning.
            pending.append(self._executor.submit(_plan, compact_rows(self._graph, page)))
            while len(pending) > self.workers + QUEUED_AHEAD:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()

    def __enter__(self) -> PagePool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._executor.shutdown(wait=True, cancel_futures=error is not None)
