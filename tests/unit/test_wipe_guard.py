"""The tests refuse to empty a Redis database or a graph where someone's data may live."""

from __future__ import annotations

import pytest

from kgplatform.settings import Settings
from tests.wipe_guard import MAY_EMPTY_REMOTE, why_not_empty


def settings_for(neo4j: str, redis: str) -> Settings:
    return Settings.model_validate({"neo4j": {"uri": neo4j}, "redis": {"url": redis}})


def test_local_servers_on_a_test_database_may_be_emptied(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAY_EMPTY_REMOTE, raising=False)
    assert why_not_empty(settings_for("bolt://127.0.0.1:7687", "redis://127.0.0.1:6379/15")) is None
    assert why_not_empty(settings_for("bolt://localhost:7740", "redis://localhost:6440/12")) is None


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379", "redis://127.0.0.1/3"])
def test_a_redis_database_outside_12_to_15_is_refused(url: str) -> None:
    reason = why_not_empty(settings_for("bolt://127.0.0.1:7687", url))
    assert reason is not None and "not one of 12-15" in reason


def test_servers_on_other_machines_are_refused_unless_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MAY_EMPTY_REMOTE, raising=False)
    remote = settings_for("neo4j+s://abc.databases.neo4j.io", "redis://redis.internal:6379/15")
    reason = why_not_empty(remote)
    assert reason is not None and "abc.databases.neo4j.io" in reason and "redis.internal" in reason
    monkeypatch.setenv(MAY_EMPTY_REMOTE, "1")
    assert why_not_empty(remote) is None
