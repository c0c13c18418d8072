"""neo4j-admin, run for a backup or restore, ends with the process that runs it: a backup killed with -9
(cron's `timeout -s KILL`, the OOM killer) left its dump reading the store, and `services up` then started
Neo4j on it (the two fight over the store lock; a load left running writes under the server)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from kgplatform.services.processes import pid_alive

# The stand-in for `java ... AdminTool database dump`: says its pid, then works for a minute.
FAKE_JAVA = """#!/bin/sh
echo $$ > "$ADMIN_PID_FILE"
exec sleep 60
"""

# The backup's process: runs the admin tool as `services backup` does, and is killed while it runs.
BACKUP = """
import sys
from pathlib import Path
from kgplatform.services import neo4j_local

layout = neo4j_local.Neo4jLayout(Path(sys.argv[2]), Path(sys.argv[3]))
neo4j_local.run_admin(layout, sys.argv[1], ["database", "dump", "neo4j"], own_session=sys.argv[4] == "own")
"""


def wait_for(condition: object, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def run_and_kill_the_backup(tmp_path: Path, session: str) -> bool:
    """Whether the admin tool was gone within 5 s of its backup's kill -9 (it is killed here either way)."""
    java = tmp_path / "java"
    java.write_text(FAKE_JAVA)
    java.chmod(0o755)
    pid_file = tmp_path / "admin.pid"
    env = {**os.environ, "ADMIN_PID_FILE": str(pid_file), "PYTHONPATH": os.pathsep.join(sys.path)}
    backup = subprocess.Popen(
        [sys.executable, "-c", BACKUP, str(java), str(tmp_path / "lib"), str(tmp_path / "home"), session],
        env=env,
    )
    admin = None
    try:
        assert wait_for(lambda: pid_file.exists() and pid_file.read_text().strip(), 20), "no admin tool ran"
        admin = int(pid_file.read_text())
        backup.kill()
        backup.wait()
        return wait_for(lambda: not pid_alive(admin), 5)
    finally:
        backup.kill()
        backup.wait()
        if admin is not None and pid_alive(admin):
            os.kill(admin, signal.SIGKILL)


def test_a_dump_ends_when_its_backup_is_killed(tmp_path: Path) -> None:
    assert run_and_kill_the_backup(tmp_path, "shared"), "neo4j-admin outlived its killed backup"


def test_a_load_in_a_session_of_its_own_ends_when_its_restore_is_killed(tmp_path: Path) -> None:
    """A restore's load runs in a session of its own (a Ctrl-C must not cut it short): no group signal
    reaches it, but the restore's death does."""
    assert run_and_kill_the_backup(tmp_path, "own"), "neo4j-admin outlived its killed restore"
