"""An in-memory Redis for the on-demand due set (`kgplatform.jobs.due`): its scripts, run in Python with
the semantics of their Lua, and the few commands the drains use besides. No services needed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kgplatform.jobs import due


class DueRedis:
    def __init__(self) -> None:
        self.scores: dict[str, float] = {}  # the due set, kgp:ondemand:due
        self.values: dict[str, str] = {}  # plain keys (the wake key)
        self.hashes: dict[str, dict[str, int]] = {}
        scripts: dict[str, Callable[[list[str], list[Any]], Any]] = {
            due.CLAIM_SCRIPT: self._claim,
            due.RELEASE_SCRIPT: self._release,
            due.RETRY_SCRIPT: self._retry,
            due.WAKE_SCRIPT: self._wake,
            due.CONSUME_WAKE_SCRIPT: self._consume_wake,
        }
        self.scripts = scripts

    def register_script(self, text: str) -> Callable[..., Any]:
        run = self.scripts[text]
        return lambda keys, args: run(list(keys), [str(a) for a in args])

    def _claim(self, keys: list[str], args: list[str]) -> list[bytes]:
        now, limit, lease = float(args[0]), int(args[1]), float(args[2])
        taken = [m for m, s in self._ordered() if s <= now][:limit]
        for member in taken:
            self.scores[member] = lease
        return [m.encode() for m in taken]

    def _release(self, keys: list[str], args: list[str]) -> int:
        lease, removed = float(args[0]), 0
        for member in args[1:]:
            if self.scores.get(member) == lease:
                del self.scores[member]
                removed += 1
            self.hashes.get(keys[1], {}).pop(member, None)
        return removed

    def _retry(self, keys: list[str], args: list[str]) -> list[int]:
        lease, now, first, cap, limit = (float(a) for a in args[:5])
        failures, counts = [], self.hashes.setdefault(keys[1], {})
        for member in args[5:]:
            n = 0
            if self.scores.get(member) == lease:
                n = counts[member] = counts.get(member, 0) + 1
                if 0 < limit <= n:
                    del self.scores[member], counts[member]
                    n = -n
                else:
                    self.scores[member] = now + min(first * 2 ** (n - 1), cap)
            failures.append(n)
        return failures

    def _wake(self, keys: list[str], args: list[str]) -> int:
        pending = self.values.get(keys[0])
        if pending is not None and float(pending) <= float(args[0]):
            return 0
        self.values[keys[0]] = args[0]
        return 1

    def _consume_wake(self, keys: list[str], args: list[str]) -> int:
        pending = self.values.get(keys[0])
        if pending is not None and float(pending) <= float(args[0]):
            del self.values[keys[0]]
        return 0

    def _ordered(self) -> list[tuple[str, float]]:
        return sorted(self.scores.items(), key=lambda item: (item[1], item[0]))

    def zadd(self, key: str, mapping: dict[str, float], lt: bool = False) -> int:
        added = 0
        for member, score in mapping.items():
            if member not in self.scores:
                added += 1
            if member not in self.scores or not lt or score < self.scores[member]:
                self.scores[member] = score
        return added

    def zrange(self, key: str, start: int, stop: int, withscores: bool = False) -> list[Any]:
        items = self._ordered()[start : stop + 1]
        return [(m.encode(), s) for m, s in items] if withscores else [m.encode() for m, _ in items]

    def zmscore(self, key: str, members: Sequence[str]) -> list[float | None]:
        return [self.scores.get(m) for m in members]

    def delete(self, *keys: str) -> int:
        return sum(self.values.pop(k, None) is not None or self.hashes.pop(k, None) is not None for k in keys)
