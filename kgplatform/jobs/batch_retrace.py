"""A batch chunk traces its stale learners again before planning them (KGP_WORKERS__BATCH_RETRACE).

A learner's mastery is traced under the tracer parameters, transfer model and curriculum revision current
at their last answer (docs/tracing.md, "Tracing everyone again"). The nightly chain publishes a new
transfer model and then plans everyone: without this, each plan was made from mastery traced under the
previous model (or older parameters, or tasks since edited) until the learner answered again, and only an
operator's `kgplatform retrace`, run in one process, could bring everyone up to date. Done by the chunks,
the replay is spread over every planning worker as the plans are.

Bounded in time: a chunk retraces for at most `RETRACE_SHARE` of its hard time limit, then plans everyone
(those not reached from their mastery as stored), so long histories leave the plans their time: only the
page in flight at the deadline runs on (one transaction: at most 50,000 replayed answers, or one learner's
whole history where longer). Those left are counted on the job; `kgplatform retrace` or the next batch
reaches them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import redis

from kgplatform.jobs.on_demand import drop_stamps_of_erased
from kgplatform.mastery.models import RETRACE_PAGE
from kgplatform.mastery.service import MasteryService
from kgplatform.planning.cache import mark_answered

# The part of a chunk's hard time limit (`max_chunk_s`) its retrace may take: planning 2,000 learners
# takes seconds, so half leaves the plans ample room under the soft limit (90 %).
RETRACE_SHARE = 0.5


@dataclass(frozen=True)
class ChunkRetraced:
    """What a chunk's retrace did: the learners it replayed, and those it had no time left to reach."""

    replayed: int = 0
    left: int = 0


class ChunkRetracer:
    """Replays the stale ones among a chunk's learners, page by page, until its time budget runs out."""

    def __init__(
        self,
        service: MasteryService,
        client: redis.Redis,
        budget_s: float,
        clock: Callable[[], float] = time.monotonic,
        page_size: int = RETRACE_PAGE,
    ) -> None:
        self.service = service
        self.client = client
        self.budget_s = budget_s
        self.clock = clock
        self.page_size = page_size

    def __call__(
        self, learner_ids: Sequence[str], cancelled: Callable[[], bool] = lambda: False
    ) -> ChunkRetraced:
        """`cancelled` is asked before each transaction after the first, as the budget is: True (the job
        was cancelled) ends the retrace there, and the learners not reached are counted as left."""
        if not learner_ids:
            return ChunkRetraced()
        deadline = self.clock() + self.budget_s
        # Read first, without locks: most nights most learners are current, and the retrace's write
        # transaction locks every learner it is given (as an ingest does) before it can tell. The stale
        # ones are checked again under their locks (an answer meanwhile may have made one current).
        stale = self.service.stale_among(learner_ids)
        if stale:
            # Their cached plans were made from mastery traced under older parameters, another transfer
            # model or curriculum revision: stale, and marked so before any replay, as after new answers.
            # The chunk's own plans, dated after this, replace them; a learner it cannot plan (a curriculum
            # that fails) keeps the mark. Marked as each page committed instead, a worker killed or an
            # outage between two pages (or between a commit and its mark) left replayed learners' old plans
            # read as fresh, and the chunk's retry, finding them current, never marked them (a review,
            # 6 December 2026).
            stamps = dict.fromkeys(stale, time.time())
            mark_answered(self.client, stamps)
            # A learner erased between the read above and this stamp had their stamp dropped before it was
            # written: it was left under the erased learner's id for a plan's lifetime (a review, 7 December
            # 2026). Dropped as the API drops the stamps of its writes (`drop_stamps_of_erased`).
            drop_stamps_of_erased(self.client, stamps, self.service.store.missing_learners)
        pages = self.service.retrace_in_pages(
            stale,
            self.page_size,
            lambda page: None,
            # A cancel stops the replay too: the chunk's plans were as good without it, and a retrace
            # ran on for up to half the chunk's time limit (300 s by default), writing under learners'
            # locks, after an operator had cancelled the batch (a review, 6 December 2026).
            out_of_time=lambda: self.clock() >= deadline or cancelled(),
        )
        replayed = sum(len(page.replayed) for page in pages)
        return ChunkRetraced(replayed, len(stale) - sum(page.learners for page in pages))
