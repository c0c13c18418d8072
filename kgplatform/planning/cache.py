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


# One call sets many keys, each with the TTL (ARGV[1]). Why a script: with 100,000 plans a pipeline of
# SETs spent about 7 us of client CPU per key in redis-py's per-command plumbing (packing, one reply
# each). Redis runs a script without interleaving other clients' commands, so a call must stay short:
# 100 keys (about 0.5 ms of Redis) cost the client 0.18 s and Redis 0.53 s per 100,000 plans, where
# 1,000 keys cost 0.4 s and 0.6-0.75 s and blocked readers for about 6 ms (`INFO cpu`, 2026-11-30).
SET_ALL_SCRIPT = """
for i, key in ipairs(KEYS) do
  redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1])
end
return #KEYS
"""


class PlanCache:
    def __init__(self, client: redis.Redis, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.client = client
        self.ttl_s = ttl_s
        # EVALSHA, loading the script on first use (and again after a SCRIPT FLUSH or a restart).
        self._set_all = client.register_script(SET_ALL_SCRIPT)

    def get(self, learner_id: str) -> PlanRecord | None:
        raw = self.client.get(plan_key(learner_id))
        return PlanRecord.from_mapping(json.loads(raw)) if raw else None

    def put(self, record: PlanRecord) -> None:
        self.client.set(plan_key(record.learner_id), record.to_json(), ex=self.ttl_s)

    def put_json_many(self, values: Iterable[tuple[str, str | bytes]], batch: int = 100) -> int:
        """Writes (learner_id, json) pairs, `batch` keys per call of a server-side script (no MULTI:
        each key stands alone, and a batch is atomic anyway, as scripts are)."""
        count = 0
        keys: list[str] = []
        args: list[str | bytes | int] = [self.ttl_s]
        for learner_id, value in values:
            keys.append(KEY_PREFIX + learner_id)
            args.append(value)
            if len(keys) == batch:
                count += self._set_all(keys=keys, args=args)
                keys, args = [], [self.ttl_s]
        if keys:
            count += self._set_all(keys=keys, args=args)
        return count
