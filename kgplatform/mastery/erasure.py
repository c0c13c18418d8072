"""Erasing a learner everywhere: Neo4j first (the record), then what Redis holds about them. One piece for
`DELETE /learners/{id}` and `kgplatform erase-learner`."""

from __future__ import annotations

import logging

import redis

from kgplatform.errors import NotFound, ServiceUnavailable
from kgplatform.mastery.models import ErasedLearner
from kgplatform.mastery.service import MasteryService
from kgplatform.planning.cache import forget_learner

logger = logging.getLogger(__name__)


def erase_learner(service: MasteryService, client: redis.Redis, learner_id: str) -> ErasedLearner:
    """Erases the learner in Neo4j, then their cached plan and answer stamp in Redis. With Redis away the
    erase stands and says `redis_cleared=False` (a failure would read as "not erased"). An unknown learner
    is NotFound, after dropping what an earlier erase may have left in Redis while it was away (so a 404
    means nothing of theirs is left); ServiceUnavailable when Redis cannot be reached to do that."""
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
    return erased
