"""Pid files name one process: a pid reused by another process after ours died is never signalled."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgplatform.services.processes import pid_alive, read_pid, spawn, start_time, stop_pid


@pytest.fixture
def stranger() -> Iterator[subprocess.Popen[bytes]]:
    """A process that is not ours to stop (it stands for whatever the system gave a reused pid to)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def test_a_pid_file_whose_process_started_at_another_time_is_stale(
    tmp_path: Path, stranger: subprocess.Popen[bytes]
) -> None:
    pid_file = tmp_path / "neo4j.pid"
    pid_file.write_text(f"{stranger.pid} 1")  # our process had this pid, and started at tick 1
    assert read_pid(pid_file) is None
    assert stop_pid(pid_file, timeout_s=1) is False
    assert stranger.poll() is None and not pid_file.exists()  # left alone; the stale file is gone


def test_a_spawned_process_is_recorded_with_its_start_time_and_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "redis.pid"
    pid = spawn([sys.executable, "-c", "import time; time.sleep(60)"], tmp_path / "log", pid_file)
    assert pid_file.read_text() == f"{pid} {start_time(pid)}"
    assert read_pid(pid_file) == pid
    assert stop_pid(pid_file, timeout_s=5) is True
    assert not pid_alive(pid) and not pid_file.exists()


def test_a_pid_file_without_a_start_time_names_no_process(
    tmp_path: Path, stranger: subprocess.Popen[bytes]
) -> None:
    """The pid alone may have been given to an unrelated process since (after a reboot, say)."""
    pid_file = tmp_path / "old.pid"
    pid_file.write_text(str(stranger.pid))
    assert read_pid(pid_file) is None
    assert not stop_pid(pid_file, timeout_s=1) and stranger.poll() is None
