"""Plans cached in Redis for serving: one JSON value per learner, replaced by each new plan unless a newer
one is cached.

For the plans made per request (the API's misses, the on-demand drains), the cache is only a copy: Neo4j holds
the plan of record, and a plan read from Neo4j is checked against the current inputs, so a lost plan key costs
a read. Batch plans (the nightly chain, `POST /jobs/recompute`: `jobs.batch` -> `planning.pages`) are written
here only, never to Neo4j: when Redis loses them (a new volume, a `FLUSHDB`) or cannot be read, the learner is
served Neo4j's newest plan, the one made on their last request or answer, possibly days older than the lost
batch plan, and as fresh when no input moved since (the decay a batch plans for is no input); it is cached
again, until the next batch rewrites it. The answer always gives its age. A cache hit is checked against Redis
alone (the learner's answer stamp, `kgp:answered:*`, and the pending mark) plus the API's in-process watch of
curriculum and transfer-model changes: losing the answer stamp while the plan key survives makes a stale plan
read as fresh. Both keys get `DEFAULT_TTL_S` (a week) when written, so a stamp lives about as long as the
plans it judges; nothing else may drop them early, so Redis must run with `maxmemory-policy noeviction` (its
default, and what a Celery broker needs anyway), and a partial restore or an operator's `DEL` of stamps needs
the plans dropped too.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
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


def answered_after(stamp: bytes | str | None, created_at: datetime) -> bool:
    """Whether a learner's answer stamp (`mark_answered`; None: none) is newer than a plan made at
    `created_at`: the rule that calls a cached plan stale, in serving and in the on-demand worker."""
    if not stamp:
        return False
    return float(stamp) > created_at.timestamp()


# Sets each key (ARGV[1] the TTL) to its stamp unless it already holds a newer one: an outage's backlog
# retried later carries the older time, and must not overwrite what another process wrote meanwhile (a
# plan made between the two would then read as newer than the last answer).
SET_LATER_STAMP_SCRIPT = """
for i, key in ipairs(KEYS) do
  local held = tonumber(redis.call('GET', key) or '')
  if not held or tonumber(ARGV[i + 1]) > held then
    redis.call('SET', key, ARGV[i + 1], 'EX', ARGV[1])
  end
end
return 0
"""
STAMPS_PER_CALL = 100


def mark_answered(client: redis.Redis, stamps: Mapping[str, float]) -> None:
    """Records when each learner's answers last changed (epoch seconds), never moving a stamp back; kept
    as long as a cached plan."""
    set_later = client.register_script(SET_LATER_STAMP_SCRIPT)
    items = list(stamps.items())
    for start in range(0, len(items), STAMPS_PER_CALL):
        batch = items[start : start + STAMPS_PER_CALL]
        set_later(
            keys=[answered_key(learner_id) for learner_id, _ in batch],
            args=[DEFAULT_TTL_S, *(repr(float(at)) for _, at in batch)],
        )


# One call sets many keys, each with the TTL (ARGV[1]), and never replaces a cached plan with an older
# one: a nightly chunk that read mastery before an answer finishes after the on-demand plan that answer
# asked for, and its plan would otherwise bury the newer one (the hit path would then serve it marked
# stale until the next night). Plans are compared by `created_at`, always written in UTC by
# `PlanRecord.to_json` and `page_json.chunk_json`, so the ISO strings order like the times (a time with
# no microseconds, "...:00+00:00", sorts before "...:00.000001+00:00": '+' < '.'). The field is matched,
# not decoded: it is the only `"created_at":"` a plan holds (the tasks have no such key, and quotes inside
# strings are escaped), and it comes before the tasks, so the match stops early.
# Why a script: with 100,000 plans a pipeline of SETs spent about 7 us of client CPU per key in redis-py's
# per-command plumbing (packing, one reply each). Redis runs a script without interleaving other clients'
# commands, so a call must stay short: 100 keys (about 0.5 ms of Redis) cost the client 0.18 s and Redis
# 0.53 s per 100,000 plans, where 1,000 keys cost 0.4 s and 0.6-0.75 s and blocked readers for about 6 ms
# (`INFO cpu`, 2026-11-30, before the age check). The age check (a GET and a match per key) raised Redis's
# CPU for 100,000 plans of 1.8 kB replacing cached ones from 0.76-0.79 to 1.09-1.22 s (2026-11-30, three
# scratch runs; docs/planning.md).
SET_NEWER_SCRIPT = """
local function made(plan) return string.match(plan, '"created_at":"([^"]*)"') end
local written = 0
for i, key in ipairs(KEYS) do
  local value = ARGV[i + 1]
  local cached = redis.call('GET', key)
  local cached_at = cached and made(cached)
  if not cached_at or cached_at <= made(value) then
    redis.call('SET', key, value, 'EX', ARGV[1])
    written = written + 1
  end
