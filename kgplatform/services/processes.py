"""Starting, finding and stopping the background processes that `services up` owns."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from kgplatform.errors import ServiceSetupFailed


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie still answers kill(0); treat it as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split(") ")[-1].startswith("Z"))


def read_pid(pid_file: Path) -> int | None:
    """The pid we recorded, if that process is still alive."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def spawn(command: list[str], log_path: Path, pid_file: Path, env: dict[str, str] | None = None) -> int:
    """Starts a detached process (own session, so it outlives the CLI) and records its pid."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env=env,
        )
    pid_file.write_text(str(process.pid))
    return process.pid


def stop_pid(pid_file: Path, timeout_s: float = 60.0) -> bool:
    """SIGTERM, then SIGKILL after `timeout_s`; returns whether a process was stopped."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    if pid_alive(pid):
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return True


def ensure_debian_package(binary: str, package: str) -> str:
    """Path of `binary`, installing Debian's `package` first if it is missing."""
    found = shutil.which(binary)
    if found:
        return found
    if os.geteuid() != 0 and not shutil.which("sudo"):
        raise ServiceSetupFailed(f"{binary} is missing and cannot be installed without root: apt-get install {package}")
    prefix = [] if os.geteuid() == 0 else ["sudo"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", package]):
        result = subprocess.run(prefix + step, capture_output=True, text=True, env=env)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServiceSetupFailed(f"installing {package} failed: {' '.join(step)}: {tail[0]}")
    found = shutil.which(binary)
    if not found:
        raise ServiceSetupFailed(f"installed {package} but {binary} is still not on PATH")
    return found
