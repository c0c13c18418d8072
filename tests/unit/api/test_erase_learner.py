"""DELETE /learners/{id} when Redis is away: the erase in Neo4j stands, and the answer says what was not
done rather than a 503 that reads as "not erased"."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import redis

from kgplatform.api.routes.learners import forget_cached
from kgplatform.planning.cache import answered_key, plan_key


class Unreachable:
    def delete(self, *keys: str) -> int:
        raise redis.ConnectionError("Connection refused")


class Recording:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete(self, *keys: str) -> int:
        self.deleted.extend(keys)
        return len(keys)


def request_with(client: Any) -> Any:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(redis=client)))


def test_the_cached_plan_and_answer_stamp_are_dropped() -> None:
    client = Recording()
    assert forget_cached(request_with(client), "ada") is True
    assert client.deleted == [plan_key("ada"), answered_key("ada")]


def test_a_redis_that_cannot_be_reached_is_reported_not_raised() -> None:
    assert forget_cached(request_with(Unreachable()), "ada") is False
