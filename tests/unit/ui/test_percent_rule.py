"""The page's `pct` (dom.js) and the API's `mastery_percent` give one value the same percentage: the page
shows a learner's mastery beside the report's summary and the plan's reasons, which the API words with
`mastery_percent`, and a copy of the rule in JavaScript could drift from it unseen. Node runs the page's
function on the values here and Python's answers are compared with its own."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from kgplatform.mastery.feedback import build_report
from kgplatform.mastery.percent import mastery_percent
from tests.unit.mastery.test_feedback import NOW, state

DOM_JS = Path(__file__).resolve().parents[3] / "kgplatform" / "api" / "ui" / "dom.js"
# Reads the values as JSON from stdin and prints the page's `pct` of each: JSON numbers are written by
# Python's repr and read by JavaScript as the same doubles.
SCRIPT = f"""
import {{ pct }} from {json.dumps(DOM_JS.as_uri())};
let text = '';
for await (const chunk of process.stdin) text += chunk;
process.stdout.write(JSON.stringify(JSON.parse(text).map(pct)));
"""
# The ends, around a rounding (0.005) and a bar (0.85), and values whose x100 is not exact in floating
# point (0.29 -> 28.999999999999996, 0.57 -> 56.99999999999999).
EDGES = [
    0.0,
    0.0049,
    0.005,
    0.85,
    0.8499999,
    0.8496,
    0.6996,
    0.999,
    0.9999999,
    1.0,
    0.07,
    0.14,
    0.29,
    0.57,
    0.58,
]


def page_pct(values: list[float]) -> list[str]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed for the page's unit tests (scripts/browser-deps.sh installs it)")
    result = subprocess.run(
        [node, "--input-type=module", "-e", SCRIPT],
        input=json.dumps(values),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)


def test_the_page_rounds_mastery_as_the_api_does() -> None:
    # Every hundredth and ten-thousandth as float64 and as float32 (the tracer's values), and the edges.
    grid = [i / 10_000 for i in range(10_001)] + [i / 100 for i in range(101)]
    values = EDGES + grid
    values += [float(np.float32(v)) for v in values]
    shown = page_pct(values)
    differ = [
        (v, page, mastery_percent(v))
        for v, page in zip(values, shown, strict=True)
        if page != mastery_percent(v)
    ]
    assert not differ, differ[:10]
    # The edges read as the rule says (a grid alone would pass two copies that both went wrong).
    assert dict(zip(EDGES, shown, strict=False)) == {
        0.0: "0%",
        0.0049: "0%",
        0.005: "0%",
        0.85: "85%",
        0.8499999: "85%",
        0.8496: "84%",
        0.6996: "69%",
        0.999: "99%",
        0.9999999: "100%",
        1.0: "100%",
        0.07: "7%",
        0.14: "14%",
        0.29: "29%",
        0.57: "57%",
        0.58: "58%",
    }


def test_the_page_shows_no_value_as_a_dash() -> None:
    """The page's own case, which the API never words: a concept without mastery."""
    assert page_pct([None]) == ["–"]  # type: ignore[list-item]


# Bars where rounding to nearest and down differ (0.857: 86% against 85%), and 0.85 where they agree.
THRESHOLDS = [0.85, 0.857, 0.855, 0.8449, 0.695, 0.999]


def test_the_summary_s_bar_reads_as_the_page_shows_the_threshold() -> None:
    """The summary said "faded below 86%" for a threshold of 0.857 (rounded to nearest) while the page's
    report showed the same threshold as 85% (`pct`, rounded down), its comment claiming the two agree: at
    0.85 they did only because 85.0 rounds the same either way."""
    bars = []
    for threshold in THRESHOLDS:
        faded = state("a", threshold - 0.05, p_mastery=1.0, attempts=5, days_ago=4)
        report = build_report("kim", [faded], NOW, threshold=threshold)
        (line,) = [line for line in report.summary if line.startswith("Mastered before")]
        bars.append(line.removeprefix("Mastered before, faded below ").split(" since:")[0])
    assert bars == page_pct(THRESHOLDS) == [mastery_percent(t) for t in THRESHOLDS]
