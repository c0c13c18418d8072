"""Runs the page's JavaScript unit tests (layout, colours, error classification, a save conflict's
defaults, what a refill after a write keeps, how an older file is described, how a big neighbourhood is cut
to what is drawn, what a recent change opens and who deleted it, where its later pages stop, an error
answer without a problem body, edges whose ids hold '->') with Node's test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

TESTS = Path(__file__).with_name("page_logic.test.mjs")


def test_page_logic_in_node() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the page's unit tests (scripts/browser-deps.sh installs it)")
    result = subprocess.run(
        [node, "--test", str(TESTS)], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "# pass 15" in result.stdout, result.stdout
