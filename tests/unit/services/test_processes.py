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


def test_the_process_holding_a_listening_port_is_told_from_another(
    stranger: subprocess.Popen[bytes],
) -> None:
    import os
    import socket

    from kgplatform.services.processes import listens_on

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert listens_on(os.getpid(), port) is True
        assert listens_on(stranger.pid, port) is False
    assert listens_on(os.getpid(), port) is False  # closed


def test_a_neo4j_answering_on_the_port_that_is_not_the_one_started_is_not_ready(
    tmp_path: Path, stranger: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two checkouts starting at once: the loser's JVM is still starting when the winner's answers Bolt with
    the same default password, and the loser reported 'started' (its tests emptied the winner's graph)."""
    import socket
    from types import SimpleNamespace

    from kgplatform.graph import driver
    from kgplatform.services import neo4j_local
    from kgplatform.settings import Settings

    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        settings = Settings.model_validate(
            {"neo4j": {"uri": f"bolt://127.0.0.1:{port}"}, "services": {"state_dir": str(tmp_path)}}
        )
        pid_file = neo4j_local.layout_for(settings).pid_file
        pid_file.parent.mkdir(parents=True)
        pid_file.write_text(f"{stranger.pid} {start_time(stranger.pid)}")  # "ours", still starting
        monkeypatch.setattr(neo4j_local, "bolt_refusal", lambda *args: None)  # it speaks Bolt
        monkeypatch.setattr(driver, "open_driver", lambda *args: SimpleNamespace(close=lambda: None))
        reason = neo4j_local.wait_until_ready(settings, stranger.pid)
    assert reason is not None and f"not the process started ({stranger.pid}" in reason


def test_a_package_installed_through_sudo_keeps_debconf_noninteractive(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """sudo's env_reset drops an `env=` passed to it: debconf ran interactive behind captured output."""
    import os

    from kgplatform.services import processes

    commands: list[list[str]] = []

    def run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        commands.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    monkeypatch.setattr(processes.shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(processes.subprocess, "run", run)
    processes.install_debian_package("wrk", "wrk")
    assert [c[:3] for c in commands] == [["sudo", "env", "DEBIAN_FRONTEND=noninteractive"]] * 2
    wait = ["-o", "DPkg::Lock::Timeout=600"]
    assert commands[1][3:] == ["apt-get", *wait, "install", "-y", "-qq", "--no-install-recommends", "wrk"]
    # The update waits for the lock too: it takes the same lock and failed first on a busy machine.
    assert commands[0][3:] == ["apt-get", *wait, "update", "-qq"]


def test_the_ports_a_process_listens_on_are_listed_and_none_while_it_listens_on_nothing(
    stranger: subprocess.Popen[bytes],
) -> None:
    import os
    import socket

    from kgplatform.services.processes import listening_ports

    assert listening_ports(stranger.pid) == set()  # a server still starting
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        assert server.getsockname()[1] in (listening_ports(os.getpid()) or set())