end
return written
"""


ERASED_FIELD = "erased"


def erased_mark(at: datetime) -> str:
    """What an erase leaves in the learner's plan key instead of their plan: no plan, dated when the erase
    was done. `SET_NEWER_SCRIPT` then refuses every plan made before it: a drain, a batch chunk or a request
    that read the learner before the erase committed and cached its plan after the erase had dropped the
    key (the hit path served it, as fresh, for a week: the answer stamp was gone too). A plan for a new
    learner of the same id, made later, replaces the mark. Readers take it for no plan (`is_erased_mark`).
    Written as the plans are (compact JSON, UTC ISO time): the script matches `"created_at":"`."""
    return json.dumps(
        {"created_at": at.astimezone(UTC).isoformat(), ERASED_FIELD: True}, separators=(",", ":")
    )


def is_erased_mark(plan: Mapping[str, object]) -> bool:
    return plan.get(ERASED_FIELD) is True


def cached_plan(raw: bytes | str | None) -> dict[str, Any] | None:
    """A plan key's value decoded; None for no value and for the mark an erase leaves (`erased_mark`). Every
    reader of plan keys goes through it, so none can take a mark for a plan."""
    plan = orjson.loads(raw) if raw else None
    return None if not plan or is_erased_mark(plan) else plan


def forget_learner(
    client: redis.Redis, learner_id: str, *, known: bool = True, ttl_s: int = DEFAULT_TTL_S
) -> bool:
    """Drops what Redis holds about an erased learner: their cached plan (replaced by `erased_mark`, for a
    plan's lifetime) and their answer stamp. `known=False` (the learner was not in Neo4j: an earlier erase
    left Redis as it was) marks only a plan key that holds a plan, so erasing an unknown id writes nothing.
    Returns whether there was a plan or a stamp."""
    # The mark goes first, then the stamp: a write that stamps the learner after the stamp is gone finds
    # the mark when it looks (`erased_among`), and drops its stamp if the learner is gone.
    key, mark = plan_key(learner_id), erased_mark(datetime.now(UTC))
    if known:
        had_plan = bool(client.set(key, mark, ex=ttl_s, get=True))
    else:
        had_plan = cached_plan(client.get(key)) is not None  # a mark is left as it is
        if had_plan:
            client.set(key, mark, ex=ttl_s, xx=True)
    return bool(client.delete(answered_key(learner_id)) or had_plan)


def erased_among(client: redis.Redis, learner_ids: Sequence[str]) -> list[str]:
    """Those of `learner_ids` whose plan key holds an erase's mark (one MGET): erased within a plan's
    lifetime, and perhaps since created again by new answers."""
    raws = client.mget([plan_key(learner_id) for learner_id in learner_ids]) if learner_ids else []
    return [
        learner_id
        for learner_id, raw in zip(learner_ids, raws, strict=True)
        if raw and is_erased_mark(orjson.loads(raw))
    ]


class PlanCache:
    def __init__(self, client: redis.Redis, ttl_s: int = DEFAULT_TTL_S) -> None:
        self.client = client
        self.ttl_s = ttl_s
        # EVALSHA, loading the script on first use (and again after a SCRIPT FLUSH or a restart).
        self._set_newer = client.register_script(SET_NEWER_SCRIPT)

    def get(self, learner_id: str) -> PlanRecord | None:
        plan = cached_plan(self.client.get(plan_key(learner_id)))
        return PlanRecord.from_mapping(plan) if plan else None

    def curricula_of(self, learner_ids: list[str]) -> dict[str, str]:
        """The curriculum of each learner's cached plan, for those with one (one MGET)."""
        plans = self.client.mget([plan_key(learner_id) for learner_id in learner_ids]) if learner_ids else []
        return {
            learner_id: plan["curriculum_id"]
            for learner_id, raw in zip(learner_ids, plans, strict=True)
            if (plan := cached_plan(raw))
        }

    def put(self, record: PlanRecord) -> bool:
        """Caches the plan unless a newer one is cached; returns whether it was written."""
        return bool(self._set_newer(keys=[plan_key(record.learner_id)], args=[self.ttl_s, record.to_json()]))

    def drop_all(self, batch: int = 1000) -> int:
        """Deletes every cached plan (after a restore of Neo4j from a dump: they were made from the graph as
        it was after the dump, and a cache hit would serve them as fresh). Returns how many were deleted.
        SCAN, not KEYS: a big cache is walked in steps without blocking Redis."""
        dropped = 0
        keys: list[bytes] = []
        for key in self.client.scan_iter(match=KEY_PREFIX + "*", count=batch):
            keys.append(key)
            if len(keys) == batch:
                dropped += self.client.unlink(*keys)
                keys = []
        if keys:
            dropped += self.client.unlink(*keys)
        return dropped

    def erased_learners(self, batch: int = 1000) -> list[str]:
        """The learners whose plan key holds an erase mark (`erased_mark`: erased within a plan's lifetime),
        sorted. A restore drops the marks with the plans, and a dump made before such an erase holds the
        learner again: the operator must be told whom to erase again."""
        erased: list[str] = []
        learner_ids: list[str] = []
        for key in self.client.scan_iter(match=KEY_PREFIX + "*", count=batch):
            learner_ids.append(key.decode()[len(KEY_PREFIX) :])
            if len(learner_ids) == batch:
                erased.extend(erased_among(self.client, learner_ids))
                learner_ids = []
        erased.extend(erased_among(self.client, learner_ids))
        return sorted(erased)

    def put_json_many(self, values: Iterable[tuple[str, str | bytes]], batch: int = 100) -> int:
        """Writes (learner_id, json) pairs, `batch` keys per call of a server-side script (no MULTI:
        each key stands alone, and a batch is atomic anyway, as scripts are); a pair whose learner has a
        newer plan cached is skipped. Returns how many were written."""
        count = 0
        keys: list[str] = []
        args: list[str | bytes | int] = [self.ttl_s]
        for learner_id, value in values:
            keys.append(KEY_PREFIX + learner_id)
            args.append(value)
            if len(keys) == batch:
                count += self._set_newer(keys=keys, args=args)
                keys, args = [], [self.ttl_s]
        if keys:
            count += self._set_newer(keys=keys, args=args)
        return count
