"""An in-memory Redis for batches (`kgplatform.jobs.progress`, `kgplatform.jobs.lock`): the commands they
use, and their scripts run in Python with the semantics of their Lua. No services needed.

`down` makes every command raise a connection error (Redis, also the broker, gone away); `ttls` keeps the
expiry last given to each key (nothing expires by itself: a test moves time by deleting a key)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import redis

from kgplatform.jobs import lock, progress


def _b(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()


class _Pipeline:
    def __init__(self, client: BatchRedis) -> None:
        self.client, self.calls = client, []  # type: ignore[var-annotated]

    def __getattr__(self, name: str) -> Callable[..., _Pipeline]:
        def call(*args: Any, **kwargs: Any) -> _Pipeline:
            self.calls.append((name, args, kwargs))
            return self

        return call

    def execute(self) -> list[Any]:
        self.client._check()
        out = [getattr(self.client, name)(*args, **kwargs) for name, args, kwargs in self.calls]
        self.calls = []
        return out


class BatchRedis:
    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}
        self.hashes: dict[str, dict[bytes, bytes]] = {}
        self.sets: dict[str, set[bytes]] = {}
        self.lists: dict[str, list[bytes]] = {}
        self.ttls: dict[str, int] = {}
        self.down = False

    def _check(self) -> None:
        if self.down:
            raise redis.ConnectionError("Error 111 connecting to localhost:6379. Connection refused.")

    def pipeline(self, transaction: bool = True) -> _Pipeline:
        return _Pipeline(self)

    def get(self, key: str) -> bytes | None:
        self._check()
        return self.values.get(key)

    def mget(self, keys: list[str]) -> list[bytes | None]:
        self._check()
        return [self.values.get(key) for key in keys]

    def set(
        self, key: str, value: Any, nx: bool = False, xx: bool = False, ex: int | None = None, **_: Any
    ) -> bool | None:
        self._check()
        if (nx and key in self.values) or (xx and key not in self.values):
            return None
        self.values[key] = _b(value)
        if ex is not None:
            self.ttls[key] = int(ex)
        return True

    def delete(self, *keys: str) -> int:
        self._check()
        gone = 0
        for key in keys:
            for store in (self.values, self.hashes, self.sets, self.lists):
                if key in store:
                    del store[key]  # type: ignore[attr-defined]
                    gone += 1
        return gone

    def exists(self, key: str) -> int:
        self._check()
        return int(any(key in store for store in (self.values, self.hashes, self.sets, self.lists)))

    def expire(self, key: str, ttl: int) -> bool:
        self._check()
        self.ttls[key] = int(ttl)
        return True

    def hset(
        self, key: str, field: Any = None, value: Any = None, mapping: dict[Any, Any] | None = None
    ) -> int:
        self._check()
        fields = self.hashes.setdefault(key, {})
        for name, item in (mapping or {}).items():
            fields[_b(name)] = _b(item)
        if field is not None:
            fields[_b(field)] = _b(value)
        return 1

    def hget(self, key: str, field: Any) -> bytes | None:
        self._check()
        return self.hashes.get(key, {}).get(_b(field))

    def hmget(self, key: str, fields: list[Any]) -> list[bytes | None]:
        self._check()
        return [self.hashes.get(key, {}).get(_b(field)) for field in fields]

    def hgetall(self, key: str) -> dict[bytes, bytes]:
        self._check()
        return dict(self.hashes.get(key, {}))

    def hincrby(self, key: str, field: Any, amount: int = 1) -> int:
        self._check()
        fields = self.hashes.setdefault(key, {})
        value = int(fields.get(_b(field), b"0")) + int(amount)
        fields[_b(field)] = _b(value)
        return value

    def hdel(self, key: str, *fields: Any) -> int:
        self._check()
        held = self.hashes.get(key, {})
        return sum(held.pop(_b(field), None) is not None for field in fields)

    def sadd(self, key: str, *members: Any) -> int:
        self._check()
        held = self.sets.setdefault(key, set())
        new = {_b(member) for member in members} - held
        held |= new
        return len(new)

    def sismember(self, key: str, member: Any) -> bool:
        self._check()
        return _b(member) in self.sets.get(key, set())

    def smismember(self, key: str, members: list[Any]) -> list[int]:
        self._check()
        return [int(_b(member) in self.sets.get(key, set())) for member in members]

    def smembers(self, key: str) -> set[bytes]:
        self._check()
        return set(self.sets.get(key, set()))

    def rpush(self, key: str, *values: Any) -> int:
        self._check()
        self.lists.setdefault(key, []).extend(_b(value) for value in values)
        return len(self.lists[key])

    def lrange(self, key: str, start: int, stop: int) -> list[bytes]:
        self._check()
        held = self.lists.get(key, [])
        return held[start:] if stop == -1 else held[start : stop + 1]

    def eval(self, text: str, numkeys: int, *rest: Any) -> Any:
        self._check()
        return self._run(text, [str(k) for k in rest[:numkeys]], [str(a) for a in rest[numkeys:]])

    def register_script(self, text: str) -> Callable[..., Any]:
        def run(keys: Any = (), args: Any = ()) -> Any:
            self._check()
            return self._run(text, [str(k) for k in keys], [str(a) for a in args])

        return run

    def _run(self, text: str, keys: list[str], args: list[str]) -> Any:
        if text == progress._RECORD_CHUNK:
            job, chunks, failures, counted_at = keys
            chunk, done, failed, skipped, now, payload, _, now_s, retraced, retrace_left = args
            if self.sadd(chunks, chunk) == 0:
                return [-1, -1]
            self.hset(counted_at, chunk, now_s)
            if payload:
                self.hset(failures, chunk, payload)
            for name, amount in (("done", done), ("failed", failed), ("skipped", skipped)):
                self.hincrby(job, name, int(amount))
            for name, amount in (("retraced", retraced), ("retrace_left", retrace_left)):
                if amount != "0":
                    self.hincrby(job, name, int(amount))
            self.hset(job, "updated_at", now)
            counted = self.hincrby(job, "chunks_done", 1)
            return [counted, int(self.hget(job, "chunks_total") or b"-1")]
        if text == progress._START:
            state = self.hget(keys[0], "state")
            if state is not None and state.decode() in args[1].split(","):
                return 0
            self.hset(keys[0], mapping=dict(zip(args[2::2], args[3::2], strict=True)))
            self.expire(keys[0], int(args[0]))
            return 1
        if text == lock._EXTEND:
            if self.values.get(keys[0]) != _b(args[0]):
                return 0
            self.ttls[keys[0]] = int(args[1])
            return 1
        if text == lock._RELEASE:
            if self.values.get(keys[0]) != _b(args[0]):
                return 0
            return self.delete(keys[0])
        raise NotImplementedError(text[:60])
