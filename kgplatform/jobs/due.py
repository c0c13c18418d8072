"""Learners whose plans the workers owe, in one Redis sorted set by due time, and the wake-ups that
drain it.

Why a set and not a message per learner: a message plans one learner (about 0.1 s), so one POST of
2,000 learners' answers kept the `ondemand` queue busy for minutes and every other learner's plan
waited behind it. In the set a learner is one member, due a debounce window after the answer that
claimed it; a drain (`kgp.plans.recompute_due`) takes up to a batch of due learners at once and plans
them with the batch planner, in due-time order.

Claiming does not remove a learner: it moves its score to the claim's lease end (later than any due
time), and only the drain that finished it removes it, and only if the score is still its lease's. So
a drain killed mid-way leaves its learners in the set, due again when the lease ends (longer than the
drain's hard time limit); and an answer arriving while its learner is being planned (after the drain
cleared the debounce key) lowers the score back to a due time (ZADD LT), so that learner stays in
the set and is planned again. A drain whose planning fails moves its learners' scores back to a due time
after a backoff (`retry_later`; `jobs.drain` says when), sooner than the lease end.

Wake-ups are drain messages sent with a countdown to the earliest due time. One key remembers the
earliest wake-up pending, so a stream of answers sends one message per window rather than one per
request; the key expires soon after its time, so that the next answer after a lost message sends
another. Every drain sends the next wake-up for what is left when it ends, failed or not (a claim's
learners are then due at its lease end). A worker lost outright (host gone, container killed) sends
nothing more, and the messages it held, its drain's and the countdowns it had taken, come back only after
the broker's visibility timeout (an hour); so beat also sends a drain every `DUE_SWEEP_S` (30 s,
`workers.schedule`), which takes up whatever is due, lease ends passed included, whatever wake-ups were lost.
A broker restart takes the countdowns every worker held, and the wake-up key may outlive them: each worker
sends a drain anew whenever it connects to the broker (`wake_anew`, `workers.drain_rearm`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import redis

DUE_KEY = "kgp:ondemand:due"
WAKE_KEY = "kgp:ondemand:wake"
# Learner -> failed drains in a row (`retry_later`); a learner planned is forgotten.
FAILURES_KEY = "kgp:ondemand:failures"
# A learner whose drain failed is due again this long after, doubled with each failure in a row: a
# database blip costs seconds, and a long outage is tried once a lease (the cap), as before backoffs.
RETRY_FIRST_S = 5.0

# Takes up to ARGV[2] members due by ARGV[1], in due order, and moves each to the lease end ARGV[3].
CLAIM_SCRIPT = """
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
for _, member in ipairs(due) do
  redis.call('ZADD', KEYS[1], ARGV[3], member)
end
return due
"""
# Removes the members still held by the lease ending ARGV[1] (a new answer since moved the others), and
# forgets the failures (KEYS[2]) of all: each was planned.
RELEASE_SCRIPT = """
local lease = tonumber(ARGV[1])
local removed = 0
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) == lease then
    redis.call('ZREM', KEYS[1], ARGV[i])
    removed = removed + 1
  end
  redis.call('HDEL', KEYS[2], ARGV[i])
