"""DELETE /learners/{id} when Redis is away: the erase in Neo4j stands, and the answer says what was not
done rather than a 503 that reads as "not erased"."""

from __future__ import annotations

import json
from typing import Any

import pytest
import redis

from kgplatform.errors import NotFound, ServiceUnavailable
from kgplatform.mastery.erasure import PendingErasures, erase_learner
from kgplatform.mastery.models import ErasedLearner
from kgplatform.planning.cache import answered_key, is_erased_mark, plan_key


class Unreachable:
    """Refuses every command, as a Redis that is away does (the erase now marks the plan key first)."""

    def delete(self, *keys: str) -> int:
        raise redis.ConnectionError("Connection refused")

    def set(self, *_: Any, **__: Any) -> None:
        raise redis.ConnectionError("Connection refused")

    def get(self, key: str) -> None:
        raise redis.ConnectionError("Connection refused")


class Recording:
    def __init__(self) -> None:
        self.deleted: list[str] = []
        self.marked: dict[str, str] = {}

    def delete(self, *keys: str) -> int:
        self.deleted.extend(keys)
        return len(keys)

    def set(self, key: str, value: str, **_: Any) -> None:
        self.marked[key] = value

    def get(self, key: str) -> str | None:
        return self.marked.get(key)


class ErasingService:
    """The Neo4j side, erased: what `MasteryService.erase` answers."""

    def erase(self, learner_id: str) -> ErasedLearner:
        return ErasedLearner(learner_id=learner_id, answers=3, mastery=2, plans=1)


def erase_with(client: Any) -> ErasedLearner:
    return erase_learner(ErasingService(), client, "ada")  # type: ignore[arg-type]


def test_the_cached_plan_and_answer_stamp_are_dropped() -> None:
    client = Recording()
    assert erase_with(client).redis_cleared is True
    assert client.deleted == [answered_key("ada")]
    assert list(client.marked) == [plan_key("ada")]  # the erase mark, not a plan
    assert is_erased_mark(json.loads(client.marked[plan_key("ada")]))


def test_a_redis_that_cannot_be_reached_is_reported_not_raised() -> None:
    assert erase_with(Unreachable()).redis_cleared is False


class UnknownLearner:
    def erase(self, learner_id: str) -> ErasedLearner:
        raise NotFound(f"learner {learner_id!r} does not exist", field="learner_id")


def test_the_repeat_after_redis_was_away_says_whether_it_is_done() -> None:
    """An erase with Redis away asks to be run again; the repeat finds no learner either way, and its 404
    read the same whether Redis was cleared or still away: a script retrying until done could not tell."""
    done = Recording()
    with pytest.raises(NotFound, match="nothing of theirs is left in Redis") as missing:
        erase_learner(UnknownLearner(), done, "ada")  # type: ignore[arg-type]
    assert missing.value.field == "learner_id" and done.deleted == [answered_key("ada")]
    with pytest.raises(ServiceUnavailable, match="Redis was not reached") as away:
        erase_learner(UnknownLearner(), Unreachable(), "ada")  # type: ignore[arg-type]
    assert away.value.status_code == 503 and away.value.details["retry_after_s"] == 5


def test_an_erase_that_missed_redis_is_finished_by_the_retry_without_a_repeated_delete() -> None:
    """The cached plan of a learner erased while Redis was away stayed (served, fresh, for a week) unless
    the service repeated the DELETE: the API keeps the erase and finishes it once Redis answers."""
    pending = PendingErasures()
    erased = erase_learner(ErasingService(), Unreachable(), "ada", pending)  # type: ignore[arg-type]
    assert erased.redis_cleared is False and "ada" in pending
    assert pending.retry(Unreachable()) == 0 and "ada" in pending  # still away: kept
    back = Recording()
    assert pending.retry(back) == 1 and len(pending) == 0
    assert back.deleted == [answered_key("ada")] and is_erased_mark(json.loads(back.marked[plan_key("ada")]))


def test_a_repeated_delete_that_finds_redis_done_leaves_nothing_pending() -> None:
    pending = PendingErasures()
    pending.add("ada")
    with pytest.raises(NotFound):
        erase_learner(UnknownLearner(), Recording(), "ada", pending)  # type: ignore[arg-type]
    assert len(pending) == 0
