"""Runs the learner view's JavaScript unit tests (which concepts of a big curriculum its graph draws) with
Node's test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).with_name("learner_logic.test.mjs")


def test_learner_logic_in_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the page's unit tests (scripts/browser-deps.sh installs it)")
    result = subprocess.run(
        [node, "--test", str(TESTS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 3" in result.stdout, result.stdout
