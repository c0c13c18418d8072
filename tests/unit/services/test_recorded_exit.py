"""`recorded_exit`: the exit status of the command it runs, written to a file as the command ends."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kgplatform.services import recorded_exit


def test_the_commands_exit_status_is_written_and_returned(tmp_path: Path) -> None:
    record = tmp_path / "exit"
    assert recorded_exit.main([str(record), sys.executable, "-c", "raise SystemExit(3)"]) == 3
    assert record.read_text() == "3"


def test_run_as_a_module_it_passes_standard_input_and_output_through(tmp_path: Path) -> None:
    """The load reads the dump on its standard input; the restore reads the tool's errors on its output."""
    record = tmp_path / "exit"
    echo = "import sys; sys.stdout.write(sys.stdin.read().upper())"
    run = [sys.executable, "-m", recorded_exit.__name__, str(record), sys.executable, "-c", echo]
    done = subprocess.run(run, input="dump", capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout, record.read_text()) == (0, "DUMP", "0")
