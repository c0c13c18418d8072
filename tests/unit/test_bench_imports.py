"""The benchmarks that borrow the tests' helpers start as README runs them (`python bench/NAME.py`), from
a shell with no PYTHONPATH: the script's own folder is first on the path, not the project's, so `import
tests...` failed there (bench_growth.py did, until 5 December 2026; it ran only where PYTHONPATH was set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BORROWING = sorted(
    path.name
    for path in (ROOT / "bench").glob("*.py")
    if any(
        line.startswith(("from tests", "import tests"))
        for line in path.read_text(encoding="utf-8").splitlines()
    )
)


def test_some_benchmark_borrows_from_the_tests() -> None:
    # Else the check below checks nothing: the scan would have stopped finding them.
    assert "bench_growth.py" in BORROWING


@pytest.mark.parametrize("name", BORROWING)
def test_a_benchmark_borrowing_test_helpers_starts_without_pythonpath(name: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    run = subprocess.run(
        [sys.executable, str(ROOT / "bench" / name), "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    assert "usage:" in run.stdout
