"""The consumer step that sends a drain at each broker (re)connect (`workers.drain_rearm`) never fails the
consumer's start: Celery stops a consumer whose start step raises, and beat's sweep and the next answer's
drain plan the learners anyway."""

from __future__ import annotations

import logging

import pytest

import workers.celery_app as celery_app
from tests.ports import unused_port
from workers.drain_rearm import RearmDrainOnConnect


def test_a_redis_gone_again_at_connect_is_a_warning_not_a_failed_consumer_start(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(celery_app.settings.redis, "url", f"redis://127.0.0.1:{unused_port()}/0")
    step = RearmDrainOnConnect(parent=None)
    with caplog.at_level(logging.WARNING, logger="workers.drain_rearm"):
        step.start(None)  # raised, the worker's consumer would stop here
    [record] = [r for r in caplog.records if r.name == "workers.drain_rearm"]
    assert record.levelno == logging.WARNING
    assert "could not wake a drain for the learners owed a plan" in record.getMessage()
    assert "ConnectionError" in record.getMessage()
