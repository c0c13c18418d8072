"""`kgplatform beat` as a real process, with Redis (its broker) restarted across the nightly time: the night's
message is sent once Redis is back. With Celery's own scheduler a 12 s outage at the nightly time skipped the
night (the entry was marked run before its send failed; a restarted beat did not send it either), and each
failed send logged about 180 lines of stacks (seen on real processes, 5 December 2026)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kgplatform.services import manager
from kgplatform.settings import Settings
from tests.integration.workers.conftest import KGPLATFORM_CLI, WorkerEnv, logged_process, stop_workers

RETRY_S = 3
# Beat sends its first due sweep 30 s after it starts; the slot must come after that send, so that beat is
# connected when Redis goes (a beat that never connected waits for Redis on its own, and loses nothing).
FIRST_SEND_S = 30
OUTAGE_AFTER_SLOT_S = 10


def next_slot(after: datetime) -> datetime:
    return (after + timedelta(minutes=1)).replace(second=0, microsecond=0)


def wait_for_line(log: Path, text: str, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while text not in log.read_text(errors="replace"):
        assert time.monotonic() < deadline, f"beat never logged {text!r}: {log.read_text()[-3000:]}"
        time.sleep(0.5)


def queued_tasks(worker_env: WorkerEnv, queue: str) -> list[str]:
    messages = worker_env.client.lrange(queue, 0, -1)
    return [json.loads(m)["headers"]["task"] for m in messages]


def test_the_night_is_sent_when_redis_comes_back_after_an_outage_at_the_nightly_time(
    settings: Settings, worker_env: WorkerEnv, services_restored: None, tmp_path: Path
) -> None:
    # Room for a slow start on a loaded machine (beat imports Celery and the app before its first send).
    slot = next_slot(datetime.now(UTC) + timedelta(seconds=FIRST_SEND_S + 25))
    env = {
        **worker_env.env,
        "KGP_WORKERS__NIGHTLY_HOUR": str(slot.hour),
        "KGP_WORKERS__NIGHTLY_MINUTE": str(slot.minute),
        "KGP_WORKERS__TIMEZONE": "UTC",
        "KGP_WORKERS__BEAT_SEND_RETRY_S": str(RETRY_S),
        "KGP_PATHS__DATA_DIR": str(tmp_path / "data"),  # beat's schedule file
    }
    log = tmp_path / "beat.log"
    beat = logged_process([*KGPLATFORM_CLI, "beat"], env, log)
    try:
        wait_for_line(log, "Sending due task ondemand-due-sweep", timeout_s=FIRST_SEND_S + 30)
        assert datetime.now(UTC) < slot - timedelta(seconds=3), "too slow to start: the slot has come"
        manager.down(settings, only=["redis"])
        time.sleep(max(0.0, (slot - datetime.now(UTC)).total_seconds()) + OUTAGE_AFTER_SLOT_S)
        wait_for_line(log, "beat could not send nightly-retrain-then-replan", timeout_s=5)
        manager.up(settings)

        deadline = time.monotonic() + 4 * RETRY_S + 10
        while "kgp.plans.nightly" not in queued_tasks(worker_env, "planning"):
            assert time.monotonic() < deadline, f"the night was never sent: {log.read_text()[-3000:]}"
            time.sleep(0.5)
        assert queued_tasks(worker_env, "planning").count("kgp.plans.nightly") == 1
        text = log.read_text()
        assert "beat sent nightly-retrain-then-replan after the broker came back" in text
        # One line per failed send, no stacks.
        assert "Traceback" not in text, text[-3000:]
    finally:
        stop_workers([beat])
