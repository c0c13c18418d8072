"""`kgplatform worker` starts Celery again when it dies by itself (kombu exits the worker on some broker
restarts), and stops for good when asked to. Real child processes, no services."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import workers.run
from workers.supervisor import RestartPolicy, supervise

QUICK = RestartPolicy(delays_s=(0.01,), max_restarts=5, window_s=60.0)


def python(code: str) -> list[str]:
    return [sys.executable, "-c", textwrap.dedent(code)]


def counting_child(runs: Path, exit_codes: list[int]) -> list[str]:
    """A child that counts its runs in `runs` and exits with exit_codes[run] (the last one repeating)."""
    return python(
        f"""
        import pathlib, sys
        runs = pathlib.Path({str(runs)!r})
        n = len(runs.read_text()) if runs.exists() else 0
        runs.write_text("x" * (n + 1))
        codes = {exit_codes!r}
        sys.exit(codes[min(n, len(codes) - 1)])
        """
    )


def test_a_worker_that_dies_by_itself_is_started_again_until_it_exits_cleanly(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    starts: list[int] = []
    code = supervise(counting_child(runs, [1, 70, 0]), before_start=lambda: starts.append(1), policy=QUICK)
    assert code == 0
    assert len(runs.read_text()) == 3 and len(starts) == 3  # the metrics folder is prepared before each


def test_a_worker_that_keeps_dying_is_given_up_with_its_exit_code(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    policy = RestartPolicy(delays_s=(0.01,), max_restarts=2, window_s=60.0)
    assert supervise(counting_child(runs, [3]), policy=policy) == 3
    assert len(runs.read_text()) == 3  # the first start and two restarts


def test_a_death_by_signal_reads_as_a_shell_gives_it(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    killed = python(
        f"""
        import os, pathlib, signal
        runs = pathlib.Path({str(runs)!r})
        n = len(runs.read_text()) if runs.exists() else 0
        runs.write_text("x" * (n + 1))
        if n == 0:
            os.kill(os.getpid(), signal.SIGKILL)  # an OOM kill, say
        """
    )
    assert supervise(killed, policy=QUICK) == 0
    assert len(runs.read_text()) == 2


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stop_is_passed_on_once_and_the_worker_is_not_started_again(tmp_path: Path, stop: int) -> None:
    """Celery's cold shutdown exits 1 after a second SIGINT: the child must get exactly one, and its exit
    after a stop (whatever the code) ends the loop."""
    got = tmp_path / "signals"
    ready = tmp_path / "ready"
    child = f"""
        import pathlib, signal, sys, time
        got = pathlib.Path({str(got)!r})
        def record(signum, frame):
            with got.open("a") as f:
                f.write(f"{{signum}}\\n")
        signal.signal(signal.SIGTERM, record)
        signal.signal(signal.SIGINT, record)
        pathlib.Path({str(ready)!r}).write_text("1")
        deadline = time.monotonic() + 20
        while not got.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # a second signal, if one came, would be recorded by now
        sys.exit(1)
    """
    runner = f"""
        import sys
        from workers.supervisor import RestartPolicy, supervise
        sys.exit(supervise({python(child)!r}, policy=RestartPolicy(delays_s=(0.01,))))
    """
    process = subprocess.Popen(python(runner))
    try:
        deadline = time.monotonic() + 30
        while not ready.exists():
            assert time.monotonic() < deadline and process.poll() is None, "the worker never started"
            time.sleep(0.02)
        process.send_signal(stop)
        assert process.wait(timeout=30) == 1
    finally:
        if process.poll() is None:
            process.kill()
    assert got.read_text().split() == [str(int(stop))]


def test_kgplatform_worker_runs_celery_under_the_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[list[str]] = []

    def fake_supervise(command: list[str], **_: object) -> int:
        ran.append(command)
        return 0

    monkeypatch.setattr(workers.run, "supervise", fake_supervise)
    assert workers.run.run_worker(["planning"], 1, "INFO") == 0
    [command] = ran
    assert command[1:5] == ["-m", "celery", "-A", "workers.celery_app"] and "--queues=planning" in command
