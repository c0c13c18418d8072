"""Erasing a learner everywhere: Neo4j first (the record), then what Redis holds about them. One piece for
`DELETE /learners/{id}` and `kgplatform erase-learner`."""

from __future__ import annotations

import logging
import threading

import redis

from kgplatform.errors import NotFound, ServiceUnavailable
from kgplatform.mastery.models import ErasedLearner
from kgplatform.mastery.service import MasteryService
from kgplatform.planning.cache import forget_learner

logger = logging.getLogger(__name__)


class PendingErasures:
    """Learners this process erased in Neo4j while Redis was unreachable: their cached plan and answer
    stamp are still in Redis. Without this, the cached plan of a learner who no longer exists was served
    (200, `stale: false`) by the next-tasks hit path once Redis came back, for the plan's lifetime (a
    week), unless the service noticed `redis_cleared: false` and repeated the DELETE (a review, s35).
    The API retries them in the background (`routes.jobs.retry_answer_stamps`, every few seconds) and,
    until then, serving takes their cached plan for none. Per process and bounded, as `StampBacklog`."""

    def __init__(self, max_learners: int = 100_000) -> None:
        self.max_learners = max_learners
        self._learners: dict[str, None] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._learners)

    def __contains__(self, learner_id: object) -> bool:
        return learner_id in self._learners

    def add(self, learner_id: str) -> None:
        with self._lock:
            self._learners[learner_id] = None
            while len(self._learners) > self.max_learners:
                dropped = next(iter(self._learners))
                del self._learners[dropped]
                logger.warning("pending erasures full: learner %s's cached plan left to expire", dropped)

    def discard(self, learner_id: str) -> None:
        with self._lock:
            self._learners.pop(learner_id, None)

    def retry(self, client: redis.Redis) -> int:
        """Drops what Redis holds of each pending learner (`forget_learner`); stops at the first Redis
        error, keeping the rest. Returns how many were done."""
        done = 0
        for learner_id in list(self._learners):
            try:
                forget_learner(client, learner_id)
            except redis.RedisError as error:
                logger.info("pending erasures: Redis still not reached (%s); %d left", error, len(self))
                break
            self.discard(learner_id)
            done += 1
        if done:
            logger.info("pending erasures: the cached plans of %d erased learners dropped", done)
        return done


def erase_learner(
    service: MasteryService,
    client: redis.Redis,
    learner_id: str,
    pending: PendingErasures | None = None,
) -> ErasedLearner:
    """Erases the learner in Neo4j, then their cached plan and answer stamp in Redis. With Redis away the
    erase stands and says `redis_cleared=False` (a failure would read as "not erased"). An unknown learner
    is NotFound, after dropping what an earlier erase may have left in Redis while it was away (so a 404
    means nothing of theirs is left); ServiceUnavailable when Redis cannot be reached to do that.
    `pending` (the API's): where an erase that could not reach Redis is kept, to finish without a repeat."""
    try:
        erased = service.erase(learner_id)
    except NotFound as missing:
        # The repeat an erase with Redis away asks for lands here: its answer says whether it is done.
        try:
            forget_learner(client, learner_id, known=False)
        except redis.RedisError as error:
            raise ServiceUnavailable(
                f"learner {learner_id!r} does not exist in Neo4j, and Redis was not reached to drop what an "
                "earlier erase may have left there (their cached plan): retry once Redis answers",
                field="learner_id",
                retry_after_s=5,
            ) from error
        if pending is not None:
            pending.discard(learner_id)
        raise NotFound(
            f"{missing.message}; nothing of theirs is left in Redis", field=missing.field
        ) from None
    try:
        forget_learner(client, learner_id)
    except redis.RedisError as error:
        logger.warning(
            "learner %s erased, but Redis was not reached to drop their cached plan: %s", learner_id, error
        )
        erased.redis_cleared = False
        if pending is not None:
            pending.add(learner_id)
    return erased
