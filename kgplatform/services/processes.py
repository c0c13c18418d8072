"""Starting, finding and stopping the background processes that `services up` owns."""

from __future__ import annotations

import contextlib
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from kgplatform.errors import ServiceSetupFailed


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listened on a moment ago (tests, benchmarks, extra local servers)."""
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def port_open(host: str, port: int, timeout_s: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout_s):
            return True
    except OSError:
        return False


_TCP_LISTEN = "0A"


def listens_on(pid: int, port: int, proc: Path = Path("/proc")) -> bool | None:
    """Whether process `pid` holds a socket listening on TCP `port` (any address); None when this cannot be
    told (no /proc, or the process's descriptors are not ours to read). A server answering on its port
    need not be the one a pid file names: another started first, and ours died unable to bind."""
    ports = listening_ports(pid, proc)
    return None if ports is None else port in ports


def listening_ports(pid: int, proc: Path = Path("/proc")) -> set[int] | None:
    """The TCP ports process `pid` listens on (any address); None when this cannot be told. Empty for a
    server still starting: Neo4j binds Bolt only once its database is up, tens of seconds after its start."""
    ports_of: dict[str, int] = {}
    for table in ("tcp", "tcp6"):
        try:
            lines = (proc / "net" / table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT, st the state, inode the 10th column (proc(5)).
            if len(fields) > 9 and fields[3] == _TCP_LISTEN:
                ports_of[f"socket:[{fields[9]}]"] = int(fields[1].rsplit(":", 1)[1], 16)
    try:
        descriptors = list((proc / str(pid) / "fd").iterdir())
    except OSError:
        return None
    ports: set[int] = set()
    for descriptor in descriptors:
        with contextlib.suppress(OSError):  # closed meanwhile
            if (port := ports_of.get(os.readlink(descriptor))) is not None:
                ports.add(port)
    return ports


def listen_refused(host: str, port: int) -> str | None:
    """Why a server could not listen on `host:port` (None when it could; port 0 always can): bound and
    released at once, with SO_REUSEADDR as uvicorn binds, so a port left in TIME_WAIT counts as free."""
    if port == 0:
        return None
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.strerror or str(error)
    return None


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


def start_time(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (/proc/PID/stat, field 22), or None when it is
    gone: with the pid it names one process, even after the pid is reused."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return None
    return fields[19] if len(fields) > 19 else None


def read_pid(pid_file: Path) -> int | None:
    """The pid we recorded, if that very process is still alive. The file holds "PID START": a pid whose
    process died (a crash, a reboot) and was later given to another process no longer matches its start
    time, so `services down` can never signal an unrelated process. A file without a start time (written
    before they were recorded, or cut short) proves nothing about the process now holding its pid, and
    names none."""
    try:
        pid_text, started = pid_file.read_text().split()
        pid = int(pid_text)
    except (FileNotFoundError, ValueError):
        return None
    if not pid_alive(pid) or start_time(pid) != started:
        return None
    return pid


def spawn(command: list[str], log_path: Path, pid_file: Path, env: dict[str, str] | None = None) -> int:
    """Starts a detached process (own session, so it outlives the CLI) and records its pid.

    posix_spawn rather than Popen: the process is meant to outlive this one, and a dropped Popen
    object would complain that its child is still running.
    """
    log_path.parent.mkdir(parents=True, exist_ok=True)
    file_actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log_path), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    pid = os.posix_spawnp(
        command[0], command, dict(os.environ if env is None else env), file_actions=file_actions, setsid=True
    )
    pid_file.write_text(f"{pid} {start_time(pid) or ''}".strip())
    return pid


PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when the thread that forked it ends


def dying_with_parent() -> Callable[[], None]:
    """A `preexec_fn` that has the child killed (SIGKILL) as soon as this process ends, however it ends: a
    `services backup` killed with -9 (cron's `timeout -s KILL`, the OOM killer) left its `neo4j-admin
    database dump` reading the store, and `services up` then started Neo4j beside it. Linux only; the
    signal comes when the calling thread ends, so call it from the thread that waits for the child."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up before the fork: the child only calls it
    parent = os.getpid()

    def set_death_signal() -> None:
        prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL))
        if os.getppid() != parent:  # the parent died before the call: no signal will ever come
            os.kill(os.getpid(), signal.SIGKILL)

    return set_death_signal


def reap(pid: int) -> None:
    """Collects the exit status if the process was our own child, so it does not linger as a zombie."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def stop_pid(pid_file: Path, timeout_s: float = 60.0) -> bool:
    """SIGTERM, then SIGKILL after `timeout_s`; returns whether a process was stopped."""
    pid = read_pid(pid_file)
    if pid is None:
        pid_file.unlink(missing_ok=True)
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except (ProcessLookupError, PermissionError):  # gone since, or not ours to signal: nothing of ours runs
        pid_file.unlink(missing_ok=True)
        return False
    deadline = time.monotonic() + timeout_s
    while pid_alive(pid) and time.monotonic() < deadline:
        reap(pid)
        time.sleep(0.2)
    if pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    reap(pid)
    pid_file.unlink(missing_ok=True)
    return True


def as_root() -> list[str]:
    """The prefix that runs a command as root: nothing when we are root, else sudo."""
    return [] if os.geteuid() == 0 else ["sudo"]


APT_LOCK_WAIT_SECONDS = 600


def install_debian_package(package: str, needed_for: str) -> None:
    """apt-get install `package`, as root or through sudo."""
    if os.geteuid() != 0 and not shutil.which("sudo"):
        raise ServiceSetupFailed(
            f"{needed_for} is missing and cannot be installed without root: apt-get install {package}"
        )
    # Through `env`, as scripts/lib/apt.sh does: sudo's env_reset drops variables passed to it otherwise,
    # and a debconf prompt would wait unseen behind the captured output.
    prefix = [*as_root(), "env", "DEBIAN_FRONTEND=noninteractive"]
    # Another apt-get (unattended-upgrades on a fresh machine, a second set-up script) holds dpkg's lock
    # for minutes: without a timeout apt-get gave up at once and the whole set-up failed with it.
    apt_get = ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_SECONDS}"]
    install = [*apt_get, "install", "-y", "-qq", "--no-install-recommends", package]
    for step in ([*apt_get, "update", "-qq"], install):
        result = subprocess.run(prefix + step, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ServiceSetupFailed(f"installing {package} failed: {' '.join(step)}: {tail[0]}")


def ensure_debian_package(binary: str, package: str) -> str:
    """Path of `binary`, installing Debian's `package` first if it is missing."""
    found = shutil.which(binary)
    if found:
        return found
    install_debian_package(package, binary)
    found = shutil.which(binary)
    if not found:
        raise ServiceSetupFailed(f"installed {package} but {binary} is still not on PATH")
    return found


@contextlib.contextmanager
def running_http_server(
    command: list[str], url: str, *, cwd: Path, env: Mapping[str, str], timeout_s: float
) -> Iterator[subprocess.Popen[bytes]]:
    """Runs a server (tests, benchmarks) for the duration of the block, once `url` answers 200 from
    it; terminated (killed if it lingers) at the end. Raises ServiceSetupFailed when it exits first or
    does not answer in time."""
    process = subprocess.Popen(command, cwd=cwd, env=dict(env))
    port = urllib.parse.urlsplit(url).port
    try:
        deadline = time.monotonic() + timeout_s
        while not (answered := _answers_ok(url)) or not _served_by(process, port):
            if process.poll() is not None or time.monotonic() > deadline:
                # A port from free_port() can be taken by another process before ours binds it: the
                # answer then comes from that one, and ours exits unable to bind.
                whose = (
                    f", but not from this server: another process listens on port {port}" if answered else ""
                )
                raise ServiceSetupFailed(
                    f"{url} did not answer 200 within {timeout_s:.0f} s{whose} (exit code {process.poll()})"
                )
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _served_by(process: subprocess.Popen[bytes], port: int | None) -> bool:
    """Whether `process` listens on `port`; true when this cannot be told (no port in the url, no /proc)."""
    return port is None or listens_on(process.pid, port) is not False


def _answers_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200)
    except OSError:  # refused, reset, timed out, or an HTTP error status
        return False