end
return removed
"""
# After a failed drain: each member still held by the lease ending ARGV[1] counts a failure (KEYS[2]) and
# is due again at ARGV[2] + ARGV[3] x 2^(failures - 1), at most ARGV[4] later; at its ARGV[5]-th failure
# (0: never) it is dropped instead. Returns each member's failures, negated when dropped, 0 for one no
# longer held (an answer made it due since: that due time stands).
RETRY_SCRIPT = """
local lease, now = tonumber(ARGV[1]), tonumber(ARGV[2])
local first, cap, limit = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local failures = {}
for i = 6, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  local n = 0
  if score and tonumber(score) == lease then
    n = redis.call('HINCRBY', KEYS[2], ARGV[i], 1)
    if limit > 0 and n >= limit then
      redis.call('ZREM', KEYS[1], ARGV[i])
      redis.call('HDEL', KEYS[2], ARGV[i])
      n = -n
    else
      redis.call('ZADD', KEYS[1], now + math.min(first * 2 ^ (n - 1), cap), ARGV[i])
    end
  end
  failures[#failures + 1] = n
end
return failures
"""
# Records a wake-up at ARGV[1] (epoch s, expiring ARGV[2] ms later) unless one at or before it is
# pending; returns 1 when the caller must send it.
WAKE_SCRIPT = """
local pending = tonumber(redis.call('GET', KEYS[1]) or '')
if pending and pending <= tonumber(ARGV[1]) then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
"""
# A drain taking up its wake-up: the key goes if its time has come (ARGV[1] now), so that whatever
# is left after this drain schedules a new one.
CONSUME_WAKE_SCRIPT = """
local pending = tonumber(redis.call('GET', KEYS[1]) or '')
if pending and pending <= tonumber(ARGV[1]) then
  redis.call('DEL', KEYS[1])
end
return 0
"""
# Sends a drain message with this countdown (seconds).
SendWake = Callable[[float], object]


@dataclass(frozen=True)
class Claim:
    learner_ids: list[str]
    lease_until: float


class DueLearners:
    def __init__(self, client: redis.Redis, wake_grace_s: float = 2.0) -> None:
        self.client = client
        # How long after its time a pending wake-up still stops others being sent (a busy worker
        # starts it late); past it, one more message is sent, which is harmless.
        self.wake_grace_s = wake_grace_s
        self._claim = client.register_script(CLAIM_SCRIPT)
        self._release = client.register_script(RELEASE_SCRIPT)
        self._retry = client.register_script(RETRY_SCRIPT)
        self._wake = client.register_script(WAKE_SCRIPT)
        self._consume_wake = client.register_script(CONSUME_WAKE_SCRIPT)

    def add(self, learner_ids: Iterable[str], due_at: float) -> None:
        """Owes these learners a plan by `due_at`; one already owed keeps the earlier time."""
        mapping = dict.fromkeys(learner_ids, due_at)
        if mapping:
            self.client.zadd(DUE_KEY, mapping, lt=True)  # LT: also adds the absent ones

    def claim(self, now: float, limit: int, lease_s: float) -> Claim:
        """Up to `limit` learners due by `now`, earliest first, held for `lease_s`."""
        lease_until = now + lease_s
        taken = self._claim(keys=[DUE_KEY], args=[repr(now), limit, repr(lease_until)])
        return Claim([m.decode() if isinstance(m, bytes) else m for m in taken], lease_until)

    def release(self, claim: Claim) -> int:
        """The claim's learners are planned: removed, unless an answer made one due again meanwhile; their
        failures in a row are forgotten."""
        if not claim.learner_ids:
            return 0
        args = [repr(claim.lease_until), *claim.learner_ids]
        return int(self._release(keys=[DUE_KEY, FAILURES_KEY], args=args))

    def retry_later(
        self, claim: Claim, learner_ids: Sequence[str], now: float, max_wait_s: float, drop_after: int = 0
    ) -> list[int]:
        """`claim`'s `learner_ids` were not planned (the drain failed): each still held by the claim is due
        again after RETRY_FIRST_S, doubled with each failure in a row and at most `max_wait_s`, or is
        dropped at its `drop_after`-th failure (0: never). Returns each one's failures in a row, negated
        when dropped, 0 when an answer has made it due since."""
        if not learner_ids:
            return []
        limits = [repr(RETRY_FIRST_S), repr(max_wait_s), drop_after]
        args = [repr(claim.lease_until), repr(now), *limits, *learner_ids]
        return [int(n) for n in self._retry(keys=[DUE_KEY, FAILURES_KEY], args=args)]

    def earliest(self) -> float | None:
        """The earliest due time or lease end in the set; None when nobody is owed a plan."""
        first = self.client.zrange(DUE_KEY, 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    def wake_at(self, at: float, send: SendWake, now: float | None = None) -> bool:
        """Sends a drain for `at` unless one at or before it is pending; returns whether it sent one.
        A failed send forgets the record, so the next caller tries again."""
        now = time.time() if now is None else now
        countdown = max(0.0, at - now)
        expires_ms = int((countdown + self.wake_grace_s) * 1000) + 1
        if not self._wake(keys=[WAKE_KEY], args=[repr(at), expires_ms]):
            return False
        try:
            send(countdown)
        except BaseException:
            self.client.delete(WAKE_KEY)
            raise
        return True

    def wake_for_rest(self, send: SendWake, now: float | None = None) -> bool:
        """Sends a drain for the earliest learner still owed a plan, if any (see `wake_at`)."""
        at = self.earliest()
        return at is not None and self.wake_at(at, send, now)

    def wake_anew(self, send: SendWake, now: float | None = None) -> bool:
        """Sends a drain for the earliest learner still owed a plan, whatever wake-up is recorded as
        pending: after the broker connection was lost the record may name a drain that no worker holds any
        more (each worker drops what it held when its connection goes; the broker hands it out again only
        after its visibility timeout). A drain sent twice is harmless; one never sent left the learners
        waiting for beat's sweep or someone's next answer."""
        if self.earliest() is None:
            return False
        self.client.delete(WAKE_KEY)
        return self.wake_for_rest(send, now)

    def consume_wake(self, now: float) -> None:
        self._consume_wake(keys=[WAKE_KEY], args=[repr(now)])

    def owed(self, learner_ids: Sequence[str]) -> list[float | None]:
        """Each learner's score (due time or lease end), None when not owed: for tests and tools."""
        return [None if s is None else float(s) for s in self.client.zmscore(DUE_KEY, list(learner_ids))]
