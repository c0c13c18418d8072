"""The start-up check of Redis's eviction policy, with a fake client (no Redis)."""

from __future__ import annotations

import logging

import pytest
import redis

from kgplatform.planning.eviction_policy import check_eviction_policy


class ConfigRedis:
    """Answers CONFIG GET with `reply`, or raises `error` (CONFIG renamed away, an ACL, Redis down)."""

    def __init__(self, reply: dict[object, object] | None = None, error: Exception | None = None) -> None:
        self.reply, self.error = reply or {}, error
        self.asked: list[str] = []

    def config_get(self, pattern: str) -> dict[object, object]:
        self.asked.append(pattern)
        if self.error is not None:
            raise self.error
        return self.reply

    def close(self) -> None:
        pass


@pytest.mark.parametrize(
    "reply",
    [{"maxmemory-policy": "volatile-lru"}, {b"maxmemory-policy": b"volatile-lru"}],
    ids=["str", "bytes"],
)
def test_a_redis_that_evicts_is_named_in_a_warning(
    reply: dict[object, object], caplog: pytest.LogCaptureFixture
) -> None:
    """Managed Redis often defaults to volatile-lru, which evicts answer stamps and plans apart: stale plans
    then read as fresh with no error anywhere, and nothing said so."""
    client = ConfigRedis(reply)
    assert check_eviction_policy(client, "API") == "volatile-lru"  # type: ignore[arg-type]
    assert client.asked == ["maxmemory-policy"]
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    assert "API: Redis runs with maxmemory-policy volatile-lru, not noeviction" in record.getMessage()


@pytest.mark.parametrize(
    "client",
    [
        ConfigRedis({"maxmemory-policy": "noeviction"}),
        ConfigRedis(error=redis.ResponseError("unknown command 'CONFIG', with args beginning with: 'GET'")),
        ConfigRedis(error=redis.exceptions.NoPermissionError("this user has no permissions to run 'config'")),
        ConfigRedis(error=redis.ConnectionError("Connection refused")),
    ],
    ids=["noeviction", "config-renamed", "acl", "down"],
)
def test_noeviction_or_a_refused_config_is_silent(
    client: ConfigRedis, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    assert check_eviction_policy(client, "worker") is None  # type: ignore[arg-type]
    assert caplog.records == []


def test_a_worker_checks_once_at_its_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from celery.signals import worker_init

    import workers.celery_app as celery_app

    client = ConfigRedis({"maxmemory-policy": "allkeys-lru"})
    monkeypatch.setattr(celery_app.redis.Redis, "from_url", lambda *_, **__: client)
    monkeypatch.setattr(celery_app.settings.workers, "metrics_port", 0)
    worker_init.send(sender=None)
    assert client.asked == ["maxmemory-policy"]
    assert "worker: Redis runs with maxmemory-policy allkeys-lru" in caplog.text
