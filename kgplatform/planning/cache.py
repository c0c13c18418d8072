"""Plans cached in Redis for serving: one JSON value per learner, replaced by each new plan.

The cache is only a copy: Neo4j holds the plan of record, and staleness is always checked against
the current inputs, so an expired or lost key costs a read, never a wrong answer.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import redis

from kgplatform.planning.records import PlanRecord

KEY_PREFIX = "kgp:plan:"
# When answers were last stored for a learner (epoch seconds): a cached plan made before it is stale.
ANSWERED_PREFIX = "kgp:answered:"
DEFAULT_TTL_S = 7 * 24 * 3600


def plan_key(learner_id: str) -> str:
    return KEY_PREFIX + learner_id


def answered_key(learner_id: str) -> str:
    return ANSWERED_PREFIX + learner_id


def mark_answered(client: redis.Redis, learner_ids: Iterable[str], at_epoch_s: float) -> None:
    """Records that these learners' answers changed at `at_epoch_s`; kept as long as a cached plan."""
    pipe = client.pipeline(transaction=False)
    for learner_id in learner_ids:
        pipe.set(answered_key(learner_id), repr(at_epoch_s), ex=DEFAULT_TTL_S)
    pipe.execute()


class PlanCache:
    def __init__(self, client: redis.Redis, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.client = client
        self.ttl_s = ttl_s

    def get(self, learner_id: str) -> PlanRecord | None:
        raw = self.client.get(plan_key(learner_id))
        return PlanRecord.from_mapping(json.loads(raw)) if raw else None

    def put(self, record: PlanRecord) -> None:
        self.client.set(plan_key(record.learner_id), record.to_json(), ex=self.ttl_s)

    def put_many(self, records: Iterable[PlanRecord], batch: int = 5000) -> int:
        return self.put_json_many(((r.learner_id, r.to_json()) for r in records), batch)

    def put_json_many(self, values: Iterable[tuple[str, str | bytes]], batch: int = 5000) -> int:
        """Pipelined writes of (learner_id, json) pairs (no MULTI: each key stands alone)."""
        count = 0
        pipe = self.client.pipeline(transaction=False)
        for learner_id, value in values:
            # The raw command: `pipe.set`'s option handling was a third of the client's CPU per plan.
            pipe.execute_command("SET", KEY_PREFIX + learner_id, value, "EX", self.ttl_s)
            count += 1
            if count % batch == 0:
                pipe.execute()
        pipe.execute()
        return count
