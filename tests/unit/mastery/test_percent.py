"""Mastery as a percentage: one rule (`mastery_percent`) for the plan's reasons and the report's summary,
which each kept a copy of it until 5 December 2026. The page's copy in dom.js is checked against it in
tests/unit/ui/test_percent_rule.py."""

from __future__ import annotations

import numpy as np
import pytest

from kgplatform.mastery.feedback import build_report
from kgplatform.mastery.percent import mastery_percent
from kgplatform.planning.reasons import opening
from tests.unit.mastery.test_feedback import NOW, state

# Values whose x100 is not exact in floating point (0.29 -> 28.999999999999996, 0.57 -> 56.99999999999999),
# values just under a bar, and the ends.
AWKWARD = [0.0, 0.0049, 0.005, 0.07, 0.14, 0.29, 0.56, 0.57, 0.58, 0.6996, 0.8496, 0.8499999, 0.999, 1.0]


@pytest.mark.parametrize(
    ("p", "shown"),
    [
        (0.0, "0%"),
        (0.0049, "0%"),
        (0.005, "0%"),
        (0.29, "29%"),
        (0.57, "57%"),
        (float(np.float32(0.57)), "57%"),
        (0.6996, "69%"),
        (0.8496, "84%"),
        # The slack's price: within 1e-6 under a whole percent reads as it (0.8499999 as the 85% bar).
        (0.8499999, "85%"),
        (0.85, "85%"),
        (0.999, "99%"),
        (1.0, "100%"),
    ],
)
def test_mastery_is_shown_rounded_down_with_room_for_float_error(p: float, shown: str) -> None:
    assert mastery_percent(p) == shown


@pytest.mark.parametrize("p", AWKWARD + [float(np.float32(p)) for p in AWKWARD])
def test_the_plan_reasons_show_mastery_by_the_one_rule(p: float) -> None:
    shown = mastery_percent(p)
    assert opening(True, False, p) == f"review due: mastery decayed to {shown}"
    assert opening(False, True, p) == f"practise again: mastered before, now {shown}"
    assert opening(False, False, p, consolidate=True).startswith(f"consolidate: mastered, now {shown}, ")


def test_the_report_summary_shows_mastery_by_the_one_rule() -> None:
    """Concepts mastered before and faded: each line names the value then and now, by the same rule as the
    plan beside it, float32 values included (the tracer's)."""
    faded = [p for p in AWKWARD + [float(np.float32(p)) for p in AWKWARD] if p < 0.85]
    then_values = [float(np.float32(0.85)), 0.87, 0.999, float(np.float32(0.999)), 1.0]
    # The summary names NAMED (5) concepts a line: five a report.
    for start in range(0, len(faded), 5):
        states = [
            state(f"c{i:02d}", p, p_mastery=then_values[i % 5], attempts=5, days_ago=3)
            for i, p in enumerate(faded[start : start + 5])
        ]
        report = build_report("kim", states, NOW)
        (said,) = [line for line in report.summary if line.startswith("Mastered before")]
        assert len(report.previously_mastered) == len(states)
        for concept in report.previously_mastered:
            assert concept.p_mastery is not None
            then, now = mastery_percent(concept.p_mastery), mastery_percent(concept.p_now)
            assert f"{concept.concept_id.upper()} ({then} then, {now} now" in said, (concept, said)


def test_the_report_names_the_goal_it_consolidates_by_the_one_rule() -> None:
    goal = float(np.float32(0.8699999))
    report = build_report("kim", [state("g", goal, p_mastery=0.9, attempts=5, days_ago=1, goal=True)], NOW)
    assert report.consolidating == "g"
    assert f"G ({mastery_percent(goal)})." in " ".join(report.summary)
