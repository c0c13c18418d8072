"""Runs the page's JavaScript unit tests (layout, a grid for many unlinked concepts, tall layers wrapped,
colours, error classification (no status for a refusal the page made itself), a save conflict's defaults, what
a refill after a write keeps, how an older file is described, the times in an import's summary (local), how a
big neighbourhood is cut to what is drawn, what a recent change opens and who deleted it, where its later
pages stop and which cursor reads each, what an audit trail's Show more and re-reads ask for, an error answer
without a problem body, a call kept in flight until its caller has the answer, edges whose ids hold '->',
which touches on a graph are the page's and what two fingers do to it, how a typed number is read (a decimal
comma, a thousands separator, a whole number), counts past 999 with thousands separators; and the learner
view's: which concepts of a big curriculum its graph draws, the curriculum it keeps between learners, its
progress line (what it reads out holds still while the seconds tick), an id no learner can have; which views a
key's role is offered) with Node's test runner."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# Each file with how many tests it holds: a file whose tests stopped being found (a renamed import, a
# test() typo) would otherwise pass with fewer.
TESTS = {"page_logic.test.mjs": 36, "learner_logic.test.mjs": 21}


@pytest.mark.parametrize("name", sorted(TESTS))
def test_page_logic_in_node(name: str) -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the page's unit tests (scripts/browser-deps.sh installs it)")
    result = subprocess.run(
        [node, "--test", str(Path(__file__).with_name(name))],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"# pass {TESTS[name]}" in result.stdout, result.stdout
