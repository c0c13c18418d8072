"""Debounce of on-demand recomputation: a burst of answers by one learner gives one recomputation.

The first answer of a burst claims the learner's key (SET NX) and schedules the recomputation a
window later; the rest of the burst finds the key taken and schedules nothing. The task clears the
key BEFORE it reads the learner's inputs, so an answer committed after that read schedules a new run
instead of being lost. The key's expiry is only a safety net for a task that never ran.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

KEY_PREFIX = "kgp:debounce:plan:"


class Debouncer:
    def __init__(self, client: redis.Redis, window_s: float, guard_s: int = 120) -> None:
        self.client = client
        self.window_s = window_s
        self.guard_s = max(guard_s, int(window_s * 4) + 1)

    def claim_many(self, learner_ids: Sequence[str]) -> list[str]:
        """The learners with no recomputation pending, each now claimed, in one round trip: those the
        caller must schedule."""
        pipe = self.client.pipeline(transaction=False)
        for learner_id in learner_ids:
            pipe.set(KEY_PREFIX + learner_id, "1", nx=True, ex=self.guard_s)
        return [learner_id for learner_id, won in zip(learner_ids, pipe.execute(), strict=True) if won]

    def clear_many(self, learner_ids: Sequence[str]) -> None:
        """Called by the recomputation as it starts: later answers schedule the next one."""
        if learner_ids:
            self.client.delete(*(KEY_PREFIX + learner_id for learner_id in learner_ids))
