"""`kgplatform worker` starts Celery again when it dies by itself (kombu exits the worker on some broker
restarts), and stops for good when asked to. Real child processes, no services."""

from __future__ import annotations

import contextlib
import os
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


def test_a_stop_that_comes_while_the_worker_is_being_started_reaches_it_as_it_came() -> None:
    """A Ctrl-C during the start (before_start, or Popen itself) is passed on as SIGINT once the worker
    exists, not turned into SIGTERM; the worker dies of it and its code is the supervisor's."""

    def interrupted_start() -> None:
        os.kill(os.getpid(), signal.SIGINT)  # handled here, in the main thread, before the worker exists

    sleeper = python("import time; time.sleep(30)")
    code = supervise(sleeper, before_start=interrupted_start, policy=QUICK)
    assert code == 128 + signal.SIGINT


def test_kgplatform_worker_runs_celery_under_the_supervisor(monkeypatch: pytest.MonkeyPatch) -> None:
    ran: list[list[str]] = []

    def fake_supervise(command: list[str], **_: object) -> int:
        ran.append(command)
        return 0

    monkeypatch.setattr(workers.run, "supervise", fake_supervise)
    # No services in unit tests: the credentials check at start is tested in
    # tests/integration/workers/test_worker_wrong_credentials.py; here it would reach real servers.
    monkeypatch.setattr(workers.run, "refuse_wrong_credentials", lambda *_, **__: None)
    assert workers.run.run_worker(["planning"], 1, "INFO") == 0
    [command] = ran
    assert command[1:5] == ["-m", "celery", "-A", "workers.celery_app"] and "--queues=planning" in command


def signal_recording_child(got: Path, ready: Path) -> list[str]:
    """A child that writes its pid to `ready`, records the signals it gets in `got`, and exits 1 soon after
    the first (or after 20 s)."""
    return python(
        f"""
        import os, pathlib, signal, sys, time
        got = pathlib.Path({str(got)!r})
        def record(signum, frame):
            with got.open("a") as f:
                f.write(f"{{signum}}\\n")
        for stop in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(stop, record)
        pathlib.Path({str(ready)!r}).write_text(str(os.getpid()))
        deadline = time.monotonic() + 20
        while not got.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)
        sys.exit(1)
        """
    )


def start_supervisor(child: list[str], ready: Path) -> subprocess.Popen[bytes]:
    runner = f"""
        import signal, sys
        from workers.supervisor import RestartPolicy, supervise
        signal.signal(signal.SIGHUP, signal.SIG_DFL)  # as in a terminal, also when pytest runs under nohup
        sys.exit(supervise({child!r}, policy=RestartPolicy(delays_s=(0.01,))))
    """
    process = subprocess.Popen(python(runner))
    deadline = time.monotonic() + 30
    while not ready.exists() or not ready.read_text():
        assert time.monotonic() < deadline and process.poll() is None, "the worker never started"
        time.sleep(0.02)
    return process


def test_a_hangup_stops_the_worker_warmly_and_for_good(tmp_path: Path) -> None:
    """The terminal or SSH session running `kgplatform worker` closed: the supervisor died of the SIGHUP and
    Celery, in a session of its own, kept running unseen (a review, 2 December). Passed on as SIGTERM, since
    Celery's own SIGHUP handler restarts the worker."""
    got, ready = tmp_path / "signals", tmp_path / "ready"
    process = start_supervisor(signal_recording_child(got, ready), ready)
    try:
        process.send_signal(signal.SIGHUP)
        assert process.wait(timeout=30) == 1
    finally:
        if process.poll() is None:
            process.kill()
    assert got.read_text().split() == [str(int(signal.SIGTERM))]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_killed_supervisor_takes_its_worker_down(tmp_path: Path) -> None:
    """`kill -9` of the `kgplatform worker` process (or the OOM killer choosing it) left Celery running on
    its own; the kernel now sends it SIGTERM (a warm shutdown) when the supervisor dies."""
    got, ready = tmp_path / "signals", tmp_path / "ready"
    process = start_supervisor(signal_recording_child(got, ready), ready)
    child = int(ready.read_text())
    try:
        process.kill()
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        # The file is made by the child's open() a moment before its line is written: read as soon as it
        # existed, it was empty under load (a fresh-clone CI, 4 December).
        while not (got.exists() and got.read_text().strip()) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert got.exists(), "the worker was left running after its supervisor was killed"
        assert got.read_text().split()[0] == str(int(signal.SIGTERM))
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGKILL)
